"""`make run` has no Redis: worker and beat share kombu's filesystem transport. Run both for real
(in folders of their own, for a few seconds) and see beat's sweep reach a due row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import followup_schedule
from supportdesk.followups.tests.conftest import past
from supportdesk.followups.tests.retentiontest.models import Dossier
from supportdesk.followups.tests.test_worker_killed import ROOT, child_env

CELERY = str(Path(sys.executable).with_name("celery"))


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - the project's own celery with fixed arguments
        [CELERY, "-A", "supportdesk", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_sweep_through_the_filesystem_broker(tmp_path: Path) -> None:
    broker = tmp_path / "broker"
    for folder in ("queue", "processed"):
        (broker / folder).mkdir(parents=True)
    # No handler is registered for this kind in the worker: an attempt recorded with NoHandler is
    # the trace of a sweep having claimed and run the row.
    followup = followup_schedule(
        kind="test.embedded", subject=Dossier.objects.create(), due_at=past()
    )
    env = child_env(
        REDIS_URL="", CELERY_FILESYSTEM_BROKER_DIR=str(broker), FOLLOWUPS_SWEEP_SECONDS="1"
    )
    worker = start(
        ["worker", "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        env,
        tmp_path / "worker.log",
    )
    beat = start(
        ["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")],
        env,
        tmp_path / "beat.log",
    )
    try:
        deadline = time.monotonic() + 45
        while FollowUp.objects.get(pk=followup.pk).attempts == 0:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.25)
    finally:
        stop(beat)
        stop(worker)

    row = FollowUp.objects.get(pk=followup.pk)
    assert (row.state, row.last_error) == (FollowUp.State.PENDING, "NoHandler")
    assert (
        "Sending due task followups-sweep (followups.sweep)" in (tmp_path / "beat.log").read_text()
    )
    assert "followups.sweep" in (tmp_path / "worker.log").read_text()
