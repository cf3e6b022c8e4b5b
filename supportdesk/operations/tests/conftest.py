"""Every operations test gets a backup key ring and a backup folder of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportdesk.operations.tests.helpers import BACKUP_KEY_RING


@pytest.fixture(autouse=True)
def _backup_key_and_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings) -> Path:
    monkeypatch.setenv("SUPPORTDESK_BACKUP_KEY", BACKUP_KEY_RING)
    monkeypatch.delenv("SUPPORTDESK_BACKUP_KEY_FILE", raising=False)
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR
