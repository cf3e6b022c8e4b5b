"""Nightly backups as follow-up rows: a night missed, a backup failed or never made all reach
the administrators; only the BACKUP_KEEP newest archives are kept."""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditEvent
from supportdesk.celery import app as celery_app
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.selectors import followup_problems_for_user
from supportdesk.followups.sweep import followups_sweep
from supportdesk.operations import services
from supportdesk.operations.audit_actions import BackupActions
from supportdesk.operations.models import Backup


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str]]]:
    sent: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setattr(
        services, "enqueue_after_commit", lambda name, **kwargs: sent.append((name, kwargs))
    )
    return sent


def pending(kind: str, backup: Backup) -> FollowUp:
    return FollowUp.objects.get(kind=kind, subject_id=str(backup.pk), state=FollowUp.State.PENDING)


def test_the_next_backup_time_is_the_next_backup_time_of_day_in_utc(settings) -> None:
    settings.BACKUP_TIME = (20, 30)
    utc = datetime.UTC
    before = datetime.datetime(2026, 12, 2, 20, 0, tzinfo=utc)
    after = datetime.datetime(2026, 12, 2, 20, 30, tzinfo=utc)
    assert services.next_backup_time(after=before) == after
    assert services.next_backup_time(after=after) == after + datetime.timedelta(days=1)


def test_beat_schedules_the_nightly_task_and_the_worker_knows_it() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["operations-backup-nightly"]
    assert entry["task"] == "operations.backup_nightly"
    celery_app.loader.import_default_modules()
    assert {"operations.backup_nightly", "operations.backup_run"} <= set(celery_app.tasks)


@pytest.mark.django_db
def test_beat_starts_the_chain_of_nightly_rows_once() -> None:
    first = services.backup_nightly_ensure()
    assert first is not None and first.status == Backup.Status.SCHEDULED
    assert pending(services.NIGHTLY, first).due_at == first.due_at
    assert services.backup_nightly_ensure() is None
    assert FollowUp.objects.filter(kind=services.NIGHTLY).count() == 1


@pytest.mark.django_db
def test_the_sweep_queues_tonights_backup_and_puts_tomorrows_row_in_place(
    published: list[tuple[str, dict[str, str]]],
) -> None:
    tonight = services.backup_nightly_ensure()
    assert tonight is not None
    followups_sweep()
    tonight.refresh_from_db()
    assert tonight.status == Backup.Status.QUEUED
    assert published == [(services.RUN_TASK, {"backup_id": str(tonight.pk)})]
    deadline = pending(services.DEADLINE, tonight)
    assert deadline.due_at - timezone.now() > services.DEADLINE_AFTER - datetime.timedelta(
        minutes=1
    )
    tomorrow = Backup.objects.get(status=Backup.Status.SCHEDULED)
    assert tomorrow.due_at == services.next_backup_time(after=tomorrow.created_at)
    assert pending(services.NIGHTLY, tomorrow)
    followups_sweep()  # a second sweep before tomorrow queues nothing more
    assert len(published) == 1


@pytest.mark.django_db
def test_a_night_nobody_started_shows_in_the_problems_list(administrator: User) -> None:
    missed = services.backup_nightly_ensure(now=timezone.now() - datetime.timedelta(hours=3))
    assert missed is not None
    problems = followup_problems_for_user(user=administrator)
    assert problems.filter(kind=services.NIGHTLY, subject_id=str(missed.pk)).exists()


@pytest.mark.django_db
def test_a_backup_not_made_by_its_deadline_alerts_the_administrators(
    administrator: User, published: list[tuple[str, dict[str, str]]]
) -> None:
    backup = services.backup_request(actor=administrator)  # queued; no worker ever takes it
    followups_sweep(now=timezone.now() + services.DEADLINE_AFTER + datetime.timedelta(minutes=1))
    deadline = FollowUp.objects.get(kind=services.DEADLINE, subject_id=str(backup.pk))
    assert deadline.state == FollowUp.State.FAILED and deadline.last_error == "BackupNotMade"
    assert Notification.objects.filter(user=administrator).exists()
    assert followup_problems_for_user(user=administrator).filter(pk=deadline.pk).exists()


@pytest.mark.django_db
def test_a_failed_backup_alerts_the_administrators_at_once(
    administrator: User,
    published: list[tuple[str, dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SUPPORTDESK_BACKUP_KEY")
    backup = services.backup_request(actor=administrator)
    services.backup_run(backup_id=str(backup.pk))
    backup.refresh_from_db()
    assert backup.status == Backup.Status.FAILED
    assert backup.failure.startswith("There is no backup key")
    assert AuditEvent.objects.filter(action=BackupActions.FAIL, object_id=backup.pk.hex).exists()
    followups_sweep()  # the deadline was brought forward to now (cancelled, then due now)
    deadline = FollowUp.objects.exclude(state=FollowUp.State.CANCELLED).get(
        kind=services.DEADLINE, subject_id=str(backup.pk)
    )
    assert deadline.state == FollowUp.State.FAILED
    assert Notification.objects.filter(user=administrator).exists()


@pytest.mark.django_db(transaction=True)
def test_the_task_makes_the_archive_once_and_cancels_the_deadline(
    administrator: User, published: list[tuple[str, dict[str, str]]]
) -> None:
    backup = services.backup_request(actor=administrator)
    made = services.backup_run(backup_id=str(backup.pk))
    assert made is not None and made.status == Backup.Status.SUCCEEDED
    assert Path(made.path).is_file() and made.size_bytes == Path(made.path).stat().st_size
    assert made.key_id and len(made.archive_id) == 32 and len(made.sha256) == 64
    deadline = FollowUp.objects.get(kind=services.DEADLINE, subject_id=str(backup.pk))
    assert deadline.state == FollowUp.State.CANCELLED
    assert services.backup_run(backup_id=str(backup.pk)) is None  # a message delivered twice
    assert Backup.objects.filter(status=Backup.Status.SUCCEEDED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_only_the_newest_archives_are_kept(settings, tmp_path: Path) -> None:
    settings.BACKUP_KEEP = 2
    elsewhere = services.backup_create(output=tmp_path / "kept-by-hand.sdbackup")
    stale = Path(settings.BACKUP_DIR) / "supportdesk-old.sdbackup.partial"
    made = [services.backup_create() for _ in range(3)]
    stale.write_bytes(b"left by a killed run")
    old = time.time() - services.TASK_TIME_LIMIT - 60
    os.utime(stale, (old, old))
    made.append(services.backup_create())
    for backup in made:
        backup.refresh_from_db()
    assert [backup.pruned_at is None for backup in made] == [False, False, True, True]
    assert [Path(backup.path).exists() for backup in made] == [False, False, True, True]
    assert Path(elsewhere.path).exists()  # not in BACKUP_DIR: never pruned
    assert not stale.exists()
    pruned = AuditEvent.objects.filter(action=BackupActions.PRUNE)
    assert sorted(pruned.values_list("object_id", flat=True)) == sorted(
        backup.pk.hex for backup in made[:2]
    )
