"""A worker killed with SIGKILL in the middle of a handler: the duty completes after a restart and
its notification exists (and is emailed) once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection

from supportdesk.accounts.models import Team, User
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.services import followup_schedule, notifications_email_send
from supportdesk.followups.tests.conftest import past
from supportdesk.followups.tests.retentiontest.models import Dossier
from supportdesk.followups.tests.sweep_child import KIND

ROOT = Path(__file__).resolve().parents[3]


def child_env(**extra: str) -> dict[str, str]:
    # The same server as this test run, and the test database pytest-django made on it.
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"])
    env = dict(os.environ)
    env.update(
        DATABASE_URL=urlunsplit(url),
        SUPPORTDESK_ENV="test",
        ENV_FILE="/nonexistent",
        **extra,
    )
    return env


def sweep_in_child(*args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "supportdesk.followups.tests.sweep_child", *args],
        cwd=ROOT,
        env=child_env(**extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the sweep exited early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the handler never started")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_handler_leaves_the_duty_to_complete_once_after_restart(
    tmp_path: Path, team: Team, volunteer: User
) -> None:
    volunteer.email = "volunteer@example.org"
    volunteer.save(update_fields=["email"])
    dossier = Dossier.objects.create(alias="Special 007")
    followup = followup_schedule(kind=KIND, subject=dossier, due_at=past(), team=team)
    marker = tmp_path / "in-handler"

    worker = sweep_in_child(SWEEP_CHILD_BLOCK=str(marker))
    wait_for(marker, worker)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    row = FollowUp.objects.get(pk=followup.pk)
    assert (row.state, row.attempts) == (FollowUp.State.PENDING, 1)
    assert not Notification.objects.exists()  # written in the handler, rolled back with it

    # Restarted before the lease has run out: the row is not taken yet.
    early = sweep_in_child("0")
    assert early.communicate(timeout=60)[0].strip() == "done=0"

    restarted = sweep_in_child(str(settings.FOLLOWUPS_LEASE_SECONDS + 1))
    out, err = restarted.communicate(timeout=60)
    assert out.strip() == "done=1", err

    row = FollowUp.objects.get(pk=followup.pk)
    assert (row.state, row.attempts) == (FollowUp.State.DONE, 2)
    assert Notification.objects.filter(user=volunteer).count() == 1
    assert notifications_email_send(user_id=volunteer.pk) == 1
    assert notifications_email_send(user_id=volunteer.pk) == 0
    assert len(mail.outbox) == 1
    assert "You have 1 new alert." in mail.outbox[0].body
