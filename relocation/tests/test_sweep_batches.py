"""The missed-check-in sweep's batch: one statement per batch on PostgreSQL, and the same rows as
the ORM batch the development databases use (so either may run a leg's first step)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from relocation.models import RouteLeg
from relocation.services import checkins
from relocation.tests.factories import RouteLegFactory, RoutePlanFactory
from supportdesk.followups.models import FollowUp

pytestmark = pytest.mark.django_db
ESCORT = "relocation.checkin.escort"
NOW = timezone.now().replace(microsecond=0)
L = RouteLeg.State


def minutes(n: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


@pytest.fixture
def legs() -> dict[str, RouteLeg]:
    """Legs due, not due yet, already on the ladder, and no longer under way."""
    plan = RoutePlanFactory.create()
    shapes = {
        "due_long_ago": dict(state=L.UNDER_WAY, check_in_due_at=NOW - minutes(30)),
        "due_just_now": dict(state=L.UNDER_WAY, check_in_due_at=NOW),
        "due_later": dict(state=L.UNDER_WAY, check_in_due_at=NOW + minutes(1)),
        "on_the_ladder": dict(
            state=L.UNDER_WAY, check_in_due_at=NOW - minutes(40), ladder=RouteLeg.Ladder.TEAM
        ),
        "arrived": dict(state=L.ARRIVED, check_in_due_at=NOW - minutes(50)),
    }
    return {
        name: RouteLegFactory.create(plan=plan, position=position, **shape)
        for position, (name, shape) in enumerate(shapes.items())
    }


def outcome() -> tuple[dict[str, int], list[tuple[object, ...]]]:
    ladders = dict(RouteLeg.objects.values_list("id", "ladder"))
    rows = FollowUp.objects.order_by("subject_id").values_list(
        "kind",
        "subject_type",
        "subject_id",
        "due_at",
        "next_attempt_at",
        "state",
        "attempts",
        "last_error",
        "team",
        "created_at",
        "finished_at",
    )
    return {str(pk): ladder for pk, ladder in ladders.items()}, list(rows)


def test_the_sql_batch_writes_what_the_orm_batch_writes(legs: dict[str, RouteLeg]) -> None:
    results = []
    for batch in (checkins._missed_batch_sql, checkins._missed_batch_orm):
        assert batch(now=NOW, limit=10) == 2
        results.append(outcome())
        FollowUp.objects.all().delete()
        RouteLeg.objects.filter(ladder=RouteLeg.Ladder.MISSED).update(ladder=RouteLeg.Ladder.NONE)
    assert results[0] == results[1]
    ladders, rows = results[0]
    missed = {str(legs[name].pk) for name in ("due_long_ago", "due_just_now")}
    assert {pk for pk, ladder in ladders.items() if ladder == RouteLeg.Ladder.MISSED} == missed
    assert ladders[str(legs["on_the_ladder"].pk)] == RouteLeg.Ladder.TEAM
    leg_type = ContentType.objects.get_for_model(RouteLeg).pk
    first_due = NOW - minutes(30) + minutes(15)  # due_long_ago's, with the escort's step
    assert (ESCORT, leg_type, str(legs["due_long_ago"].pk), first_due, first_due) in [
        row[:5] for row in rows
    ]
    assert {row[5:] for row in rows} == {("pending", 0, "", None, NOW, None)}


@pytest.mark.parametrize("batch", [checkins._missed_batch_sql, checkins._missed_batch_orm])
def test_a_step_already_pending_is_kept_as_it_is(legs: dict[str, RouteLeg], batch) -> None:
    leg = legs["due_long_ago"]
    kept = FollowUp.objects.create(
        kind=ESCORT,
        subject_type=ContentType.objects.get_for_model(RouteLeg),
        subject_id=str(leg.pk),
        due_at=NOW + minutes(99),
        next_attempt_at=NOW + minutes(99),
    )
    assert batch(now=NOW, limit=10) == 2
    assert FollowUp.objects.filter(subject_id=str(leg.pk)).get() == kept
    assert FollowUp.objects.get(pk=kept.pk).due_at == NOW + minutes(99)
    assert FollowUp.objects.count() == 2


def test_a_batch_takes_no_more_than_its_limit_oldest_first(legs: dict[str, RouteLeg]) -> None:
    assert checkins._missed_batch_sql(now=NOW, limit=1) == 1
    assert RouteLeg.objects.get(pk=legs["due_long_ago"].pk).ladder == RouteLeg.Ladder.MISSED
    assert RouteLeg.objects.get(pk=legs["due_just_now"].pk).ladder == RouteLeg.Ladder.NONE


def test_the_sweep_sends_one_statement_per_batch(legs: dict[str, RouteLeg]) -> None:
    ContentType.objects.get_for_model(RouteLeg)  # cached from here on, as in a running worker
    with CaptureQueriesContext(connection) as queries:
        assert checkins.checkins_missed_sweep(now=NOW, batch_size=1) == 2
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL"))
    ]
    # Two full batches of one leg, then one that finds nothing left.
    assert len(statements) == 3
    assert all(
        "SKIP LOCKED" in sql and "INSERT INTO followups_followup" in sql for sql in statements
    )
    assert FollowUp.objects.filter(kind=ESCORT).count() == 2
