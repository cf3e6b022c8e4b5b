"""How to call the relocation pages added for keeping safe houses and plans, and the view event
each must record (supportdesk/audit/tests/coverage.py; the other relocation pages are registered
in cases/tests/audit_coverage_pages.py). An action answers GET with the page its form lives on."""

from __future__ import annotations

from typing import Any

from cases.tests.factories import CaseFactory
from relocation.tests.conftest import two_legs
from relocation.tests.factories import SafeHouseFactory
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.audit.tests.coverage import ViewCoverage, register_personal_data_route


def _house_world() -> dict[str, Any]:
    team = TeamFactory.create()
    coordinator = MembershipFactory.create(team=team, user__role=User.Role.COORDINATOR).user
    return {"team": team, "coordinator": coordinator, "house": SafeHouseFactory.create(team=team)}


def _house_read(name: str) -> None:
    def setup() -> ViewCoverage:
        world = _house_world()
        house = world["house"]
        return ViewCoverage(
            user=world["coordinator"],
            kwargs={"house_id": house.pk},
            expect=[("safehouse.view", "relocation.safehouse", house.pk.hex)],
        )

    register_personal_data_route(f"relocation:{name}")(setup)


_house_read("house_edit")
_house_read("house_status")


@register_personal_data_route("relocation:leg_remove")
def _leg_remove() -> ViewCoverage:
    world = _house_world()
    volunteer = MembershipFactory.create(team=world["team"]).user
    case = CaseFactory.create(team=world["team"], status="accepted", verification="verified")
    plan = two_legs(actor=volunteer, case=case, house=world["house"])
    return ViewCoverage(
        user=volunteer,
        kwargs={"leg_id": plan.legs.order_by("position")[0].pk},
        expect=[("case.view", "cases.case", case.pk.hex)],
    )
