"""The sweep: claim due follow-up rows, run their handlers, mark them done, retry or give up.

Claiming follows healthchecks' `sendalerts`: a short transaction takes a batch of due rows with
`SELECT ... FOR UPDATE SKIP LOCKED`, counts an attempt and pushes `next_attempt_at` out by a lease,
then commits. Each row then runs in its own transaction, which ends with a conditional UPDATE
marking it done. So:

- two sweeps never take the same row (skip_locked, then the lease);
- a worker killed mid-handler leaves its handler's writes uncommitted; the row comes back when the
  lease runs out, and the attempt it used counts towards the bound;
- a row cancelled while its handler runs has the handler's writes rolled back.

No lock is held on the row while a handler runs, so a service cancelling or rescheduling a duty
never waits for (or deadlocks with) a handler that is locking the same subject.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.accounts.models import User
from supportdesk.followups import conf
from supportdesk.followups.models import FollowUp
from supportdesk.followups.registry import TRANSIENT_ERRORS, handler_for
from supportdesk.followups.services import notify_users

logger = logging.getLogger(__name__)

DONE, RETRIED, FAILED, SKIPPED = "done", "retried", "failed", "skipped"


class Superseded(Exception):
    """The row was cancelled, or claimed again, while its handler ran: undo the handler's work."""


class Interrupted(Exception):
    """Every attempt was used up by workers that died (or timed out) in the middle of a handler."""


@dataclass
class SweepResult:
    done: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def followups_sweep(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    budget_seconds: float | None = None,
) -> SweepResult:
    """Run due follow-ups, batch after batch, until none are due or the time budget is spent (the
    next beat tick carries on). `now` is for tests: it replaces the clock for the whole sweep."""
    batch_size = batch_size or conf.sweep_batch_size()
    budget = conf.sweep_budget_seconds() if budget_seconds is None else budget_seconds
    started = time.monotonic()
    result = SweepResult()
    while True:
        claimed = followups_claim(now=now or timezone.now(), limit=batch_size)
        for followup_id, attempts in claimed:
            result.add(followup_run(followup_id=followup_id, attempts=attempts, now=now))
        if len(claimed) < batch_size or time.monotonic() - started > budget:
            return result


@transaction.atomic
def followups_claim(*, now: datetime, limit: int) -> list[tuple[int, int]]:
    """Take up to `limit` due rows for this sweep. Returns (id, attempt number) pairs."""
    # Two sweeps (overlapping beat ticks, several workers) read the same due rows at once:
    # skip_locked hands each of them different rows, and the lease written below keeps the rows
    # from every other sweep after this commit, until this sweep has run them or has died.
    rows = list(
        FollowUp.objects.select_for_update(skip_locked=True)
        .filter(state=FollowUp.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:limit]
    )
    if rows:
        FollowUp.objects.filter(pk__in=[pk for pk, _attempts in rows]).update(
            attempts=F("attempts") + 1,
            next_attempt_at=now + timedelta(seconds=conf.lease_seconds()),
        )
    return [(pk, attempts + 1) for pk, attempts in rows]


def followup_run(*, followup_id: int, attempts: int, now: datetime | None = None) -> str:
    """Run one claimed row's handler and mark the row done, in one transaction."""
    try:
        with transaction.atomic():
            followup = FollowUp.objects.select_related("subject_type").get(pk=followup_id)
            if followup.state != FollowUp.State.PENDING or followup.attempts != attempts:
                return SKIPPED
            if attempts > conf.max_attempts():
                raise Interrupted
            handler_for(followup.kind)(followup)
            finished = FollowUp.objects.filter(
                pk=followup_id, state=FollowUp.State.PENDING, attempts=attempts
            ).update(state=FollowUp.State.DONE, finished_at=now or timezone.now(), last_error="")
            if not finished:
                raise Superseded
        return DONE
    except Superseded:
        return SKIPPED
    except SoftTimeLimitExceeded:
        raise  # the task is out of time: the lease brings the row back, this attempt counted
    except Exception as error:
        return followup_record_failure(
            followup_id=followup_id, attempts=attempts, error=error, now=now or timezone.now()
        )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base, ..., capped."""
    seconds = conf.retry_base_seconds() * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, conf.retry_max_seconds()))


@transaction.atomic
def followup_record_failure(
    *, followup_id: int, attempts: int, error: BaseException, now: datetime
) -> str:
    error_name = type(error).__name__[:100]  # never the message: it may quote personal data
    rows = FollowUp.objects.filter(pk=followup_id, state=FollowUp.State.PENDING, attempts=attempts)
    if isinstance(error, TRANSIENT_ERRORS) and attempts < conf.max_attempts():
        rows.update(next_attempt_at=now + retry_delay(attempts), last_error=error_name)
        logger.warning(
            "followup %s: attempt %s failed (%s), will retry", followup_id, attempts, error_name
        )
        return RETRIED
    if not rows.update(state=FollowUp.State.FAILED, finished_at=now, last_error=error_name):
        return SKIPPED
    followup_alert_failed(followup_id=followup_id, error_name=error_name)
    return FAILED


def followup_alert_failed(*, followup_id: int, error_name: str) -> None:
    """Tell every active administrator, once per failed row, in the transaction that failed it."""
    kind = FollowUp.objects.values_list("kind", flat=True).get(pk=followup_id)
    logger.error("followup %s (%s) failed for good: %s", followup_id, kind, error_name)
    notify_users(
        users=User.objects.filter(role=User.Role.ADMINISTRATOR, is_active=True),
        kind="followup.failed",
        text=_("A follow-up could not be completed (%(kind)s #%(id)s). It needs attention.")
        % {"kind": kind, "id": followup_id},
        link=reverse("followups:problems"),
        dedupe_key=f"followup-failed:{followup_id}",
    )
