"""Every relocation endpoint and page for every persona: the team's volunteer and coordinator act
(or are told why not), everyone else (another team's volunteer and coordinator, an administrator)
gets 404 and changes nothing, anonymous requests are refused (the harness:
tests/access_matrix.py). A new endpoint or page without a row here fails
`test_every_route_has_a_row`."""

from __future__ import annotations

import pytest

from cases.models import CaseEvent
from cases.tests.factories import CaseFactory
from relocation import api_urls, urls
from relocation.models import RouteLeg, RoutePlan, SafeHouse
from relocation.services import legs as leg_services
from relocation.services import plans as plan_services
from relocation.tests.conftest import approved, at, legs_of, two_legs
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import token_client
from tests.access_matrix import ApiMatrix, PageMatrix, Row, their_own

pytestmark = pytest.mark.django_db


LEG_BODY = {
    "from_kind": "place",
    "from_area": "{area}",
    "from_place": "Market",
    "to_kind": "checkpoint",
    "to_area": "{area}",
    "to_place": "Bridge",
    "transport": "car",
    "planned_departure": at(30).isoformat(),
    "planned_arrival": at(32).isoformat(),
    "version": "{plan_version}",
}
API_ROWS = [
    Row("relocation-area-unsafe", "post", "areas/{area}/unsafe/", {"reason": "Raids"}, 409, 200),
    Row("relocation-safe-house", "get", "safe-houses/{house}/", None, 200, 200),
    Row(
        "relocation-safe-house",
        "patch",
        "safe-houses/{house}/",
        {"capacity": 6, "version": "{house_version}"},
        409,
        200,
    ),
    Row(
        "relocation-safe-house-status",
        "post",
        "safe-houses/{house}/status/",
        {"move": "suspend"},
        409,
        200,
    ),
    Row("relocation-team-settings", "get", "teams/{team}/settings/", None, 200, 200),
    Row(
        "relocation-team-settings",
        "put",
        "teams/{team}/settings/",
        {"check_in_interval_minutes": 30},
        409,
        200,
    ),
    Row("relocation-case-plans", "get", "cases/{case}/plans/", None, 200, 200),
    Row("relocation-case-plans", "post", "cases/{case}/plans/", {"notes": "B"}, 201, 201),
    Row("relocation-plan", "get", "plans/{plan}/", None, 200, 200),
    Row(
        "relocation-plan",
        "patch",
        "plans/{plan}/",
        {"notes": "Go at dawn", "version": "{plan_version}"},
        200,
        200,
    ),
    Row(
        "relocation-plan-submit",
        "post",
        "plans/{plan}/submit/",
        {"version": "{plan_version}"},
        409,
        409,
    ),
    Row(
        "relocation-plan-approve",
        "post",
        "plans/{plan}/approve/",
        {"version": "{plan_version}"},
        409,
        200,
    ),
    Row(
        "relocation-plan-return",
        "post",
        "plans/{plan}/return/",
        {"version": "{plan_version}"},
        409,
        200,
    ),
    Row(
        "relocation-plan-cancel",
        "post",
        "plans/{plan}/cancel/",
        {"version": "{plan_version}"},
        200,
        200,
    ),
    Row("relocation-plan-legs", "post", "plans/{plan}/legs/", LEG_BODY, 201, 201),
    Row("relocation-leg", "get", "legs/{leg}/", None, 200, 200),
    Row(
        "relocation-leg",
        "patch",
        "legs/{leg}/",
        {"transport": "boat", "version": "{leg_version}"},
        200,
        200,
    ),
    Row("relocation-leg", "delete", "legs/{leg}/", {"version": "{leg_version}"}, 200, 200),
    Row("relocation-leg-start", "post", "legs/{next}/start/", {}, 409, 409),
    Row("relocation-leg-arrive", "post", "legs/{moving}/arrive/", {}, 200, 200),
    Row("relocation-leg-abort", "post", "legs/{moving}/abort/", {"reason": "Road shut"}, 200, 200),
    Row("relocation-leg-check-ins", "get", "legs/{moving}/check-ins/", None, 200, 200),
    Row("relocation-leg-check-ins", "post", "legs/{moving}/check-ins/", {"note": "OK"}, 201, 201),
]
# Collections: scoped lists (tested below) and creation in one of the user's own teams.
COLLECTIONS = {"relocation-areas", "relocation-safe-houses"}


# The pages (relocation/urls.py), under /relocation/. An action's address shows its page with the
# form open on GET; on POST it answers 302 when done, 400 for refused input, 409 for a broken rule
# (200 where it first asks to confirm). Lists and forms with no object of the team answer other
# teams with their own teams' page.
EVERYONE = their_own(outsider=200, other_coordinator=200, administrator=200)
COORDINATORS = their_own(outsider=409, other_coordinator=200, administrator=409)
PAGE_GETS = {
    "house": "safe-houses/{house}/",
    "house_status": "safe-houses/{house}/status/",
    "case_plans": "cases/{case}/plans/",
    "plan": "plans/{plan}/",
    "plan_move": "plans/{plan}/move/",
    "leg_add": "plans/{plan}/legs/new/",
    "leg": "legs/{leg}/",
    "leg_edit": "legs/{leg}/edit/",
    "leg_remove": "legs/{leg}/remove/",
    "leg_check_in": "legs/{moving}/check-in/",
    "leg_start": "legs/{next}/start/",
    "leg_arrive": "legs/{moving}/arrive/",
    "leg_abort": "legs/{moving}/abort/",
}
PAGE_ROWS = [
    Row("houses", "get", "safe-houses/", None, 200, 200, EVERYONE),
    Row("house_add", "get", "safe-houses/new/", None, 409, 200, COORDINATORS),
    Row("areas", "get", "areas/", None, 200, 200, EVERYONE),
    Row("area_add", "get", "areas/new/", None, 200, 200, EVERYONE),
    Row("area_unsafe", "get", "areas/{area}/unsafe/", None, 200, 200),
    Row("journeys", "get", "journeys/", None, 200, 200, EVERYONE),
    Row("house_edit", "get", "safe-houses/{house}/edit/", None, 409, 200),
    *[Row(name, "get", path, None, 200, 200) for name, path in PAGE_GETS.items()],
    Row("house_edit", "post", "safe-houses/{house}/edit/", {}, 409, 400),
    Row(
        "house_status",
        "post",
        PAGE_GETS["house_status"],
        {"move": "suspend", "version": "{house_version}"},
        409,
        302,
    ),
    Row("area_unsafe", "post", "areas/{area}/unsafe/", {"reason": "Raids"}, 409, 200),
    Row("case_plans", "post", PAGE_GETS["case_plans"], {"notes": "B"}, 302, 302),
    Row(
        "plan_move",
        "post",
        PAGE_GETS["plan_move"],
        {"move": "approve", "version": "{plan_version}"},
        409,
        302,
    ),
    Row("leg_add", "post", PAGE_GETS["leg_add"], {}, 400, 400),
    Row("leg_edit", "post", PAGE_GETS["leg_edit"], {}, 400, 400),
    Row("leg_remove", "post", PAGE_GETS["leg_remove"], {"version": "{leg_version}"}, 200, 200),
    Row("leg_check_in", "post", PAGE_GETS["leg_check_in"], {"note": "OK"}, 302, 302),
    Row("leg_start", "post", PAGE_GETS["leg_start"], {}, 409, 409),
    Row("leg_arrive", "post", PAGE_GETS["leg_arrive"], {}, 302, 302),
    Row("leg_abort", "post", PAGE_GETS["leg_abort"], {"reason": "Road shut"}, 302, 302),
]


@pytest.fixture
def world(team, volunteer, coordinator) -> dict:
    drafter = MembershipFactory.create(team=team, user__username="drafter").user
    house = SafeHouseFactory.create(team=team)
    case = CaseFactory.create(team=team, status="accepted", verification="verified")
    plan = two_legs(actor=drafter, case=case, house=house)
    plan = plan_services.route_plan_move(
        actor=drafter, plan=plan, move="submit", version=plan.version
    )
    travelling = CaseFactory.create(team=team, status="accepted", verification="verified")
    journey = approved(
        two_legs(actor=drafter, case=travelling, house=house),
        drafter=drafter,
        approver=coordinator,
    )
    moving = leg_services.route_leg_start(actor=drafter, leg=legs_of(journey)[0])
    leg = legs_of(plan)[1]
    return {
        "team": team,
        "house": house,
        "house_version": house.version,
        "area": AreaFactory.create(team=team),
        "case": case,
        "plan": plan,
        "plan_version": RoutePlan.objects.get(pk=plan.pk).version,
        "leg": leg,
        "leg_version": leg.version,
        "moving": moving,
        "next": legs_of(journey)[1],
    }


def snapshot() -> tuple[object, ...]:
    return (
        CaseEvent.objects.count(),
        sorted(RoutePlan.objects.values_list("pk", "version", "approval")),
        sorted(RouteLeg.objects.values_list("pk", "version", "state")),
        sorted(SafeHouse.objects.values_list("pk", "version", "status")),
    )


class TestRelocationApi(ApiMatrix):
    prefix = "/api/v1/relocation/"
    urlpatterns = api_urls.urlpatterns
    rows = API_ROWS
    without_rows = COLLECTIONS
    snapshot = staticmethod(snapshot)


class TestRelocationPages(PageMatrix):
    prefix = "/relocation/"
    urlpatterns = urls.urlpatterns
    rows = PAGE_ROWS
    snapshot = staticmethod(snapshot)


def test_collections_show_only_the_users_teams(world, outsider, administrator) -> None:
    for user in (outsider, administrator):
        api = token_client(user)
        assert api.get("/api/v1/relocation/safe-houses/").json()["count"] == 0
        assert api.get("/api/v1/relocation/areas/").json()["count"] == 0
        created = api.post(
            "/api/v1/relocation/areas/",
            {"team": str(world["team"].pk), "township": "Sneaky"},
            format="json",
        )
        assert created.status_code == 400 and "team" in created.json()


def test_a_house_shared_with_another_team_shows_it_the_code_name_only(world, outsider) -> None:
    world["house"].shared_with.add(outsider.memberships.get().team)
    listed = token_client(outsider).get("/api/v1/relocation/safe-houses/").json()["results"]
    assert [h["code_name"] for h in listed] == [world["house"].code_name]
    assert "address" not in listed[0]
    # ... and still no way to change it.
    answer = token_client(outsider).post(
        f"/api/v1/relocation/safe-houses/{world['house'].pk}/status/",
        {"move": "compromise", "reason": "x"},
        format="json",
    )
    assert answer.status_code == 404
