"""An invented safe house and a journey for the demo team (`manage.py demo_data`).

The demo cases come first (cases.demo); the journey takes the team's accepted, verified case that
has no plan yet: drafted by the volunteer, approved by the coordinator, its first leg under way
with one check-in, so the relocation queues and the case's route have something to show.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.models import Case
from relocation.models import Area, RouteLeg, SafeHouse, Waypoint
from relocation.services import checkins, houses, legs, plans
from supportdesk.accounts.demo import Demo, DemoStep, register_demo

HOUSE = "Demo Mango House"


def _at(hours: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def demo_relocation(demo: Demo) -> str:
    if SafeHouse.objects.filter(team=demo.team, code_name=HOUSE).exists():
        return ""
    start = houses.area_create(
        actor=demo.coordinator, team=demo.team, township="Demo Town", region="Demo Region"
    )
    refuge = houses.area_create(
        actor=demo.coordinator, team=demo.team, township="Demo Safe Zone", country="Demo Country"
    )
    house = houses.safe_house_create(
        actor=demo.coordinator,
        team=demo.team,
        code_name=HOUSE,
        area=start,
        capacity=4,
        address="1 Example Lane, Demo Town",
        contact_name="Daw Demo Host",
        contact_phone="09 450 000 199",
    )
    case = (
        Case.objects.filter(
            team=demo.team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
        )
        .exclude(route_plans__isnull=False)
        .order_by("created_at")
        .first()
    )
    if case is None:
        return "a safe house"
    plan = plans.route_plan_create(actor=demo.volunteer, case=case, notes="Two nights (demo).")
    for data in (
        plans.LegInput(
            from_kind=Waypoint.PLACE,
            from_area=start,
            from_place="Demo bus stop",
            to_kind=Waypoint.SAFE_HOUSE,
            to_safe_house=house,
            transport=RouteLeg.Transport.MOTORBIKE,
            planned_departure=_at(-1),
            planned_arrival=_at(2),
            escorts=[demo.volunteer],
        ),
        plans.LegInput(
            from_kind=Waypoint.SAFE_HOUSE,
            from_safe_house=house,
            to_kind=Waypoint.SAFE_AREA,
            to_area=refuge,
            to_place="Demo camp",
            transport=RouteLeg.Transport.FOOT,
            planned_departure=_at(30),
            planned_arrival=_at(36),
        ),
    ):
        plan.refresh_from_db()
        plans.route_leg_add(actor=demo.volunteer, plan=plan, version=plan.version, data=data)
    plan.refresh_from_db()
    plan = plans.route_plan_move(
        actor=demo.volunteer, plan=plan, move="submit", version=plan.version
    )
    plan = plans.route_plan_move(
        actor=demo.coordinator, plan=plan, move="approve", version=plan.version
    )
    first = legs.route_leg_start(actor=demo.volunteer, leg=plan.legs.order_by("position")[0])
    checkins.route_leg_check_in(actor=demo.volunteer, leg=first, note="All fine (demo).")
    return f"a safe house, {Area.objects.filter(team=demo.team).count()} areas, a journey"


register_demo(DemoStep(name="relocation", order=20, build=demo_relocation))
