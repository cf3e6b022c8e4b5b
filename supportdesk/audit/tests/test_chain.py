"""The HMAC chain: sealing, and verification naming the first event edited, deleted, moved or
inserted with raw SQL (as a database superuser could, with the trigger switched off)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from supportdesk.audit import alerts, chain
from supportdesk.audit.models import AuditAlert, AuditChainHead, AuditEvent
from supportdesk.audit.services import audit_record
from supportdesk.audit.tests.helpers import audit_triggers_bypassed, event_at, make_events, raw

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def sealed_chain() -> list[AuditEvent]:
    make_events(10)
    assert chain.audit_seal() == 10
    return list(AuditEvent.objects.order_by("chain_position"))


def test_sealing_gives_consecutive_positions_and_a_head() -> None:
    make_events(5)
    assert chain.audit_seal(batch_size=2) == 5
    positions = list(AuditEvent.objects.order_by("id").values_list("chain_position", flat=True))
    assert positions == [1, 2, 3, 4, 5]
    head = AuditChainHead.objects.get()
    assert head.position == 5
    assert head.mac == event_at(5).chain_mac


def test_sealing_again_seals_only_new_events(sealed_chain: list[AuditEvent]) -> None:
    assert chain.audit_seal() == 0
    make_events(3)
    assert chain.audit_seal() == 3
    assert chain.verify().intact


def test_intact_chain_verifies(sealed_chain: list[AuditEvent]) -> None:
    make_events(2)  # not sealed yet: counted, not a problem
    result = chain.verify()
    assert result.intact
    assert (result.checked, result.unsealed, result.head_position) == (10, 2, 10)


def test_empty_log_verifies(db: None) -> None:
    assert chain.verify().intact


def test_edited_event_is_named(sealed_chain: list[AuditEvent]) -> None:
    victim = event_at(4)
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET action = 'auth.login' WHERE id = %s", [victim.id])  # noqa: S608
    problem = chain.verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id, problem.position) == ("edited", victim.id, 4)


def test_edited_field_names_are_detected(sealed_chain: list[AuditEvent]) -> None:
    victim = event_at(7)
    with audit_triggers_bypassed():
        raw(f"""UPDATE {TABLE} SET fields = '["status"]' WHERE id = %s""", [victim.id])  # noqa: S608
    problem = chain.verify().problem
    assert problem is not None and (problem.kind, problem.event_id) == ("edited", victim.id)


def test_deleted_event_is_detected_at_the_next_event(sealed_chain: list[AuditEvent]) -> None:
    victim, following = event_at(5), event_at(6)
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [victim.id])  # noqa: S608
    problem = chain.verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id, problem.position) == ("deleted", following.id, 6)
    assert "position" in problem.message and "5" in problem.message


def test_deleted_event_with_positions_closed_up_is_detected(
    sealed_chain: list[AuditEvent],
) -> None:
    victim, following = event_at(5), event_at(6)
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [victim.id])  # noqa: S608
        for position in range(6, 11):
            raw(
                f"UPDATE {TABLE} SET chain_position = chain_position - 1 "  # noqa: S608
                "WHERE chain_position = %s",
                [position],
            )
    problem = chain.verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id) == ("deleted", following.id)


def test_deleted_end_of_chain_is_detected(sealed_chain: list[AuditEvent]) -> None:
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE chain_position >= 9")  # noqa: S608
    problem = chain.verify().problem
    assert problem is not None
    assert (problem.kind, problem.position) == ("deleted", 9)


def test_reordered_events_are_named(sealed_chain: list[AuditEvent]) -> None:
    first, second = event_at(3), event_at(8)
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET chain_position = -1 WHERE id = %s", [first.id])  # noqa: S608
        raw(f"UPDATE {TABLE} SET chain_position = 3 WHERE id = %s", [second.id])  # noqa: S608
        raw(f"UPDATE {TABLE} SET chain_position = 8 WHERE id = %s", [first.id])  # noqa: S608
    problem = chain.verify().problem
    assert problem is not None
    # The first position out of place now holds `second`.
    assert (problem.kind, problem.event_id, problem.position) == ("reordered", second.id, 3)


def test_swapped_neighbours_are_named(sealed_chain: list[AuditEvent]) -> None:
    first, second = event_at(5), event_at(6)
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET chain_position = -1 WHERE id = %s", [first.id])  # noqa: S608
        raw(f"UPDATE {TABLE} SET chain_position = 5 WHERE id = %s", [second.id])  # noqa: S608
        raw(f"UPDATE {TABLE} SET chain_position = 6 WHERE id = %s", [first.id])  # noqa: S608
    problem = chain.verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id, problem.position) == ("reordered", second.id, 5)


def test_inserted_event_is_named(sealed_chain: list[AuditEvent]) -> None:
    template = event_at(4)
    with audit_triggers_bypassed():
        for position in range(10, 4, -1):  # make room at position 5, from the end
            raw(
                f"UPDATE {TABLE} SET chain_position = chain_position + 1 "  # noqa: S608
                "WHERE chain_position = %s",
                [position],
            )
        raw(
            f"INSERT INTO {TABLE} (occurred_at, actor_id, action, object_type, object_id, "  # noqa: S608
            "fields, request_id, ip, chain_position, event_mac, chain_mac) "
            "VALUES (%s, NULL, 'case.view', 'cases.case', 'planted', %s, '', NULL, 5, %s, %s)",
            [template.occurred_at, '["alias"]', "a" * 64, "b" * 64],
        )
    inserted = AuditEvent.objects.get(object_id="planted")
    problem = chain.verify().problem
    assert problem is not None
    assert (problem.kind, problem.event_id, problem.position) == ("inserted", inserted.id, 5)


def test_inserted_event_with_copied_macs_is_named(sealed_chain: list[AuditEvent]) -> None:
    """Copying a genuine event's MACs onto a planted row does not make it pass."""
    genuine = event_at(9)
    with audit_triggers_bypassed():
        raw(
            f"INSERT INTO {TABLE} (occurred_at, actor_id, action, object_type, object_id, "  # noqa: S608
            "fields, request_id, ip, chain_position, event_mac, chain_mac) "
            "VALUES (%s, NULL, 'case.view', 'cases.case', 'planted', %s, '', NULL, 11, %s, %s)",
            [genuine.occurred_at, '["alias"]', genuine.event_mac, genuine.chain_mac],
        )
    problem = chain.verify().problem
    assert problem is not None
    assert problem.kind == "inserted"
    assert problem.event_id == AuditEvent.objects.get(object_id="planted").id


def test_a_different_key_fails_verification(sealed_chain: list[AuditEvent]) -> None:
    with override_settings(SUPPORTDESK_AUDIT_KEY="another-key-" + "z" * 40):
        problem = chain.verify().problem
    assert problem is not None and problem.position == 1


def test_verify_audit_command_exits_zero_when_intact(sealed_chain: list[AuditEvent]) -> None:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_verify_audit_command_names_the_event_and_fails(sealed_chain: list[AuditEvent]) -> None:
    victim = event_at(2)
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET object_id = 'x' WHERE id = %s", [victim.id])  # noqa: S608
    with pytest.raises(CommandError, match=rf"edited.*Event {victim.id}\b"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def test_verify_audit_command_exit_status_is_non_zero(sealed_chain: list[AuditEvent]) -> None:
    victim = event_at(2)
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [victim.id])  # noqa: S608
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "verify_audit"])
    assert exit_info.value.code == 1


def test_nightly_check_alerts_administrators_once(sealed_chain: list[AuditEvent]) -> None:
    with audit_triggers_bypassed():
        raw(f"UPDATE {TABLE} SET action = 'x' WHERE chain_position = 3")  # noqa: S608
    assert not alerts.audit_verify_and_alert().intact
    assert not alerts.audit_verify_and_alert().intact
    alert = AuditAlert.objects.get()
    assert alert.kind == AuditAlert.Kind.CHAIN_BROKEN
    assert str(event_at(3).id) in alert.detail


def test_backdated_event_is_sealed_and_alerted(db: None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    make_events(1, at=timezone.now() - timedelta(hours=2))
    make_events(1)
    assert alerts.audit_seal() == 2
    alert = AuditAlert.objects.get()
    assert alert.kind == AuditAlert.Kind.LATE_EVENT
    assert chain.verify().intact


def test_recording_takes_no_chain_lock(db: None) -> None:
    """Appending is a plain INSERT: the event starts unsealed and the head is untouched."""
    event = audit_record(actor=None, action="auth.login_failed")
    assert event.chain_position is None and event.chain_mac is None
    assert not AuditChainHead.objects.exists()


def test_events_outlive_the_objects_they_name(db: None) -> None:
    """No foreign keys: deleting (or shredding) what an event names leaves the event and the
    chain intact, and the event holds ids and field names only."""
    from supportdesk.accounts.tests.factories import UserFactory

    person = UserFactory.create(display_name="Ko Aung (alias)")
    event = audit_record(actor=person, action="account.create", obj=person, fields=["username"])
    chain.audit_seal()
    person_id = person.pk
    person.delete()
    event.refresh_from_db()
    assert event.object_id == person_id.hex and event.fields == ["username"]
    assert "Aung" not in chain.canonical(event).decode()
    assert chain.verify().intact
