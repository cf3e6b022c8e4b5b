"""Reads for the backups page: administrators only (404 for everyone else)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.operations.keys import BackupKeyError, backup_key_ring
from supportdesk.operations.models import Backup
from supportdesk.operations.services import require_administrator

# A nightly backup older than this means at least one night was missed.
STALE_AFTER = datetime.timedelta(hours=26)
RECENT = 20


def backups_for_user(*, user: User) -> QuerySet[Backup]:
    require_administrator(user)
    return Backup.objects.order_by("-created_at")


def _kept() -> QuerySet[Backup]:
    return Backup.objects.filter(status=Backup.Status.SUCCEEDED, pruned_at__isnull=True)


@dataclass(frozen=True)
class BackupOverview:
    last_good: Backup | None
    stale: bool  # no good backup, or the last one older than STALE_AFTER
    kept: int
    busy: bool  # one is waiting or running
    next_nightly: Backup | None
    recent: list[Backup]
    key_id: str  # the active backup key's id, or "" when none is set up
    key_problem: str  # why there is no usable backup key, or ""
    directory: str
    keep: int


def backup_overview_for_user(*, user: User, now: datetime.datetime | None = None) -> BackupOverview:
    backups = backups_for_user(user=user)
    now = now or timezone.now()
    last_good = _kept().order_by("-finished_at").first()
    try:
        key_id, key_problem = backup_key_ring().active_id, ""
    except BackupKeyError as problem:
        key_id, key_problem = "", str(problem.message)
    return BackupOverview(
        last_good=last_good,
        stale=last_good is None
        or last_good.finished_at is None
        or now - last_good.finished_at > STALE_AFTER,
        kept=_kept().count(),
        busy=backups.filter(status__in=[Backup.Status.QUEUED, Backup.Status.RUNNING]).exists(),
        next_nightly=backups.filter(status=Backup.Status.SCHEDULED).order_by("due_at").first(),
        recent=list(backups.exclude(status=Backup.Status.SCHEDULED)[:RECENT]),
        key_id=key_id,
        key_problem=key_problem,
        directory=str(settings.BACKUP_DIR),
        keep=settings.BACKUP_KEEP,
    )
