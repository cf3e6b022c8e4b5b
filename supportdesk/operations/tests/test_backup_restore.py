"""Backups and restores on the real PostgreSQL server: the round trip, the refusals, and what
becomes of a shredded case in old backups once its master key is retired."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import Case, ContactChannel, FamilyMember
from cases.retention import closed_case_shred
from cases.tests.factories import CaseFactory, ContactFactory, FamilyMemberFactory
from supportdesk.audit import chain
from supportdesk.audit.models import AuditEvent
from supportdesk.operations import pg
from supportdesk.operations.archive import (
    ArchiveTruncated,
    ChunkDamaged,
    UnknownBackupKey,
    WrongBackupKey,
    read_header,
)
from supportdesk.operations.audit_actions import BackupActions
from supportdesk.operations.keys import backup_key_ring, parse_backup_keys
from supportdesk.operations.models import Backup
from supportdesk.operations.services import archive_restore, archive_write
from supportdesk.operations.tests.helpers import (
    BACKUP_KEY_ID,
    current_database,
    default_connection_to,
    scratch_database,
    table_fingerprints,
)
from supportdesk.vault.crypto import is_shredded, key_cache
from supportdesk.vault.keyring import key_ring_reload, new_key
from supportdesk.vault.models import DataKey
from supportdesk.vault.services import data_keys_rewrap_batch, data_keys_status

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(settings.BASE_DIR)
SMALL_CHUNKS = 512  # the test database dumps to about 24 KB compressed: dozens of chunks


def make_cases(count: int = 6) -> list[Case]:
    cases = []
    for n in range(count):
        case = CaseFactory.create(real_name=f"Ko Aung {n}", notes=f"note {n}")
        FamilyMemberFactory.create(case=case, name=f"Ma Hla {n}")
        ContactFactory.create(case=case, phone=f"+95942012{n:04d}")
        cases.append(case)
    return cases


def shred(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.CLOSED, closed_at=timezone.now() - timedelta(days=400)
    )
    assert closed_case_shred(subject_id=case.pk, cutoff=timezone.now())


def write_archive(path: Path, **kwargs: object) -> None:
    archive_write(path=path, database=current_database(), ring=backup_key_ring(), **kwargs)  # type: ignore[arg-type]


def restore_into(database: pg.Database, path: Path) -> None:
    archive_restore(path=path, database=database, ring=backup_key_ring())


def test_round_trip_gives_back_every_row_a_verified_chain_and_readable_fields(
    tmp_path: Path,
) -> None:
    cases = make_cases()
    shredded = cases[0]
    shred(shredded)
    assert chain.audit_seal() > 0
    before = table_fingerprints(current_database())
    path = tmp_path / "round-trip.sdbackup"

    started = time.monotonic()
    write_archive(path)
    written = time.monotonic()
    with scratch_database() as target:
        restore_into(target, path)
        restored = time.monotonic()
        # The figure docs/operations.md quotes (`pytest -s` shows it).
        print(
            f"\nbackup {written - started:.2f} s, restore {restored - written:.2f} s, "
            f"archive {path.stat().st_size} bytes"
        )
        assert table_fingerprints(target) == before
        assert before["cases_case"][0] == len(cases)
        with default_connection_to(target):
            result = chain.verify()
            assert result.intact and result.checked == AuditEvent.objects.count()
            for case in cases[1:]:
                restored_case = Case.objects.get(pk=case.pk)
                assert restored_case.real_name == case.real_name
                assert restored_case.notes == case.notes
                assert FamilyMember.objects.get(case=case).name == f"Ma Hla {cases.index(case)}"
                assert ContactChannel.objects.get(case=case).phone.startswith("+95942012")
            gone = Case.objects.get(pk=shredded.pk)
            assert is_shredded(gone.real_name) and is_shredded(gone.notes)
            assert is_shredded(FamilyMember.objects.get(case=shredded).name)
            assert DataKey.objects.get(holder_id=shredded.pk).wrapped is None


def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    make_cases(1)
    path = tmp_path / "a.sdbackup"
    write_archive(path)
    with pytest.raises(pg.DatabaseNotEmpty, match="is not empty"):
        restore_into(current_database(), path)
    with pytest.raises(CommandError, match="is not empty: restore only into a new, empty"):
        call_command("restore", str(path), "--no-progress")


def test_a_damaged_chunk_is_named_and_nothing_is_restored(tmp_path: Path) -> None:
    make_cases()
    path = tmp_path / "a.sdbackup"
    write_archive(path, chunk_size=SMALL_CHUNKS)
    blob = bytearray(path.read_bytes())
    header = len(read_header(io.BytesIO(bytes(blob))).raw)
    # Chunk 17 starts after 16 full chunks (5 bytes of frame and 16 of tag each).
    blob[header + 16 * (5 + SMALL_CHUNKS + 16) + 100] ^= 0x01
    damaged = tmp_path / "damaged.sdbackup"
    damaged.write_bytes(bytes(blob))
    with scratch_database() as target:
        with pytest.raises(ChunkDamaged, match="Chunk 17 of the archive is damaged") as refused:
            restore_into(target, damaged)
        assert "Nothing was restored" in str(refused.value)
        assert pg.objects_in_public_schema(target) == 0


def test_a_truncated_archive_is_named_and_nothing_is_restored(tmp_path: Path) -> None:
    make_cases()
    path = tmp_path / "a.sdbackup"
    write_archive(path, chunk_size=SMALL_CHUNKS)
    blob = path.read_bytes()
    header = len(read_header(io.BytesIO(blob)).raw)
    cut = tmp_path / "cut.sdbackup"
    cut.write_bytes(blob[: header + 12 * (5 + SMALL_CHUNKS + 16)])
    with scratch_database() as target:
        with pytest.raises(ArchiveTruncated, match="ends after chunk 12: it is truncated"):
            restore_into(target, cut)
        assert pg.objects_in_public_schema(target) == 0


def test_a_wrong_or_unknown_backup_key_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_cases(1)
    path = tmp_path / "a.sdbackup"
    write_archive(path)
    wrong = json.dumps({"active": BACKUP_KEY_ID, "keys": {BACKUP_KEY_ID: new_key()}})
    unknown = json.dumps({"active": "bother", "keys": {"bother": new_key()}})
    with scratch_database() as target:
        with pytest.raises(WrongBackupKey, match="not the key this archive was made with"):
            archive_restore(path=path, database=target, ring=parse_backup_keys(wrong))
        with pytest.raises(UnknownBackupKey, match="which is not in SUPPORTDESK_BACKUP_KEY"):
            archive_restore(path=path, database=target, ring=parse_backup_keys(unknown))
        assert pg.objects_in_public_schema(target) == 0
    monkeypatch.setenv("SUPPORTDESK_BACKUP_KEY", wrong)
    with pytest.raises(CommandError, match="not the key this archive was made with"):
        call_command("restore", str(path), "--check", "--no-progress")


def test_the_commands_back_up_and_restore_with_progress_and_a_record(tmp_path: Path) -> None:
    make_cases(3)
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", stdout=out, stderr=err)
    backup = Backup.objects.get()
    assert backup.status == Backup.Status.SUCCEEDED and backup.trigger == Backup.Trigger.COMMAND
    assert Path(backup.path).parent == Path(settings.BACKUP_DIR)
    assert os.stat(backup.path).st_mode & 0o077 == 0  # the owner's only
    assert "Backup written and checked" in out.getvalue()
    assert "Dumping [" in err.getvalue() and "100%" in err.getvalue()
    assert AuditEvent.objects.filter(action=BackupActions.CREATE, object_id=backup.pk.hex).exists()

    check = io.StringIO()
    call_command("restore", backup.path, "--check", stdout=check, stderr=io.StringIO())
    assert f"opens with backup key {BACKUP_KEY_ID}" in check.getvalue()

    with scratch_database() as target:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{target.user}@{target.host}:{target.port}/{target.name}",
        }
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "restore", backup.path],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "Restored from" in result.stdout and "Restoring [" in result.stderr
        with default_connection_to(target):
            own = Backup.objects.get(pk=backup.pk)  # running when it was dumped
            assert own.status == Backup.Status.SUCCEEDED
            assert AuditEvent.objects.filter(action=BackupActions.RESTORE).count() == 1
            assert Case.objects.count() == 3


def test_backup_refuses_client_tools_of_another_postgresql_version(
    tmp_path: Path, settings
) -> None:
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.9'\n")
    fake.chmod(0o755)
    settings.BACKUP_PG_BIN_DIR = str(fake.parent)
    with pytest.raises(CommandError, match="pg_dump is of PostgreSQL 13 but the server is"):
        call_command("backup", "--no-progress", stdout=io.StringIO())
    backup = Backup.objects.get()
    assert backup.status == Backup.Status.FAILED and "postgresql-client-" in backup.failure
    assert not list(Path(settings.BACKUP_DIR).glob("*"))  # no half-written file stays


def _ring(active: str, **keys: str) -> str:
    return json.dumps({"active": active, "keys": keys})


def test_a_case_shredded_after_a_backup_is_gone_from_it_once_its_master_key_is_retired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/operations.md, "Shredding and old backups": the order is rotate, back up, let the
    older backups age out, then retire (remove and destroy) the old master key."""
    old, new = new_key(), new_key()
    monkeypatch.setenv("SUPPORTDESK_KEYS", _ring("kold", kold=old))
    key_ring_reload()
    key_cache.clear()
    try:
        shredded_later, kept = make_cases(2)
        old_backup = tmp_path / "before-the-shred.sdbackup"
        write_archive(old_backup)
        shred(shredded_later)

        # While the old master key exists, the old backup still gives the shredded case back:
        # this is why a shred is not complete until that key is gone.
        with scratch_database() as target:
            restore_into(target, old_backup)
            with default_connection_to(target):
                assert Case.objects.get(pk=shredded_later.pk).real_name == "Ko Aung 0"

        # Rotate: a new active key, every live data key re-wrapped, then a backup under it.
        monkeypatch.setenv("SUPPORTDESK_KEYS", _ring("knew", kold=old, knew=new))
        key_ring_reload()
        while data_keys_rewrap_batch(batch_size=100):
            pass
        assert data_keys_status().under_old_keks == 0
        new_backup = tmp_path / "after-the-rotation.sdbackup"
        write_archive(new_backup)

        # Retire: the old key leaves the ring (and is destroyed).
        monkeypatch.setenv("SUPPORTDESK_KEYS", _ring("knew", knew=new))
        key_ring_reload()
        key_cache.clear()
        assert Case.objects.get(pk=kept.pk).real_name == "Ko Aung 1"

        with scratch_database() as target:
            restore_into(target, old_backup)
            with default_connection_to(target):
                # The old backup still holds the case's wrapped data key ...
                data_key = DataKey.objects.get(holder_id=shredded_later.pk)
                assert data_key.wrapped is not None and data_key.kek_id == "kold"
                # ... but nothing can unwrap it any more: the case stays unreadable. So does the
                # rest of that backup: backups older than the rotation are ciphertext now.
                for case in (shredded_later, kept):
                    key_cache.clear()
                    with pytest.raises(ImproperlyConfigured, match="'kold' is not in the key ring"):
                        _ = Case.objects.get(pk=case.pk).real_name
        with scratch_database() as target:
            restore_into(target, new_backup)
            with default_connection_to(target):
                assert is_shredded(Case.objects.get(pk=shredded_later.pk).real_name)
                assert Case.objects.get(pk=kept.pk).real_name == "Ko Aung 1"
    finally:
        monkeypatch.undo()
        key_ring_reload()
        key_cache.clear()
