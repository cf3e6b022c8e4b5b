"""The chain key: required in production, never the SECRET_KEY, readable from a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

SECRET = "s" * 60


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("SUPPORTDESK")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import supportdesk.settings as s; print(s.SUPPORTDESK_AUDIT_KEY[:6])",
        ],
        cwd=settings.BASE_DIR,
        env={**clean, "ENV_FILE": "/nonexistent", "SECRET_KEY": SECRET, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_the_key() -> None:
    result = load_settings(SUPPORTDESK_ENV="production")
    assert result.returncode != 0
    assert "SUPPORTDESK_AUDIT_KEY" in result.stderr


def test_the_key_must_not_be_the_secret_key() -> None:
    result = load_settings(SUPPORTDESK_ENV="test", SUPPORTDESK_AUDIT_KEY=SECRET)
    assert result.returncode != 0 and "must not be the SECRET_KEY" in result.stderr


def test_a_short_key_is_refused() -> None:
    result = load_settings(SUPPORTDESK_ENV="test", SUPPORTDESK_AUDIT_KEY="short")
    assert result.returncode != 0 and "32 or more" in result.stderr


def test_the_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "audit.key"
    key_file.write_text("filekey" + "f" * 40 + "\n")
    result = load_settings(SUPPORTDESK_ENV="test", SUPPORTDESK_AUDIT_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "fileke"


@pytest.mark.parametrize(
    "name", ["audit-seal", "audit-checkpoint", "audit-anomalies", "audit-verify"]
)
def test_beat_runs_the_audit_tasks(name: str) -> None:
    task = settings.CELERY_BEAT_SCHEDULE[name]["task"]
    assert isinstance(task, str) and task.startswith("supportdesk.audit.tasks.")


# --- The checkpoint signer ---------------------------------------------------------------------

VERIFIER = "desk.example.org/audit+3ec21d93+AaQXNFnZezM3RejI3lwkE6ufachhUZeGInDScyTzq1lf"


def load_signer_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPPORTDESK", "AUDIT_"))
    }
    return subprocess.run(
        [sys.executable, "-c", "import supportdesk.settings as s; print(s.AUDIT_SIGNER)"],
        cwd=settings.BASE_DIR,
        env={
            **clean,
            "ENV_FILE": "/nonexistent",
            "SECRET_KEY": SECRET,
            "SUPPORTDESK_AUDIT_KEY": "a" * 40,
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_checkpoint_signer() -> None:
    result = load_signer_settings(SUPPORTDESK_ENV="production")
    assert result.returncode != 0
    assert "AUDIT_SIGNING_KEY_FILE" in result.stderr and "AUDIT_SIGNER_COMMAND" in result.stderr


def test_a_local_signing_key_needs_a_state_file(tmp_path: Path) -> None:
    key = tmp_path / "signing.key"
    key.write_text("PRIVATE+KEY+...\n")
    result = load_signer_settings(SUPPORTDESK_ENV="production", AUDIT_SIGNING_KEY_FILE=str(key))
    assert result.returncode != 0 and "AUDIT_SIGNER_STATE_FILE" in result.stderr
    result = load_signer_settings(
        SUPPORTDESK_ENV="production",
        AUDIT_SIGNING_KEY_FILE=str(key),
        AUDIT_SIGNER_STATE_FILE=str(tmp_path / "state.json"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "local"


def test_a_remote_signer_needs_its_public_key() -> None:
    result = load_signer_settings(SUPPORTDESK_ENV="test", AUDIT_SIGNER_COMMAND="ssh signer@host")
    assert result.returncode != 0 and "AUDIT_VERIFIER_KEY" in result.stderr
    result = load_signer_settings(
        SUPPORTDESK_ENV="production",
        AUDIT_SIGNER_COMMAND="ssh signer@host",
        AUDIT_VERIFIER_KEY=VERIFIER,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "command"


def test_tests_and_machines_without_a_key_sign_nothing() -> None:
    result = load_signer_settings(SUPPORTDESK_ENV="test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
