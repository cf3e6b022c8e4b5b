"""Fixtures for the audit tests: a local checkpoint signer with its own key and state file."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings

from supportdesk.audit.note import SignerKey
from supportdesk.audit.signer import write_signer_key

ORIGIN = "desk.example.org/audit"


@pytest.fixture
def signing_key(tmp_path: Path, settings: LazySettings) -> SignerKey:
    """The app signs checkpoints in-process ("local" mode) with a key file in tmp_path."""
    key = SignerKey.generate(ORIGIN)
    write_signer_key(tmp_path / "audit-signing.key", key)
    settings.AUDIT_SIGNER = "local"
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "audit-signing.key")
    settings.AUDIT_SIGNER_STATE_FILE = str(tmp_path / "signer-state.json")
    settings.AUDIT_VERIFIER_KEY = ""
    return key
