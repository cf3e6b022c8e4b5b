import base64
import io
import json
import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from supportdesk.vault.keyring import key_ring_reload, load_key_ring, parse_keys


def test_the_test_suite_has_a_key_ring_without_files() -> None:
    ring = load_key_ring()
    assert ring.active_id == "test1"
    assert len(ring.active_kek) == 32
    assert "test1" in repr(ring)
    assert base64.b64encode(ring.active_kek).decode() not in repr(ring)


def test_without_keys_the_vault_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPORTDESK_KEYS")
    with pytest.raises(ImproperlyConfigured, match="no keys"):
        load_key_ring()


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"active": "a", "keys": {}}',
        '{"active": "b", "keys": {"a": "' + base64.b64encode(b"k" * 32).decode() + '"}}',
        '{"active": "a", "keys": {"a": "' + base64.b64encode(b"short").decode() + '"}}',
    ],
)
def test_malformed_key_rings_are_refused(text: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_keys(text)


def test_keys_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("generate_keys", "--write", str(tmp_path), "--kek-id", "f1", stdout=io.StringIO())
    monkeypatch.delenv("SUPPORTDESK_KEYS")
    monkeypatch.delenv("SUPPORTDESK_INDEX_KEY")
    monkeypatch.setenv("SUPPORTDESK_KEYS_FILE", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("SUPPORTDESK_INDEX_KEY_FILE", str(tmp_path / "index.key"))
    assert load_key_ring().active_id == "f1"
    for name in ("keyring.json", "index.key"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600


def test_writing_keys_never_overwrites(tmp_path: Path) -> None:
    call_command("generate_keys", "--write", str(tmp_path), stdout=io.StringIO())
    before = (tmp_path / "keyring.json").read_text()
    call_command("generate_keys", "--write", str(tmp_path), "--keep-existing", stdout=io.StringIO())
    assert (tmp_path / "keyring.json").read_text() == before
    with pytest.raises(Exception, match="not overwriting"):
        call_command("generate_keys", "--write", str(tmp_path), stdout=io.StringIO())


def test_generate_keys_prints_a_usable_ring(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    call_command("generate_keys", "--kek-id", "p1", stdout=out, stderr=io.StringIO())
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    monkeypatch.setenv("SUPPORTDESK_KEYS", lines["SUPPORTDESK_KEYS"].strip("'"))
    monkeypatch.setenv("SUPPORTDESK_INDEX_KEY", lines["SUPPORTDESK_INDEX_KEY"])
    assert load_key_ring().active_id == "p1"


def test_add_kek_keeps_the_old_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    call_command(
        "generate_keys", "--add-kek", "--kek-id", "test2", stdout=out, stderr=io.StringIO()
    )
    ring = json.loads(out.getvalue().split("=", 1)[1].strip().strip("'"))
    assert ring["active"] == "test2"
    assert set(ring["keys"]) == {"test0", "test1", "test2"}


def test_the_index_key_must_differ_from_the_master_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    kek = json.loads(os.environ["SUPPORTDESK_KEYS"])["keys"]["test1"]
    monkeypatch.setenv("SUPPORTDESK_INDEX_KEY", kek)
    with pytest.raises(ImproperlyConfigured, match="must differ"):
        key_ring_reload()


def test_development_falls_back_to_the_local_key_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    call_command(
        "generate_keys", "--write", str(tmp_path), "--kek-id", "local", stdout=io.StringIO()
    )
    monkeypatch.delenv("SUPPORTDESK_KEYS")
    monkeypatch.delenv("SUPPORTDESK_INDEX_KEY")
    settings.VAULT_LOCAL_KEY_DIR = tmp_path
    assert load_key_ring().active_id == "local"
    settings.VAULT_LOCAL_KEY_DIR = None  # as in production and tests: no fallback
    with pytest.raises(ImproperlyConfigured, match="no keys"):
        load_key_ring()
