"""The missed-check-in ladder with a frozen clock: each step once, a check-in stops it, a late
check-in after "overdue" clears it with a timeline line, two sweeps at once notify once."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from cases.models import CaseEvent
from relocation.models import RouteLeg
from relocation.services.checkins import checkins_missed_sweep, route_leg_check_in
from relocation.tests.conftest import legs_of
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.sweep import followups_sweep

pytestmark = pytest.mark.django_db
LADDER_KINDS = [
    "relocation.checkin.escort",
    "relocation.checkin.team",
    "relocation.checkin.coordinators",
    "relocation.checkin.overdue",
]


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


def due_of(leg: RouteLeg) -> datetime.datetime:
    assert leg.check_in_due_at is not None  # a leg under way always expects a check-in
    return leg.check_in_due_at


def sweep_all() -> None:
    """What beat does every minute: the relocation sweep, then the follow-ups sweep."""
    checkins_missed_sweep()
    followups_sweep()


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind__startswith="relocation.checkin")
        .order_by("created_at")
        .values_list("kind", flat=True)
    )


@pytest.fixture
def clock(under_way: RouteLeg):
    """Frozen at the leg's check-in due time (60 minutes after it started)."""
    with time_machine.travel(due_of(under_way), tick=False) as traveller:
        yield traveller


def test_every_step_fires_once_in_order(
    under_way: RouteLeg, clock, volunteer, coordinator, team
) -> None:
    # The volunteer escorts the leg; the coordinator is on the team too.
    due = due_of(under_way)
    for step, at in enumerate((15, 30, 45, 60, 90, 180), start=1):
        clock.move_to(due + minutes(at))
        sweep_all()
        sweep_all()  # a second tick at the same moment adds nothing
        if step == 1:
            assert kinds(volunteer) == ["relocation.checkin.escort"]
            assert kinds(coordinator) == []
    assert kinds(volunteer) == ["relocation.checkin.escort", "relocation.checkin.team"]
    assert kinds(coordinator) == ["relocation.checkin.coordinators", "relocation.checkin.overdue"]
    leg = RouteLeg.objects.get(pk=under_way.pk)
    assert leg.ladder == RouteLeg.Ladder.OVERDUE and leg.overdue_at is not None
    assert FollowUp.objects.filter(state=FollowUp.State.DONE).count() == 4
    assert not FollowUp.objects.filter(state=FollowUp.State.PENDING).exists()
    overdue = Notification.objects.get(user=coordinator, kind="relocation.checkin.overdue")
    assert "lost contact" in overdue.sentence and under_way.case.ref in overdue.sentence
    assert "Bus station" not in overdue.sentence and "Mango" not in overdue.sentence
    assert CaseEvent.objects.filter(case=under_way.case, kind="route", actor=None).exists()


def test_nothing_happens_before_the_grace_period(under_way: RouteLeg, clock, volunteer) -> None:
    clock.move_to(due_of(under_way) + minutes(14))
    sweep_all()
    assert kinds(volunteer) == []
    assert RouteLeg.objects.get(pk=under_way.pk).ladder == RouteLeg.Ladder.MISSED


def test_a_check_in_stops_the_ladder(under_way: RouteLeg, clock, volunteer, coordinator) -> None:
    due = due_of(under_way)
    clock.move_to(due + minutes(20))
    sweep_all()
    assert kinds(volunteer) == ["relocation.checkin.escort"]
    route_leg_check_in(actor=volunteer, leg=under_way, note="All fine")
    leg = RouteLeg.objects.get(pk=under_way.pk)
    assert leg.ladder == RouteLeg.Ladder.NONE
    assert leg.check_in_due_at == timezone.now() + minutes(60)
    clock.move_to(due + minutes(70))  # the old ladder would be at "overdue" by now
    sweep_all()
    assert kinds(volunteer) == ["relocation.checkin.escort"]
    assert kinds(coordinator) == []
    assert not FollowUp.objects.filter(state=FollowUp.State.PENDING).exists()


def test_a_check_in_on_time_writes_no_follow_up(under_way: RouteLeg, volunteer) -> None:
    route_leg_check_in(actor=volunteer, leg=under_way)
    checkins_missed_sweep()
    assert not FollowUp.objects.exists()


def test_a_late_check_in_after_overdue_clears_it_and_says_so(
    under_way: RouteLeg, clock, volunteer, coordinator
) -> None:
    clock.move_to(due_of(under_way) + minutes(61))
    for _ in range(5):
        sweep_all()
    assert RouteLeg.objects.get(pk=under_way.pk).overdue_at is not None
    check_in = route_leg_check_in(actor=volunteer, leg=under_way, location="Near the river")
    assert check_in.late
    leg = RouteLeg.objects.get(pk=under_way.pk)
    assert leg.overdue_at is None and leg.ladder == RouteLeg.Ladder.NONE
    lines = [e.sentence for e in CaseEvent.objects.filter(case=under_way.case, kind="route")]
    assert any("after it was marked overdue" in line for line in lines)
    assert (
        Notification.objects.filter(user=coordinator, kind="relocation.checkin.back").count() == 1
    )


def test_a_check_in_on_a_leg_not_under_way_is_a_400_on_the_leg(journey, volunteer) -> None:
    leg = legs_of(journey)[0]
    with pytest.raises(ValidationError) as refused:
        route_leg_check_in(actor=volunteer, leg=leg)
    assert "leg" in refused.value.message_dict
    assert not leg.check_ins.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_notify_once(volunteer, coordinator, case, house) -> None:
    from relocation.services import legs as leg_services
    from relocation.tests.conftest import approved, two_legs

    plans = [
        approved(
            two_legs(actor=volunteer, case=case, house=house, escorts=[volunteer]),
            drafter=volunteer,
            approver=coordinator,
        )
    ]
    leg = leg_services.route_leg_start(actor=volunteer, leg=legs_of(plans[0])[0])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            sweep_all()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(due_of(leg) + minutes(16), tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        sweep_all()
    assert kinds(volunteer) == ["relocation.checkin.escort"]
    assert FollowUp.objects.filter(kind="relocation.checkin.escort").count() == 1
