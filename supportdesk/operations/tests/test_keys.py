"""The backup key ring: read like the vault's keys, apart from them, made by generate_keys."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from django.core.management import call_command

from supportdesk.operations.keys import BackupKeyError, backup_key_ring, parse_backup_keys
from supportdesk.operations.tests.helpers import BACKUP_KEY, BACKUP_KEY_ID
from supportdesk.vault.keyring import new_key


def test_the_ring_comes_from_the_environment() -> None:
    ring = backup_key_ring()
    assert ring.active_id == BACKUP_KEY_ID and len(ring.active_key) == 32
    assert BACKUP_KEY not in repr(ring) and BACKUP_KEY_ID in repr(ring)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"active": "a", "keys": {}}',
        json.dumps({"active": "b", "keys": {"a": new_key()}}),
        json.dumps({"active": "a", "keys": {"a": "c2hvcnQ="}}),
        json.dumps({"active": "a b", "keys": {"a b": new_key()}}),
    ],
)
def test_malformed_rings_are_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(BackupKeyError, match="SUPPORTDESK_BACKUP_KEY must be JSON"):
        parse_backup_keys(text)


def test_no_ring_is_refused_with_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPORTDESK_BACKUP_KEY")
    with pytest.raises(BackupKeyError, match="set SUPPORTDESK_BACKUP_KEY or"):
        backup_key_ring()


def test_a_backup_key_may_not_be_a_master_key(monkeypatch: pytest.MonkeyPatch) -> None:
    kek = json.loads(os.environ["SUPPORTDESK_KEYS"])["keys"]["test1"]
    monkeypatch.setenv("SUPPORTDESK_BACKUP_KEY", json.dumps({"active": "b", "keys": {"b": kek}}))
    with pytest.raises(BackupKeyError, match="must differ from every master key"):
        backup_key_ring()


def test_generate_keys_writes_a_backup_key_file_that_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command(
        "generate_keys", "--write", str(tmp_path), "--backup-key-id", "bf1", stdout=io.StringIO()
    )
    assert stat.S_IMODE(os.stat(tmp_path / "backup.json").st_mode) == 0o600
    monkeypatch.delenv("SUPPORTDESK_BACKUP_KEY")
    monkeypatch.setenv("SUPPORTDESK_BACKUP_KEY_FILE", str(tmp_path / "backup.json"))
    assert backup_key_ring().active_id == "bf1"


def test_make_run_adds_a_backup_key_beside_existing_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    call_command("generate_keys", "--write", str(tmp_path), stdout=io.StringIO())
    (tmp_path / "backup.json").unlink()  # a var/keys made before backups existed
    before = (tmp_path / "keyring.json").read_text()
    call_command(
        "generate_keys",
        "--write",
        str(tmp_path),
        "--keep-existing",
        "--backup-key-id",
        "blocal",
        stdout=io.StringIO(),
    )
    assert (tmp_path / "keyring.json").read_text() == before
    monkeypatch.delenv("SUPPORTDESK_BACKUP_KEY")
    settings.VAULT_LOCAL_KEY_DIR = tmp_path  # development's fallback, as for the vault
    assert backup_key_ring().active_id == "blocal"


def test_generate_keys_prints_a_usable_backup_key(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    call_command("generate_keys", "--backup-key-id", "bp1", stdout=out, stderr=io.StringIO())
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    monkeypatch.setenv("SUPPORTDESK_BACKUP_KEY", lines["SUPPORTDESK_BACKUP_KEY"].strip("'"))
    assert backup_key_ring().active_id == "bp1"


def test_pg_dump_and_pg_restore_get_no_key_in_their_environment() -> None:
    from supportdesk.operations.pg import Database

    env = Database(name="x", user="u", password="secret", host="h", port="5432").environment()
    assert not [name for name in env if name.startswith("SUPPORTDESK_")]
    assert env["PGPASSWORD"] == "secret" and env["PGDATABASE"] == "x" and "PATH" in env
    assert "secret" not in repr(Database(name="x", password="secret"))
