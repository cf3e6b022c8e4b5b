"""The sweep: claim due follow-up rows, run their handlers, mark them done, retry or give up.

Claiming follows healthchecks' `sendalerts`: a short transaction takes a batch of due rows with
`SELECT ... FOR UPDATE SKIP LOCKED`, counts an attempt and pushes `next_attempt_at` out by a lease,
then commits. The batch's handlers then run in one transaction that ends with a conditional UPDATE
marking the rows done (one commit per batch, not per row). If a handler raises, that transaction
rolls back, the failing row is recorded (retry with backoff, or fail and alert), and the other rows
of the batch run again one transaction each. So:

- two sweeps never take the same row (skip_locked, then the lease);
- a worker killed mid-handler leaves its handlers' writes uncommitted; the rows come back when the
  lease runs out, and the attempt they used counts towards the bound;
- a row cancelled while its handler runs has the handler's work rolled back.

No lock is held on the follow-up rows while handlers run, so a service cancelling or rescheduling
a duty never waits for a sweep. Handlers' own locks (a case, a route leg) are held until their
batch commits: FOLLOWUPS_BATCH_SIZE trades that time against throughput (1 = a commit per row).
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
from django.utils.translation import gettext_lazy

from supportdesk.accounts.models import User
from supportdesk.followups import conf
from supportdesk.followups.models import FollowUp
from supportdesk.followups.registry import TRANSIENT_ERRORS, handler_for
from supportdesk.followups.services import notify_users
from supportdesk.messages import Message

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
        for outcome in followups_run_batch(claimed=claimed, now=now):
            result.add(outcome)
        if len(claimed) < batch_size or time.monotonic() - started > budget:
            return result


@transaction.atomic
def followups_claim(*, now: datetime, limit: int) -> list[FollowUp]:
    """Take up to `limit` due rows for this sweep, each with its attempt counted."""
    # Two sweeps (overlapping beat ticks, several workers) read the same due rows at once:
    # skip_locked hands each of them different rows, and the lease written below keeps the rows
    # from every other sweep after this commit, until this sweep has run them or has died.
    rows = list(
        FollowUp.objects.select_for_update(skip_locked=True)
        .filter(state=FollowUp.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")[:limit]
    )
    if rows:
        lease_until = now + timedelta(seconds=conf.lease_seconds())
        FollowUp.objects.filter(pk__in=[row.pk for row in rows]).update(
            attempts=F("attempts") + 1, next_attempt_at=lease_until
        )
        for row in rows:
            row.attempts, row.next_attempt_at = row.attempts + 1, lease_until
    return rows


class HandlerFailed(Exception):
    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(index)
        self.index, self.error = index, error


def followups_run_batch(*, claimed: list[FollowUp], now: datetime | None = None) -> list[str]:
    """Run a claimed batch in one transaction; on trouble, settle each row on its own."""
    outcomes = [
        followup_record_failure(followup=row, error=Interrupted(), now=now or timezone.now())
        for row in claimed
        if row.attempts > conf.max_attempts()
    ]
    rows = [row for row in claimed if row.attempts <= conf.max_attempts()]
    if not rows:
        return outcomes
    try:
        _run_together(rows=rows, now=now or timezone.now())
        return [*outcomes, *[DONE] * len(rows)]
    except SoftTimeLimitExceeded:
        raise  # the task is out of time: the lease brings the rows back, this attempt counted
    except HandlerFailed as failed:
        # Everything the batch did is rolled back. The failing row is not run again in this
        # attempt; the others (those before it had succeeded) run once more, one by one.
        failing = rows.pop(failed.index)
        outcomes.append(
            followup_record_failure(followup=failing, error=failed.error, now=now or timezone.now())
        )
    except Exception as error:
        # A row cancelled or re-claimed meanwhile, or a transaction a handler broke: settle the
        # rows one by one, each in its own transaction.
        logger.info("followups: batch fell back to one by one (%s)", type(error).__name__)
    return [*outcomes, *[followup_run(followup=row, now=now) for row in rows]]


def _run_together(*, rows: list[FollowUp], now: datetime) -> None:
    with transaction.atomic():
        for index, row in enumerate(rows):
            try:
                handler_for(row.kind)(row)
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:
                raise HandlerFailed(index, error) from error
        # The lease end doubles as the batch's claim token: a row cancelled, or claimed by
        # another sweep after this one's lease ran out, no longer matches.
        marked = FollowUp.objects.filter(
            pk__in=[row.pk for row in rows],
            state=FollowUp.State.PENDING,
            next_attempt_at=rows[0].next_attempt_at,
        ).update(state=FollowUp.State.DONE, finished_at=now, last_error="")
        if marked != len(rows):
            raise Superseded


def followup_run(*, followup: FollowUp, now: datetime | None = None) -> str:
    """Run one claimed row's handler and mark the row done, in one transaction."""
    try:
        with transaction.atomic():
            handler_for(followup.kind)(followup)
            finished = FollowUp.objects.filter(
                pk=followup.pk, state=FollowUp.State.PENDING, attempts=followup.attempts
            ).update(state=FollowUp.State.DONE, finished_at=now or timezone.now(), last_error="")
            if not finished:
                raise Superseded
        return DONE
    except Superseded:
        return SKIPPED
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:
        return followup_record_failure(followup=followup, error=error, now=now or timezone.now())


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base, ..., capped."""
    seconds = conf.retry_base_seconds() * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, conf.retry_max_seconds()))


@transaction.atomic
def followup_record_failure(*, followup: FollowUp, error: BaseException, now: datetime) -> str:
    followup_id, attempts = followup.pk, followup.attempts
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
    followup_alert_failed(followup_id=followup_id, kind=followup.kind, error_name=error_name)
    return FAILED


def followup_alert_failed(*, followup_id: int, kind: str, error_name: str) -> None:
    """Tell every active administrator, once per failed row, in the transaction that failed it."""
    logger.error("followup %s (%s) failed for good: %s", followup_id, kind, error_name)
    notify_users(
        users=User.objects.filter(role=User.Role.ADMINISTRATOR, is_active=True),
        kind="followup.failed",
        message=Message(
            gettext_lazy(
                "A follow-up could not be completed (%(kind)s #%(id)s). It needs attention."
            ),
            kind=kind,
            id=str(followup_id),  # a row id, written as stored in every language
        ),
        link=reverse("followups:problems"),
        dedupe_key=f"followup-failed:{followup_id}",
    )
