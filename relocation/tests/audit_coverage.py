"""How to call each relocation API route that shows personal data, and the view event it must
record (supportdesk/audit/tests/coverage.py). The moves (approve, start, arrive, abort, status)
answer with states only: they are marked @no_personal_data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cases.tests.factories import CaseFactory
from relocation.services import legs as leg_services
from relocation.tests import audit_coverage_pages  # noqa: F401 - it registers the pages
from relocation.tests.conftest import approved, at, legs_of, two_legs
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.audit.tests.coverage import ViewCoverage, register_personal_data_route


def _journey() -> dict[str, Any]:
    team = TeamFactory.create()
    volunteer = MembershipFactory.create(team=team).user
    coordinator = MembershipFactory.create(team=team, user__role=User.Role.COORDINATOR).user
    house = SafeHouseFactory.create(team=team)
    case = CaseFactory.create(team=team, status="accepted", verification="verified")
    plan = approved(
        two_legs(actor=volunteer, case=case, house=house), drafter=volunteer, approver=coordinator
    )
    leg = leg_services.route_leg_start(actor=volunteer, leg=legs_of(plan)[0])
    return {
        "team": team,
        "volunteer": volunteer,
        "coordinator": coordinator,
        "house": house,
        "case": case,
        "plan": plan,
        "leg": leg,
        "planned": legs_of(plan)[1],
    }


def _case_read(world: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [("case.view", "cases.case", world["case"].pk.hex)]


def _route(name: str, build: Callable[[dict[str, Any]], ViewCoverage]) -> None:
    register_personal_data_route(f"api:{name}")(lambda: build(_journey()))


_route(
    "relocation-safe-houses",
    lambda w: ViewCoverage(
        user=w["coordinator"],
        api=True,
        expect=[("safehouse.view", "relocation.safehouse", w["house"].pk.hex)],
    ),
)
_route(
    "relocation-safe-house",
    lambda w: ViewCoverage(
        user=w["volunteer"],  # a volunteer with a leg there: need to know
        api=True,
        kwargs={"house_id": w["house"].pk},
        expect=[("safehouse.view", "relocation.safehouse", w["house"].pk.hex)],
    ),
)
_route(
    "relocation-case-plans",
    lambda w: ViewCoverage(
        user=w["volunteer"],
        api=True,
        method="post",
        data={"notes": "Plan B"},
        kwargs={"case_id": w["case"].pk},
        expect=_case_read(w),
    ),
)
_route(
    "relocation-plan",
    lambda w: ViewCoverage(
        user=w["volunteer"], api=True, kwargs={"plan_id": w["plan"].pk}, expect=_case_read(w)
    ),
)
_route(
    "relocation-plan-legs",
    lambda w: ViewCoverage(
        user=w["volunteer"],
        api=True,
        method="post",
        kwargs={"plan_id": w["plan"].pk},
        data={
            "version": w["plan"].version + 1,  # the leg started since: the plan's progress moved
            "from_kind": "place",
            "from_area": str(AreaFactory.create(team=w["team"]).pk),
            "from_place": "Camp gate",
            "to_kind": "safe_area",
            "to_area": str(AreaFactory.create(team=w["team"]).pk),
            "transport": "foot",
            "planned_departure": at(20).isoformat(),
            "planned_arrival": at(22).isoformat(),
        },
        expect=_case_read(w),
    ),
)
_route(
    "relocation-leg",
    lambda w: ViewCoverage(
        user=w["volunteer"], api=True, kwargs={"leg_id": w["leg"].pk}, expect=_case_read(w)
    ),
)
_route(
    "relocation-leg-check-ins",
    lambda w: ViewCoverage(
        user=w["volunteer"], api=True, kwargs={"leg_id": w["leg"].pk}, expect=_case_read(w)
    ),
)
