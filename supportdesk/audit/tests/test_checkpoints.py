"""Signed checkpoints and what they are for: someone holding the HMAC key and superuser access
to the database rewrites the log so that `verify_audit` passes, and a checkpoint kept outside the
server still catches it and names the first event missing or changed."""

from __future__ import annotations

import base64
import io
import json
import shlex
import sys
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from supportdesk.accounts.models import User
from supportdesk.audit import alerts, chain, checkpoints, merkle, tree
from supportdesk.audit.models import AuditAlert, AuditCheckpoint, AuditEvent
from supportdesk.audit.note import SignerKey, open_checkpoint
from supportdesk.audit.signer import write_signer_key
from supportdesk.audit.tests.helpers import (
    attacker_rebuilds_tree,
    attacker_rewrites_chain,
    audit_triggers_bypassed,
    event_at,
    make_events,
    raw,
)
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def export(path: Path) -> Path:
    """`manage.py audit_checkpoint --export > path`, as a witness would be given it."""
    out = io.StringIO()
    call_command("audit_checkpoint", "--export", stdout=out)
    path.write_text(out.getvalue())
    return path


def verify(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue()


def verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    return str(failure.value)


@pytest.fixture
def kept(signing_key: SignerKey, tmp_path: Path) -> Path:
    """Ten events sealed and a checkpoint of them given to a witness; the log carries on."""
    make_events(10)
    kept = export(tmp_path / "kept-checkpoint.txt")
    make_events(3)
    chain.audit_seal()
    checkpoints.checkpoint_sign()
    return kept


# --- Signing and exporting ----------------------------------------------------------------------


def test_the_export_is_a_c2sp_checkpoint_signed_with_the_log_key(
    signing_key: SignerKey, tmp_path: Path
) -> None:
    make_events(5)
    note = export(tmp_path / "c.txt").read_text()
    root = base64.b64encode(tree.tree_root(5)).decode()
    text, signature = note.split("\n\n")
    assert text + "\n" == f"desk.example.org/audit\n5\n{root}\n"
    assert signature.startswith("\u2014 desk.example.org/audit ") and signature.endswith("\n")
    assert open_checkpoint(note, signing_key.verifier()).size == 5
    kept = AuditCheckpoint.objects.get()
    assert (kept.tree_size, kept.note) == (5, note)


def test_the_public_key_is_printed_for_witnesses(signing_key: SignerKey) -> None:
    out = io.StringIO()
    call_command("audit_checkpoint", "--public-key", stdout=out)
    assert out.getvalue().strip() == signing_key.verifier().encode()


def test_signing_again_without_new_events_keeps_one_checkpoint(signing_key: SignerKey) -> None:
    make_events(3)
    chain.audit_seal()
    first = checkpoints.checkpoint_sign()
    assert checkpoints.checkpoint_sign() == first
    make_events(2)
    chain.audit_seal()
    assert checkpoints.checkpoint_sign().tree_size == 5
    assert AuditCheckpoint.objects.count() == 2


def test_a_signer_that_lost_its_checkpoints_row_is_asked_again_from_its_own_size(
    signing_key: SignerKey,
) -> None:
    make_events(4)
    chain.audit_seal()
    checkpoints.checkpoint_sign()
    with audit_triggers_bypassed():
        raw("DELETE FROM audit_auditcheckpoint")  # the app forgets; the signer does not
    make_events(4)
    chain.audit_seal()
    assert checkpoints.checkpoint_sign().tree_size == 8  # consistency from 4, as the signer said


def test_without_a_signer_nothing_is_signed(settings: LazySettings) -> None:
    settings.AUDIT_SIGNER, settings.AUDIT_SIGNING_KEY_FILE, settings.AUDIT_VERIFIER_KEY = "", "", ""
    with pytest.raises(CommandError, match="AUDIT_SIGNING_KEY_FILE"):
        call_command("audit_checkpoint", "--export", stdout=io.StringIO())


# --- The attack the checkpoints exist for -------------------------------------------------------


def test_an_intact_log_matches_a_kept_checkpoint(kept: Path) -> None:
    assert "exactly those this checkpoint signed" in verify("--against", str(kept))


def test_a_deleted_event_with_the_chain_recomputed_is_named(kept: Path) -> None:
    before, victim, after = event_at(4), event_at(5), event_at(6)
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [victim.id])  # noqa: S608
    attacker_rewrites_chain()

    assert "Audit chain intact" in verify()  # the chain alone cannot tell
    message = verify_fails("--against", str(kept))
    assert "deleted" in message and "position 5" in message
    assert f"after event {before.id} and before event {after.id}" in message
    assert f"Its id was {victim.id}" in message
    difference = checkpoints.log_check(checkpoints.checkpoint_open(kept.read_text()))
    assert difference is not None and (difference.kind, difference.position) == ("deleted", 5)


def test_an_edited_event_with_the_chain_recomputed_is_named(kept: Path) -> None:
    victim = event_at(3)
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET action = 'auth.login' WHERE id = %s", [victim.id])  # noqa: S608
    attacker_rewrites_chain()

    assert "Audit chain intact" in verify()
    message = verify_fails("--against", str(kept))
    assert f"Event {victim.id}, at position 3" in message and "edited" in message


def test_reordered_events_with_the_chain_recomputed_are_named(kept: Path) -> None:
    first, second = event_at(2), event_at(7)
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET chain_position = -1 WHERE id = %s", [first.id])  # noqa: S608
        raw(f"UPDATE {TABLE} SET chain_position = 2 WHERE id = %s", [second.id])  # noqa: S608
        raw(f"UPDATE {TABLE} SET chain_position = 7 WHERE id = %s", [first.id])  # noqa: S608
    attacker_rewrites_chain()

    assert "Audit chain intact" in verify()
    message = verify_fails("--against", str(kept))
    assert f"Event {first.id} was signed at position 2 and is now at position 7" in message


def test_cutting_off_the_newest_events_is_named(signing_key: SignerKey, tmp_path: Path) -> None:
    make_events(12)
    kept = export(tmp_path / "kept.txt")
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE chain_position > 9")  # noqa: S608
    attacker_rewrites_chain()

    assert "Audit chain intact" in verify()
    message = verify_fails("--against", str(kept))
    assert "positions 10 to 12 are missing" in message
    assert f"ends at position 9 (event {event_at(9).id})" in message


def test_the_rewrite_is_caught_by_verify_audit_alone_while_the_database_keeps_its_checkpoint(
    kept: Path,
) -> None:
    """Someone who forgets the checkpoint rows is caught without any witness."""
    victim = event_at(3)
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET object_id = 'x' WHERE id = %s", [victim.id])  # noqa: S608
    attacker_rewrites_chain()
    checkpoints.checkpoint_sign()  # ... and the app's next checkpoint is stored again
    message = verify_fails()
    assert "newest checkpoint in the database" in message and f"Event {victim.id}" in message


def test_a_rebuilt_tree_still_fails_and_the_signer_refuses_to_go_on(
    kept: Path, administrator: User
) -> None:
    """The thorough attacker also rebuilds the tree: the kept checkpoint still fails, but can only
    say where the change may be; the signer will not sign the rewritten log; administrators hear."""
    victim = event_at(5)
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [victim.id])  # noqa: S608
    attacker_rewrites_chain()
    attacker_rebuilds_tree()

    assert "Audit chain intact" in verify()
    assert "positions 1 to 10 are missing or changed" in verify_fails("--against", str(kept))
    make_events(2)
    assert alerts.audit_checkpoint_and_alert() is None
    alert = AuditAlert.objects.get(kind=AuditAlert.Kind.LOG_INCONSISTENT)
    assert "The signer refused" in alert.detail and "does not extend" in alert.detail
    assert len(mail.outbox) <= 1  # the inbox emails "N new alerts", never the detail
    assert administrator.notifications.filter(kind="audit.alert").count() == 1


def test_older_kept_checkpoints_narrow_down_a_rewrite_of_the_tree(
    signing_key: SignerKey, tmp_path: Path
) -> None:
    make_events(4)
    early = export(tmp_path / "early.txt")
    make_events(6)
    late = export(tmp_path / "late.txt")
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE chain_position = 7")  # noqa: S608
    attacker_rewrites_chain()
    attacker_rebuilds_tree()
    assert "exactly those" in verify("--against", str(early))
    assert "does not match" in verify_fails("--against", str(early), "--against", str(late))


def test_a_checkpoint_signed_by_another_key_is_refused(
    signing_key: SignerKey, tmp_path: Path
) -> None:
    make_events(3)
    chain.audit_seal()
    stranger = SignerKey.generate(signing_key.name)
    forged = tmp_path / "forged.txt"
    forged.write_text(
        stranger.sign(f"{signing_key.name}\n3\n{base64.b64encode(tree.tree_root(3)).decode()}\n")
    )
    assert "Not a checkpoint signed by this log's key" in verify_fails("--against", str(forged))


# --- The beat task ------------------------------------------------------------------------------


def test_the_beat_task_signs_a_checkpoint(signing_key: SignerKey) -> None:
    make_events(3)  # not sealed yet: the task seals first
    checkpoint = alerts.audit_checkpoint_and_alert()
    assert checkpoint is not None and checkpoint.tree_size == 3
    assert not AuditAlert.objects.exists()


def test_a_signer_that_stays_unavailable_is_alerted(
    signing_key: SignerKey, settings: LazySettings, administrator: User
) -> None:
    settings.AUDIT_SIGNER = "command"
    settings.AUDIT_SIGNER_COMMAND = "/nonexistent/signer"
    settings.AUDIT_VERIFIER_KEY = signing_key.verifier().encode()
    make_events(1)
    assert alerts.audit_checkpoint_and_alert() is None
    alert = AuditAlert.objects.get()
    assert alert.kind == AuditAlert.Kind.CHECKPOINT_UNSIGNED
    assert "did not answer" in alert.detail


def test_a_missed_tick_right_after_a_signed_checkpoint_is_not_alerted(
    signing_key: SignerKey, settings: LazySettings
) -> None:
    make_events(1)
    alerts.audit_checkpoint_and_alert()
    settings.AUDIT_SIGNER, settings.AUDIT_SIGNER_COMMAND = "command", "/nonexistent/signer"
    settings.AUDIT_VERIFIER_KEY = signing_key.verifier().encode()
    assert alerts.audit_checkpoint_and_alert() is None
    assert not AuditAlert.objects.exists()


def test_the_nightly_check_alerts_when_the_log_no_longer_matches_its_checkpoint(
    signing_key: SignerKey,
) -> None:
    make_events(6)
    alerts.audit_checkpoint_and_alert()
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET action = 'x' WHERE chain_position = 2")  # noqa: S608
    attacker_rewrites_chain()
    checkpoints.checkpoint_sign()
    assert alerts.audit_verify_and_alert().intact  # the chain is perfect...
    alert = AuditAlert.objects.get()  # ... the log against its checkpoint is not
    assert alert.kind == AuditAlert.Kind.LOG_INCONSISTENT
    assert f"Event {event_at(2).id}, at position 2" in alert.detail


# --- The signer on another host -----------------------------------------------------------------


def test_the_remote_signer_mode_runs_the_configured_command(
    tmp_path: Path, settings: LazySettings
) -> None:
    key = SignerKey.generate("desk.example.org/audit")
    write_signer_key(tmp_path / "remote.key", key)
    settings.AUDIT_SIGNER = "command"
    settings.AUDIT_SIGNER_COMMAND = shlex.join(
        [
            *(sys.executable, "-m", "supportdesk.audit.signer", "sign"),
            *(
                "--key",
                str(tmp_path / "remote.key"),
                "--state",
                str(tmp_path / "remote-state.json"),
            ),
        ]
    )
    settings.AUDIT_VERIFIER_KEY = key.verifier().encode()
    settings.AUDIT_SIGNING_KEY_FILE = ""
    make_events(4)
    chain.audit_seal()
    assert checkpoints.checkpoint_sign().tree_size == 4
    with audit_triggers_bypassed():  # the app forgets; the remote signer answers with its size
        raw("DELETE FROM audit_auditcheckpoint")
    make_events(3)
    chain.audit_seal()
    assert checkpoints.checkpoint_sign().tree_size == 7

    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE chain_position = 2")  # noqa: S608
    attacker_rewrites_chain()
    attacker_rebuilds_tree()
    make_events(1)
    chain.audit_seal()
    with pytest.raises(checkpoints.CheckpointRefused, match="does not extend"):
        checkpoints.checkpoint_sign()


# --- Proofs: API and command --------------------------------------------------------------------


@pytest.fixture
def signed_log(signing_key: SignerKey) -> list[AuditEvent]:
    make_events(9)
    alerts.audit_checkpoint_and_alert()
    return list(AuditEvent.objects.order_by("chain_position"))


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_an_administrator_gets_an_inclusion_proof_that_verifies(
    signed_log: list[AuditEvent], administrator: User
) -> None:
    event = signed_log[4]
    response = token_client(administrator).get(
        "/api/v1/audit/proofs/inclusion/", {"event_id": event.id}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["tree_size"], data["chain_position"], data["leaf_index"]) == (9, 5, 4)
    assert merkle.leaf_hash(data["leaf_data"].encode()) == b64(data["leaf_hash"])
    assert merkle.verify_inclusion(
        leaf=b64(data["leaf_hash"]),
        index=4,
        size=9,
        proof=[b64(p) for p in data["proof"]],
        root=b64(data["root_hash"]),
    )
    assert data["checkpoint"] == AuditCheckpoint.objects.get().note


def test_an_administrator_gets_a_consistency_proof_that_verifies(
    signed_log: list[AuditEvent], administrator: User
) -> None:
    response = token_client(administrator).get(
        "/api/v1/audit/proofs/consistency/", {"first": 3, "second": 9}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert merkle.verify_consistency(
        old=3,
        new=9,
        old_root=b64(data["first_root"]),
        new_root=b64(data["second_root"]),
        proof=[b64(p) for p in data["proof"]],
    )


def test_the_latest_checkpoint_is_served_to_administrators(
    signed_log: list[AuditEvent], administrator: User
) -> None:
    data = token_client(administrator).get("/api/v1/audit/checkpoints/latest/").json()
    assert data["tree_size"] == 9 and data["note"] == AuditCheckpoint.objects.get().note


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/audit/proofs/inclusion/", {"event_id": 999999}, 404),
        ("/api/v1/audit/proofs/inclusion/", {"event_id": "x"}, 400),
        ("/api/v1/audit/proofs/inclusion/", {"event_id": "{event}", "tree_size": 50}, 400),
        ("/api/v1/audit/proofs/consistency/", {"first": 8, "second": 3}, 400),
    ],
)
def test_bad_proof_requests_are_told_apart(
    signed_log: list[AuditEvent],
    administrator: User,
    path: str,
    params: dict[str, object],
    status: int,
) -> None:
    event = str(signed_log[0].id)
    query = {key: event if value == "{event}" else value for key, value in params.items()}
    response = token_client(administrator).get(path, query)
    assert response.status_code == status, response.content


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit/checkpoints/latest/",
        "/api/v1/audit/proofs/inclusion/?event_id=1",
        "/api/v1/audit/proofs/consistency/?first=1",
    ],
)
def test_anyone_but_an_administrator_gets_404(
    signed_log: list[AuditEvent], coordinator: User, volunteer: User, path: str
) -> None:
    for user in (coordinator, volunteer):
        assert token_client(user).get(path).status_code == 404


def test_an_event_sealed_after_the_checkpoint_needs_a_larger_size(
    signed_log: list[AuditEvent], administrator: User
) -> None:
    make_events(1)
    chain.audit_seal()
    late = event_at(10)
    client = token_client(administrator)
    assert client.get("/api/v1/audit/proofs/inclusion/", {"event_id": late.id}).status_code == 400
    ok = client.get("/api/v1/audit/proofs/inclusion/", {"event_id": late.id, "tree_size": 10})
    assert ok.status_code == 200 and ok.json()["checkpoint"] == ""


def test_the_proof_command_prints_json(signed_log: list[AuditEvent]) -> None:
    out = io.StringIO()
    call_command("audit_proof", "--event", str(signed_log[0].id), stdout=out)
    data = json.loads(out.getvalue())
    assert data["tree_size"] == 9 and len(data["proof"]) == 4
    out = io.StringIO()
    call_command("audit_proof", "--from", "4", stdout=out)
    assert json.loads(out.getvalue())["second"] == 9
    with pytest.raises(CommandError, match="sealed events"):
        call_command("audit_proof", "--from", "4", "--size", "99", stdout=io.StringIO())
