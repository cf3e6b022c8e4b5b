"""The relocation API: bad input answers 400 with a message per field and writes nothing; stale
versions answer 409; lists, details and writes cost a fixed number of queries."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent
from cases.tests.factories import CaseFactory
from relocation.models import CheckIn, RouteLeg, RoutePlan
from relocation.tests.conftest import at, legs_of, two_legs
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import token_client
from supportdesk.vault.crypto import key_cache

pytestmark = pytest.mark.django_db
API = "/api/v1/relocation"


@pytest.fixture
def plan(volunteer, case: Case, house) -> RoutePlan:
    return two_legs(actor=volunteer, case=case, house=house)


def leg_body(plan: RoutePlan, area, **changes) -> dict:
    body = {
        "version": RoutePlan.objects.get(pk=plan.pk).version,
        "from_kind": "place",
        "from_area": str(area.pk),
        "from_place": "Market",
        "to_kind": "checkpoint",
        "to_area": str(area.pk),
        "to_place": "Bridge",
        "transport": "car",
        "planned_departure": at(30).isoformat(),
        "planned_arrival": at(32).isoformat(),
    }
    return {**body, **changes}


def written() -> tuple[int, int, int]:
    return RouteLeg.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"planned_arrival": at(29).isoformat()}, "planned_arrival"),  # departure after arrival
        ({"to_kind": "place", "to_place": "market "}, "to_place"),  # the same waypoint
        ({"transport": "helicopter"}, "transport"),  # unknown transport
        ({"cover_story": "x" * 2001}, "cover_story"),  # oversized
        ({"from_place": "x" * 201}, "from_place"),
        ({"escorts": ["{outsider}"]}, "escorts"),  # an escort outside the team
        ({"to_area": "{other_area}"}, "to_area"),  # another team's area
        ({"to_kind": "safe_house", "to_safe_house": "{other_house}"}, "to_safe_house"),
        ({"version": "many"}, "version"),
    ],
)
def test_bad_leg_input_is_a_400_on_its_field_and_writes_nothing(
    plan: RoutePlan, volunteer, outsider, other_team, changes: dict, field: str
) -> None:
    area = AreaFactory.create(team=plan.case.team)
    ids = {
        "outsider": str(outsider.pk),
        "other_area": str(AreaFactory.create(team=other_team).pk),
        "other_house": str(SafeHouseFactory.create(team=other_team).pk),
    }
    changes = {
        key: [v.format(**ids) for v in value]
        if isinstance(value, list)
        else (value.format(**ids) if isinstance(value, str) else value)
        for key, value in changes.items()
    }
    api = token_client(volunteer)  # issuing the token is an audit event of its own
    before = written()
    response = api.post(
        f"{API}/plans/{plan.pk}/legs/", leg_body(plan, area, **changes), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert written() == before


def test_the_same_safe_house_at_both_ends_is_refused(plan: RoutePlan, volunteer, house) -> None:
    area = AreaFactory.create(team=plan.case.team)
    body = leg_body(
        plan,
        area,
        from_kind="safe_house",
        from_safe_house=str(house.pk),
        to_kind="safe_house",
        to_safe_house=str(house.pk),
    )
    response = token_client(volunteer).post(f"{API}/plans/{plan.pk}/legs/", body, format="json")
    assert response.status_code == 400 and "to_safe_house" in response.json()


def test_a_check_in_on_a_leg_not_under_way_is_a_400(plan: RoutePlan, volunteer) -> None:
    leg = legs_of(plan)[0]
    response = token_client(volunteer).post(
        f"{API}/legs/{leg.pk}/check-ins/", {"note": "Here"}, format="json"
    )
    assert response.status_code == 400 and "leg" in response.json()
    assert not CheckIn.objects.exists()


def test_an_oversized_check_in_note_is_a_400(under_way: RouteLeg, volunteer) -> None:
    response = token_client(volunteer).post(
        f"{API}/legs/{under_way.pk}/check-ins/", {"note": "x" * 501}, format="json"
    )
    assert response.status_code == 400 and "note" in response.json()
    assert not CheckIn.objects.exists()


def test_two_volunteers_editing_the_same_leg_the_second_gets_409(
    plan: RoutePlan, volunteer, team
) -> None:
    other = MembershipFactory.create(team=team).user
    leg = legs_of(plan)[1]
    first = token_client(volunteer).patch(
        f"{API}/legs/{leg.pk}/", {"transport": "car", "version": leg.version}, format="json"
    )
    second = token_client(other).patch(
        f"{API}/legs/{leg.pk}/", {"transport": "boat", "version": leg.version}, format="json"
    )
    assert first.status_code == 200 and second.status_code == 409
    assert "Reload" in second.json()["detail"]
    assert RouteLeg.objects.get(pk=leg.pk).transport == "car"


def test_a_leg_added_is_answered_with_its_detail(plan: RoutePlan, volunteer) -> None:
    area = AreaFactory.create(team=plan.case.team)
    response = token_client(volunteer).post(
        f"{API}/plans/{plan.pk}/legs/",
        leg_body(plan, area, escorts=[str(volunteer.pk)], cover_story="Visiting an aunt"),
        format="json",
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["number"] == 3 and answer["cover_story"] == "Visiting an aunt"
    assert answer["escorts"] == [{"id": str(volunteer.pk), "username": "volunteer"}]
    detail = token_client(volunteer).get(f"{API}/plans/{plan.pk}/").json()
    assert [leg["number"] for leg in detail["legs"]] == [1, 2, 3]
    assert detail["moves"] == ["submit", "cancel"]


def test_the_plan_detail_costs_a_fixed_number_of_queries(
    volunteer, team, house, django_assert_num_queries
) -> None:
    counts = []
    for legs in (1, 3):
        case = CaseFactory.create(team=team, status="accepted", verification="verified")
        plan = two_legs(actor=volunteer, case=case, house=house)
        for _ in range(legs - 1):
            area = AreaFactory.create(team=team)
            token_client(volunteer).post(
                f"{API}/plans/{plan.pk}/legs/", leg_body(plan, area), format="json"
            )
        api = token_client(volunteer)
        # 1 the token and its user, 2 the plan in scope with its case and people (so the reader's
        # membership, for the moves, is known), 3 the legs with their waypoints, 4 their escorts,
        # 5 the occupancy of the houses they go to, 6 the data keys of the case (one query for
        # the page), 7 the view event.
        key_cache.clear()  # a cold worker: the data keys are read
        with django_assert_num_queries(7) as captured:
            assert api.get(f"{API}/plans/{plan.pk}/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_safe_house_list_costs_a_fixed_number_of_queries(
    coordinator, team, django_assert_num_queries
) -> None:
    for _ in range(3):
        SafeHouseFactory.create(team=team)
    api = token_client(coordinator)
    # token, count, page (with scope, own and need-to-know annotations), data keys, occupancy,
    # membership for the moves, the view events (one INSERT).
    key_cache.clear()  # a cold worker: the data keys are read
    with django_assert_num_queries(7):
        response = api.get(f"{API}/safe-houses/")
    assert response.json()["count"] == 3


def test_a_check_in_costs_a_fixed_number_of_queries(
    under_way: RouteLeg, volunteer, django_assert_num_queries
) -> None:
    api = token_client(volunteer)
    # 1 token, 2 the leg in scope (so the service's membership check asks nothing), 3 SAVEPOINT,
    # 4 the leg locked, 5 the case's data key, 6 INSERT the check-in, 7 UPDATE the leg, 8 INSERT
    # the audit event, 9 RELEASE, 10 INSERT the view event of the answer.
    key_cache.clear()  # a cold worker: the data keys are read
    with django_assert_num_queries(10):
        response = api.post(f"{API}/legs/{under_way.pk}/check-ins/", {"note": "Fine"})
    assert response.status_code == 201, response.content


def test_starting_a_leg_answers_with_states_only(journey: RoutePlan, volunteer) -> None:
    leg = legs_of(journey)[0]
    response = token_client(volunteer).post(f"{API}/legs/{leg.pk}/start/")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": str(leg.pk),
        "state": "under_way",
        "version": leg.version + 1,
        "plan_progress": "under_way",
        "case_status": "in_transit",
    }
    assert not AuditEvent.objects.filter(action="case.view").exists()


def test_other_teams_cannot_be_named_as_the_owner(coordinator) -> None:
    stranger_team = TeamFactory.create()
    response = token_client(coordinator).post(
        f"{API}/areas/", {"team": str(stranger_team.pk), "township": "X"}, format="json"
    )
    assert response.status_code == 400 and "team" in response.json()
