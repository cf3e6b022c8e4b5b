"""KEK rotation re-wraps data keys in committed batches: stopping it anywhere loses nothing."""

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from supportdesk.vault.crypto import key_cache
from supportdesk.vault.keyring import key_ring_reload
from supportdesk.vault.models import DataKey
from supportdesk.vault.tests.factories import dossier_create, relative_create
from supportdesk.vault.tests.vaulttest.models import Dossier, Relative

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def old_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Dossier]]:
    """Twelve holders whose data keys were wrapped while test0 was the active master key."""
    ring = json.loads(os.environ["SUPPORTDESK_KEYS"])
    monkeypatch.setenv("SUPPORTDESK_KEYS", json.dumps({**ring, "active": "test0"}))
    key_ring_reload()
    dossiers = [dossier_create(name=f"Person {i}") for i in range(12)]
    for dossier in dossiers:
        relative_create(dossier, name=f"Relative of {dossier.name}")
    monkeypatch.setenv("SUPPORTDESK_KEYS", json.dumps(ring))
    key_ring_reload()
    key_cache.clear()
    yield dossiers
    key_ring_reload()


def kek_counts() -> dict[str, int]:
    return {kek: DataKey.objects.filter(kek_id=kek).count() for kek in ("test0", "test1")}


def assert_everything_readable(dossiers: list[Dossier]) -> None:
    key_cache.clear()  # open every value through its wrapped key, as a fresh process would
    names = {d.pk: d.name for d in Dossier.objects.filter(pk__in=[d.pk for d in dossiers])}
    assert names == {d.pk: d.name for d in dossiers}
    for relative in Relative.objects.filter(dossier__in=dossiers):
        assert relative.name == f"Relative of {names[relative.dossier_id]}"


@pytest.mark.django_db
def test_rotation_stopped_halfway_leaves_everything_readable(old_keys: list[Dossier]) -> None:
    out = io.StringIO()
    call_command("rotate_keys", "--batch-size", "5", "--max-batches", "1", stdout=out)
    assert kek_counts() == {"test0": 7, "test1": 5}
    assert "7 data keys are still under old master keys" in out.getvalue()
    assert_everything_readable(old_keys)

    out = io.StringIO()
    call_command("rotate_keys", "--batch-size", "5", stdout=out)
    assert kek_counts() == {"test0": 0, "test1": 12}
    assert "7/7" in out.getvalue()
    assert "Every data key is under the active master key" in out.getvalue()
    assert_everything_readable(old_keys)


@pytest.mark.django_db
def test_rotation_is_idempotent(old_keys: list[Dossier]) -> None:
    call_command("rotate_keys", stdout=io.StringIO())
    wrapped = dict(DataKey.objects.values_list("id", "wrapped"))
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "0 data keys to re-wrap" in out.getvalue()
    assert dict(DataKey.objects.values_list("id", "wrapped")) == wrapped


@pytest.mark.django_db
def test_shredded_keys_are_left_alone(old_keys: list[Dossier]) -> None:
    from supportdesk.vault.services import key_holder_shred

    key_holder_shred(holder=old_keys[0])
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "shredded: 1" in out.getvalue()
    assert kek_counts() == {"test0": 0, "test1": 11}


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_rotation_killed_mid_run_leaves_everything_readable_and_a_rerun_finishes(
    old_keys: list[Dossier],
) -> None:
    env = {**os.environ, "DATABASE_URL": _database_url()}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rotate_keys", "--batch-size", "1", "--pause", "0.3"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        progress = 0
        for line in process.stdout:
            progress += line.startswith("[")
            if progress == 3:
                break
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    counts = kek_counts()
    assert counts["test1"] >= 3 and counts["test0"] >= 1, counts
    assert_everything_readable(old_keys)

    call_command("rotate_keys", stdout=io.StringIO())
    assert kek_counts() == {"test0": 0, "test1": 12}
    assert_everything_readable(old_keys)
