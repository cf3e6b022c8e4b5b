from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from django.conf import LazySettings
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.functional import lazystr

from supportdesk.accounts.models import Team, User
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.registry import TransientError
from supportdesk.followups.services import followup_cancel, followup_notify, followup_schedule
from supportdesk.followups.sweep import followups_claim, followups_sweep, retry_delay
from supportdesk.followups.tests.conftest import past, reload
from supportdesk.followups.tests.retentiontest.models import Dossier
from supportdesk.messages import Message


@pytest.fixture(autouse=True)
def _retry_settings(settings: LazySettings) -> None:
    settings.FOLLOWUPS_MAX_ATTEMPTS = 3
    settings.FOLLOWUPS_RETRY_BASE_SECONDS = 30
    settings.FOLLOWUPS_RETRY_MAX_SECONDS = 600
    settings.FOLLOWUPS_LEASE_SECONDS = 600


def test_a_due_duty_runs_its_handler_once_and_is_done(
    register, dossier: Dossier, team: Team, volunteer: User
) -> None:
    seen: list[object] = []
    register("test.ping", lambda f: seen.append(f.subject_pk))
    followup = followup_schedule(kind="test.ping", subject=dossier, due_at=past(), team=team)

    result = followups_sweep()
    again = followups_sweep()

    assert seen == [dossier.pk]
    assert (result.done, again.done) == (1, 0)
    followup = reload(followup)
    assert followup.state == FollowUp.State.DONE
    assert followup.attempts == 1
    assert followup.finished_at is not None


def test_a_duty_not_yet_due_waits(register, dossier: Dossier) -> None:
    seen: list[int] = []
    register("test.ping", lambda f: seen.append(f.pk))
    followup_schedule(kind="test.ping", subject=dossier, due_at=timezone.now() + timedelta(hours=1))

    assert followups_sweep().done == 0
    assert seen == []
    assert followups_sweep(now=timezone.now() + timedelta(hours=2)).done == 1


def test_a_cancelled_duty_never_runs(register, dossier: Dossier) -> None:
    seen: list[int] = []
    register("test.ping", lambda f: seen.append(f.pk))
    followup_schedule(kind="test.ping", subject=dossier, due_at=past())
    followup_cancel(subject=dossier, kind="test.ping")

    followups_sweep()

    assert seen == []


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(
    register, dossier: Dossier
) -> None:
    followup = followup_schedule(kind="test.ping", subject=dossier, due_at=past())
    now = timezone.now()

    def claim(at: datetime) -> list[tuple[int, int]]:
        return [(row.pk, row.attempts) for row in followups_claim(now=at, limit=10)]

    assert claim(now) == [(followup.pk, 1)]
    assert claim(now + timedelta(seconds=599)) == []
    assert claim(now + timedelta(seconds=601)) == [(followup.pk, 2)]


def test_transient_failures_are_retried_with_backoff(
    register, dossier: Dossier, team: Team, volunteer: User
) -> None:
    calls: list[int] = []

    def flaky(followup: FollowUp) -> None:
        calls.append(followup.attempts)
        followup_notify(
            followup=followup, message=Message(lazystr("Check-in missed: Special 007")), link="/"
        )
        if len(calls) < 3:
            raise OperationalError("could not connect to server (with some detail)")

    register("test.flaky", flaky)
    followup = followup_schedule(kind="test.flaky", subject=dossier, due_at=past(), team=team)
    start = timezone.now()

    assert followups_sweep(now=start).retried == 1
    row = reload(followup)
    assert row.state == FollowUp.State.PENDING
    assert row.last_error == "OperationalError"
    assert row.next_attempt_at == start + timedelta(seconds=30)
    assert followups_sweep(now=start + timedelta(seconds=29)).retried == 0

    assert followups_sweep(now=start + timedelta(seconds=30)).retried == 1
    assert reload(followup).next_attempt_at == start + timedelta(seconds=90)

    assert followups_sweep(now=start + timedelta(seconds=90)).done == 1
    assert calls == [1, 2, 3]
    # The failed attempts' notifications rolled back with them: one, not three.
    assert Notification.objects.filter(user=volunteer).count() == 1


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [
        30,
        60,
        120,
        240,
        480,
        600,
    ]


def test_after_the_last_attempt_the_duty_fails_and_administrators_are_alerted(
    register, dossier: Dossier, administrator: User, volunteer: User
) -> None:
    def down(followup: FollowUp) -> None:
        raise TransientError("mail server at 10.0.0.1 said no")

    register("test.down", down)
    followup = followup_schedule(kind="test.down", subject=dossier, due_at=past())
    now = timezone.now()
    for minutes in range(0, 30, 5):
        followups_sweep(now=now + timedelta(minutes=minutes))

    row = reload(followup)
    assert row.state == FollowUp.State.FAILED
    assert row.attempts == 3
    assert row.last_error == "TransientError"
    alerts = Notification.objects.filter(kind="followup.failed")
    assert [a.user for a in alerts] == [administrator]
    assert "10.0.0.1" not in alerts[0].text
    assert alerts[0].link == "/followups/problems/"


def test_a_bug_in_a_handler_fails_the_duty_at_once(
    register, dossier: Dossier, administrator: User
) -> None:
    def buggy(followup: FollowUp) -> None:
        raise KeyError("Special 007")

    register("test.buggy", buggy)
    followup = followup_schedule(kind="test.buggy", subject=dossier, due_at=past())

    assert followups_sweep().failed == 1
    row = reload(followup)
    assert (row.state, row.attempts, row.last_error) == (FollowUp.State.FAILED, 1, "KeyError")
    assert Notification.objects.filter(user=administrator, kind="followup.failed").count() == 1


def test_a_kind_without_a_handler_is_retried_then_fails(
    dossier: Dossier, administrator: User
) -> None:
    followup = followup_schedule(kind="test.unknown", subject=dossier, due_at=past())
    now = timezone.now()
    for minutes in range(0, 30, 5):
        followups_sweep(now=now + timedelta(minutes=minutes))

    row = reload(followup)
    assert (row.state, row.last_error) == (FollowUp.State.FAILED, "NoHandler")


def test_attempts_used_up_by_dead_workers_fail_the_duty_without_running_it(
    register, dossier: Dossier, administrator: User
) -> None:
    seen: list[int] = []
    register("test.ping", lambda f: seen.append(f.pk))
    followup = followup_schedule(kind="test.ping", subject=dossier, due_at=past())
    now = timezone.now()
    for n in range(3):  # three workers claimed the row and died before finishing
        followups_claim(now=now + timedelta(seconds=601 * n), limit=10)

    result = followups_sweep(now=now + timedelta(seconds=601 * 3))

    assert seen == []
    assert result.failed == 1
    assert reload(followup).last_error == "Interrupted"


def test_a_duty_cancelled_while_its_handler_runs_has_its_work_undone(
    register, dossier: Dossier, team: Team, volunteer: User
) -> None:
    def cancelled_meanwhile(followup: FollowUp) -> None:
        followup_notify(followup=followup, message=Message(lazystr("Check-in missed: Special 007")))
        # What a concurrent check-in does; here in the same connection, for the same effect.
        FollowUp.objects.filter(pk=followup.pk).update(state=FollowUp.State.CANCELLED)

    register("test.cancelled", cancelled_meanwhile)
    followup_schedule(kind="test.cancelled", subject=dossier, due_at=past(), team=team)

    result = followups_sweep()

    assert result.skipped == 1
    assert not Notification.objects.exists()


def test_the_sweep_reads_due_rows_through_the_partial_index(dossier: Dossier) -> None:
    followup_schedule(kind="test.ping", subject=dossier, due_at=past())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as queries:
            followups_claim(now=datetime(2000, 1, 1, tzinfo=UTC), limit=10)
        claim = next(q["sql"] for q in queries if "FOR UPDATE SKIP LOCKED" in q["sql"])
        cursor.execute("EXPLAIN " + claim)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "followup_pending_next" in plan


def test_one_failing_duty_in_a_batch_does_not_hold_back_the_others(
    register, team: Team, volunteer: User, administrator: User
) -> None:
    runs: list[str] = []

    def handler(followup: FollowUp) -> None:
        alias = Dossier.objects.get(pk=cast(uuid.UUID, followup.subject_pk)).alias  # a UUID pk
        runs.append(alias)
        followup_notify(followup=followup, message=Message(lazystr(f"Check-in missed: {alias}")))
        if alias == "bad":
            raise KeyError(alias)

    register("test.mixed", handler)
    for alias in ["a", "b", "bad", "c", "d"]:
        followup_schedule(
            kind="test.mixed", subject=Dossier.objects.create(alias=alias), due_at=past(), team=team
        )

    result = followups_sweep(batch_size=10)

    assert (result.done, result.failed) == (4, 1)
    assert runs.count("bad") == 1  # a failing handler runs once per attempt
    texts = sorted(
        Notification.objects.filter(user=volunteer).values_list("message__text", flat=True)
    )
    assert texts == [f"Check-in missed: {alias}" for alias in ["a", "b", "c", "d"]]
