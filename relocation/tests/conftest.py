"""A journey to test on: a verified, accepted case of `team` with a plan of two legs (a place to a
safe house of the team, the house to a safe area), and helpers to approve and start it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from cases.tests.factories import CaseFactory
from relocation.models import Area, RouteLeg, RoutePlan, SafeHouse, Waypoint
from relocation.services import legs as leg_services
from relocation.services import plans as plan_services
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory


@pytest.fixture
def second_coordinator(team: Team) -> User:
    return MembershipFactory.create(
        team=team, user__username="coordinator2", user__role=User.Role.COORDINATOR
    ).user


@pytest.fixture
def house(team: Team) -> SafeHouse:
    return SafeHouseFactory.create(team=team, code_name="Mango")


@pytest.fixture
def case(team: Team) -> Case:
    return CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )


def at(hours: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def two_legs(*, actor: User, case: Case, house: SafeHouse, escorts=()) -> RoutePlan:
    plan = plan_services.route_plan_create(actor=actor, case=case)
    start = Area.objects.filter(team=case.team, township="Monywa").first()
    start = start or AreaFactory.create(team=case.team, township="Monywa")
    safe = Area.objects.filter(team=case.team, township="Liberated").first()
    safe = safe or AreaFactory.create(team=case.team, township="Liberated")
    plan_services.route_leg_add(
        actor=actor,
        plan=plan,
        version=plan.version,
        data=plan_services.LegInput(
            from_kind=Waypoint.PLACE,
            from_area=start,
            from_place="Bus station",
            to_kind=Waypoint.SAFE_HOUSE,
            to_safe_house=house,
            transport=RouteLeg.Transport.MOTORBIKE,
            planned_departure=at(1),
            planned_arrival=at(3),
            escorts=list(escorts),
        ),
    )
    plan.refresh_from_db()
    plan_services.route_leg_add(
        actor=actor,
        plan=plan,
        version=plan.version,
        data=plan_services.LegInput(
            from_kind=Waypoint.SAFE_HOUSE,
            from_safe_house=house,
            to_kind=Waypoint.SAFE_AREA,
            to_area=safe,
            to_place="Camp",
            transport=RouteLeg.Transport.FOOT,
            planned_departure=at(10),
            planned_arrival=at(14),
        ),
    )
    plan.refresh_from_db()
    return plan


def approved(plan: RoutePlan, *, drafter: User, approver: User) -> RoutePlan:
    plan = plan_services.route_plan_move(
        actor=drafter, plan=plan, move="submit", version=plan.version
    )
    return plan_services.route_plan_move(
        actor=approver, plan=plan, move="approve", version=plan.version
    )


def legs_of(plan: RoutePlan) -> list[RouteLeg]:
    return list(plan.legs.order_by("position"))


@pytest.fixture
def journey(volunteer: User, coordinator: User, case: Case, house: SafeHouse) -> RoutePlan:
    """Drafted by the volunteer (escorting leg 1), approved by the coordinator."""
    plan = two_legs(actor=volunteer, case=case, house=house, escorts=[volunteer])
    return approved(plan, drafter=volunteer, approver=coordinator)


@pytest.fixture
def under_way(journey: RoutePlan, volunteer: User) -> RouteLeg:
    return leg_services.route_leg_start(actor=volunteer, leg=legs_of(journey)[0])
