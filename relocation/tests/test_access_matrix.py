"""Every relocation endpoint for every persona: the team's volunteer and coordinator act (or are
told why not), everyone else (another team's volunteer and coordinator, an administrator) gets
404 and changes nothing. A new endpoint without a row here fails
`test_every_relocation_endpoint_has_a_row`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cases.models import CaseEvent
from cases.tests.factories import CaseFactory
from relocation.api_urls import urlpatterns
from relocation.models import RouteLeg, RoutePlan, SafeHouse
from relocation.services import legs as leg_services
from relocation.services import plans as plan_services
from relocation.tests.conftest import approved, at, legs_of, two_legs
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    name: str  # the route name in relocation/api_urls.py
    method: str
    path: str  # formatted with the world below
    body: dict | None
    volunteer: int
    coordinator: int


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
ROWS = [
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


def call(user: User, row: Row, world: dict):
    ids = {key: str(getattr(value, "pk", value)) for key, value in world.items()}
    body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in (row.body or {}).items()}
    client = token_client(user)
    path = f"/api/v1/relocation/{row.path.format(**ids)}"
    return getattr(client, row.method)(path, body, format="json")


def test_every_relocation_endpoint_has_a_row() -> None:
    routed = {pattern.name for pattern in urlpatterns}
    assert routed == {row.name for row in ROWS} | COLLECTIONS


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_the_teams_volunteer(row: Row, world, volunteer) -> None:
    response = call(volunteer, row, world)
    assert response.status_code == row.volunteer, response.content


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_the_teams_coordinator(row: Row, world, coordinator) -> None:
    response = call(coordinator, row, world)
    assert response.status_code == row.coordinator, response.content


def snapshot() -> tuple:
    return (
        CaseEvent.objects.count(),
        sorted(RoutePlan.objects.values_list("pk", "version", "approval")),
        sorted(RouteLeg.objects.values_list("pk", "version", "state")),
        sorted(SafeHouse.objects.values_list("pk", "version", "status")),
    )


@pytest.mark.parametrize("persona", ["outsider", "other_coordinator", "administrator"])
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_everyone_else_gets_404_and_changes_nothing(
    row: Row, persona: str, world, request, other_team
) -> None:
    if persona == "other_coordinator":
        user = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    else:
        user = request.getfixturevalue(persona)
    before = snapshot()
    response = call(user, row, world)
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found."}
    assert snapshot() == before


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
