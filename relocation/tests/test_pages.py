"""Relocation pages: safe houses on a need-to-know basis, a case's plans, the plan page with its
approval steps, the leg form, and the leg page with its check-in button, for each persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.tests.factories import CaseFactory
from relocation import selectors
from relocation.models import Area, CheckIn, RouteLeg, RoutePlan, SafeHouse
from relocation.services import legs as leg_services
from relocation.tests.conftest import approved, at, legs_of, two_legs
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db
LOCAL = "%Y-%m-%dT%H:%M"


def html_of(response: Any) -> str:
    return str(response.content.decode())


def url(name: str, **kwargs: object) -> str:
    return reverse(f"relocation:{name}", kwargs=kwargs)


def draft(volunteer: User, case: Case, house: SafeHouse) -> RoutePlan:
    return two_legs(actor=volunteer, case=case, house=house, escorts=[volunteer])


def area(team: Team, township: str) -> str:
    found = Area.objects.filter(team=team, township=township).first()
    return str((found or AreaFactory.create(team=team, township=township)).pk)


def leg_form(plan: RoutePlan, team: Team, **overrides: object) -> dict[str, object]:
    form = {
        "version": plan.version,
        "from_kind": "place",
        "from_area": area(team, "Kalay"),
        "from_place": "Market gate",
        "to_kind": "safe_area",
        "to_area": area(team, "Tamu"),
        "to_place": "Clinic",
        "transport": "car",
        "planned_departure": at(30).strftime(LOCAL),
        "planned_arrival": at(34).strftime(LOCAL),
        "cover_story": "Visiting an aunt",
        "documents_notes": "",
        "risk_notes": "",
        "check_in_interval_minutes": "30",
    }
    return {**form, **overrides}


def case_events(case: Case) -> int:
    return CaseEvent.objects.filter(case=case).count()


# --- The case page and a case's plans -----------------------------------------------------------


def test_the_case_page_links_its_route_plans(volunteer: User, case: Case) -> None:
    html = html_of(verified_client(volunteer).get(reverse("cases:detail", args=[case.pk])))
    assert f'href="{url("case_plans", case_id=case.pk)}"' in html


def test_a_volunteer_drafts_a_plan_and_lands_on_it(volunteer: User, case: Case) -> None:
    client = verified_client(volunteer)
    page = client.get(url("case_plans", case_id=case.pk))
    assert page.status_code == 200 and "No route plan yet." in html_of(page)
    assert str(case.alias) not in html_of(page)  # the plans page names the case by reference
    response = client.post(url("case_plans", case_id=case.pk))
    plan = RoutePlan.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == url("plan", plan_id=plan.pk)
    assert plan.drafted_by == volunteer and plan.approval == RoutePlan.Approval.DRAFT
    html = html_of(client.get(response["Location"]))
    assert "A route plan is drafted. Add its legs." in html and "No legs yet." in html


def test_a_get_of_the_plans_page_writes_nothing(volunteer: User, case: Case) -> None:
    verified_client(volunteer).get(url("case_plans", case_id=case.pk))
    assert not RoutePlan.objects.exists()


# --- The plan page ------------------------------------------------------------------------------


@override_settings(RELOCATION_TRAVEL_WARNING_HOURS=10)
def test_the_plan_page_shows_its_legs_the_travel_time_and_warnings(
    volunteer: User, case: Case, house: SafeHouse
) -> None:
    plan = draft(volunteer, case, house)
    response = verified_client(volunteer).get(url("plan", plan_id=plan.pk))
    html = html_of(response)
    assert response.status_code == 200
    assert "Leg 1" in html and "Leg 2" in html
    assert "Bus station" in html and "Safe house Mango" in html and "Camp" in html
    assert "Planned travel time: 13 h 0 min" in html
    assert "longer than the limit of 10 hours" in html
    assert "12 Hidden Lane" not in html  # the plan page never shows an address
    assert AuditEvent.objects.filter(
        action="case.view", object_id=case.pk.hex, actor_id=volunteer.pk
    ).exists()


def test_the_drafter_submits_and_another_coordinator_approves(
    volunteer: User, coordinator: User, case: Case, house: SafeHouse
) -> None:
    plan = draft(volunteer, case, house)
    mine = verified_client(volunteer)
    html = html_of(mine.get(url("plan", plan_id=plan.pk)))
    assert 'value="submit"' in html and 'value="approve"' not in html
    response = mine.post(url("plan_move", plan_id=plan.pk), {"move": "submit", "version": 3})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.SUBMITTED
    html = html_of(mine.get(url("plan", plan_id=plan.pk)))
    assert "Sent for approval." in html and 'value="approve"' not in html

    theirs = verified_client(coordinator)
    assert 'value="approve"' in html_of(theirs.get(url("plan", plan_id=plan.pk)))
    data = {"move": "approve", "version": plan.version}
    assert theirs.post(url("plan_move", plan_id=plan.pk), data).status_code == 302
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.APPROVED and plan.approved_by == coordinator
    html = html_of(theirs.get(url("plan", plan_id=plan.pk)))
    assert "Approved: the journey may start." in html and "Approved by coordinator" in html


def test_a_coordinator_who_drafted_is_told_another_must_approve(
    coordinator: User, case: Case, house: SafeHouse
) -> None:
    plan = draft(coordinator, case, house)
    client = verified_client(coordinator)
    client.post(url("plan_move", plan_id=plan.pk), {"move": "submit", "version": plan.version})
    html = html_of(client.get(url("plan", plan_id=plan.pk)))
    assert "another coordinator must approve it" in html and 'value="approve"' not in html


def test_a_volunteer_approving_gets_409_and_the_sentence(
    volunteer: User, case: Case, house: SafeHouse, second_coordinator: User
) -> None:
    plan = draft(second_coordinator, case, house)
    verified_client(second_coordinator).post(
        url("plan_move", plan_id=plan.pk), {"move": "submit", "version": plan.version}
    )
    plan.refresh_from_db()
    events = case_events(case)
    response = verified_client(volunteer).post(
        url("plan_move", plan_id=plan.pk), {"move": "approve", "version": plan.version}
    )
    assert response.status_code == 409
    assert "Only a coordinator of this team can do that." in html_of(response)
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.SUBMITTED and case_events(case) == events


def test_a_stale_version_is_a_409_and_changes_nothing(
    volunteer: User, case: Case, house: SafeHouse
) -> None:
    plan = draft(volunteer, case, house)
    response = verified_client(volunteer).post(
        url("plan_move", plan_id=plan.pk), {"move": "submit", "version": plan.version - 1}
    )
    assert response.status_code == 409 and "Someone else changed this" in html_of(response)
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.DRAFT


@pytest.mark.parametrize(
    ("data", "field"),
    [({"move": "teleport", "version": 1}, "move"), ({"move": "submit"}, "version")],
)
def test_a_bad_move_is_a_400_at_its_field(
    volunteer: User, case: Case, house: SafeHouse, data: dict[str, object], field: str
) -> None:
    plan = draft(volunteer, case, house)
    response = verified_client(volunteer).post(url("plan_move", plan_id=plan.pk), data)
    assert response.status_code == 400
    assert list(response.context["move_form"].errors) == [field]
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.DRAFT


# --- The leg form -------------------------------------------------------------------------------


def test_a_leg_is_added_through_the_form(volunteer: User, team: Team, case: Case) -> None:
    client = verified_client(volunteer)
    client.post(url("case_plans", case_id=case.pk))
    plan = RoutePlan.objects.get(case=case)
    page = client.get(url("leg_add", plan_id=plan.pk))
    assert page.status_code == 200 and "Add the leg" in html_of(page)
    data = leg_form(plan, team, escorts=[str(volunteer.pk)])
    response = client.post(url("leg_add", plan_id=plan.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == url("plan", plan_id=plan.pk) + "#leg-1"
    leg = RouteLeg.objects.get(plan=plan)
    assert (leg.from_place, leg.to_place, leg.cover_story) == (
        "Market gate",
        "Clinic",
        "Visiting an aunt",
    )
    assert leg.transport == "car" and leg.check_in_interval_minutes == 30
    assert list(leg.escorts.all()) == [volunteer]


def test_a_leg_through_a_safe_house_is_added_and_its_area_ignored(
    volunteer: User, team: Team, case: Case, house: SafeHouse
) -> None:
    client = verified_client(volunteer)
    client.post(url("case_plans", case_id=case.pk))
    plan = RoutePlan.objects.get(case=case)
    data = leg_form(plan, team, to_kind="safe_house", to_safe_house=str(house.pk), to_place="")
    assert client.post(url("leg_add", plan_id=plan.pk), data).status_code == 302
    leg = RouteLeg.objects.get(plan=plan)
    assert leg.to_safe_house == house and leg.to_area is None


def _bad_leg_cases() -> list[tuple[str, dict[str, object], str, str]]:
    return [
        (
            "arrival before departure",
            {"planned_arrival": at(29).strftime(LOCAL)},
            "planned_arrival",
            "The arrival must be after the departure.",
        ),
        (
            "same waypoint",
            {"from_kind": "safe_house", "to_kind": "safe_house", "same_house": True},
            "to_safe_house",
            "A leg goes from one place to another, not the same.",
        ),
        ("escort outside the team", {"outside_escort": True}, "escorts", "Escorts are volunteers"),
        ("unknown transport", {"transport": "rocket"}, "transport", "Select a valid choice"),
        ("oversized notes", {"risk_notes": "x" * 2001}, "risk_notes", "at most 2000 characters"),
        ("oversized place", {"from_place": "x" * 201}, "from_place", "at most 200 characters"),
        ("a date that is not one", {"planned_departure": "soon"}, "planned_departure", "valid"),
        (
            "interval too short",
            {"check_in_interval_minutes": "1"},
            "check_in_interval_minutes",
            "5",
        ),
        ("unknown place kind", {"from_kind": "cloud"}, "from_kind", "Select a valid choice"),
    ]


@pytest.mark.parametrize(
    ("name", "overrides", "field", "message"),
    _bad_leg_cases(),
    ids=[c[0] for c in _bad_leg_cases()],
)
def test_a_bad_leg_is_a_400_at_its_field_and_writes_nothing(
    volunteer: User,
    team: Team,
    other_team: Team,
    case: Case,
    house: SafeHouse,
    name: str,
    overrides: dict[str, object],
    field: str,
    message: str,
) -> None:
    client = verified_client(volunteer)
    client.post(url("case_plans", case_id=case.pk))
    plan = RoutePlan.objects.get(case=case)
    overrides = dict(overrides)
    if overrides.pop("same_house", False):
        overrides |= {"from_safe_house": str(house.pk), "to_safe_house": str(house.pk)}
    if overrides.pop("outside_escort", False):
        overrides["escorts"] = [str(MembershipFactory.create(team=other_team).user.pk)]
    events, version = case_events(case), plan.version
    response = client.post(url("leg_add", plan_id=plan.pk), leg_form(plan, team, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    assert "Nothing was saved" in html_of(response)
    plan.refresh_from_db()
    assert not RouteLeg.objects.exists() and plan.version == version
    assert case_events(case) == events


def test_a_house_of_another_team_is_not_offered_and_refused(
    volunteer: User, team: Team, other_team: Team, case: Case
) -> None:
    theirs = SafeHouseFactory.create(team=other_team, code_name="Papaya")
    client = verified_client(volunteer)
    client.post(url("case_plans", case_id=case.pk))
    plan = RoutePlan.objects.get(case=case)
    assert "Papaya" not in html_of(client.get(url("leg_add", plan_id=plan.pk)))
    data = leg_form(plan, team, to_kind="safe_house", to_safe_house=str(theirs.pk))
    response = client.post(url("leg_add", plan_id=plan.pk), data)
    assert response.status_code == 400 and "to_safe_house" in response.context["form"].errors
    assert not RouteLeg.objects.exists()


def test_an_unverified_case_cannot_go_through_a_safe_house(
    volunteer: User, team: Team, house: SafeHouse
) -> None:
    case = CaseFactory.create(team=team, status=Case.Status.ACCEPTED)
    client = verified_client(volunteer)
    client.post(url("case_plans", case_id=case.pk))
    plan = RoutePlan.objects.get(case=case)
    data = leg_form(plan, team, to_kind="safe_house", to_safe_house=str(house.pk))
    response = client.post(url("leg_add", plan_id=plan.pk), data)
    assert response.status_code == 400
    assert "Only a verified case" in " ".join(response.context["form"].errors["to_safe_house"])
    assert not RouteLeg.objects.exists()


def test_changing_a_leg_of_an_approved_plan_sends_it_back_for_approval(
    journey: RoutePlan, volunteer: User
) -> None:
    leg = legs_of(journey)[0]
    client = verified_client(volunteer)
    page = client.get(url("leg_edit", leg_id=leg.pk))
    assert page.status_code == 200 and "Bus station" in html_of(page)
    assert AuditEvent.objects.filter(action="case.view", actor_id=volunteer.pk).exists()
    data = {**page.context["form"].initial}
    form = {
        name: (value.pk if hasattr(value, "pk") else value)
        for name, value in data.items()
        if value is not None
    }
    form["planned_departure"] = timezone.localtime(leg.planned_departure).strftime(LOCAL)
    form["planned_arrival"] = timezone.localtime(leg.planned_arrival).strftime(LOCAL)
    unchanged = client.post(url("leg_edit", leg_id=leg.pk), form)
    assert unchanged.status_code == 302
    journey.refresh_from_db()
    assert journey.approval == RoutePlan.Approval.APPROVED  # nothing changed, nothing reopened
    response = client.post(url("leg_edit", leg_id=leg.pk), {**form, "transport": "boat"})
    assert response.status_code == 302
    leg.refresh_from_db()
    journey.refresh_from_db()
    assert leg.transport == "boat" and journey.approval == RoutePlan.Approval.SUBMITTED


def test_a_stale_leg_edit_is_a_409(journey: RoutePlan, volunteer: User) -> None:
    leg = legs_of(journey)[0]
    client = verified_client(volunteer)
    form = {k: v for k, v in leg_form(journey, leg.case.team).items()}
    form["version"] = leg.version + 5
    response = client.post(url("leg_edit", leg_id=leg.pk), form)
    assert response.status_code == 409 and "Someone else changed this" in html_of(response)
    leg.refresh_from_db()
    assert leg.transport == RouteLeg.Transport.MOTORBIKE


# --- Safe houses: need to know ------------------------------------------------------------------


def test_the_house_list_shows_code_names_and_never_an_address(
    coordinator: User, house: SafeHouse
) -> None:
    response = verified_client(coordinator).get(url("houses"))
    html = html_of(response)
    assert response.status_code == 200 and "Mango" in html and "12 Hidden Lane" not in html


def test_the_owning_coordinator_sees_the_address_and_it_is_recorded(
    coordinator: User, house: SafeHouse
) -> None:
    html = html_of(verified_client(coordinator).get(url("house", house_id=house.pk)))
    assert "12 Hidden Lane" in html and "U Ba" in html
    assert AuditEvent.objects.filter(
        action="safehouse.view", object_id=house.pk.hex, actor_id=coordinator.pk
    ).exists()


def test_a_volunteer_sees_the_address_only_while_a_leg_goes_there(
    volunteer: User, coordinator: User, case: Case, house: SafeHouse
) -> None:
    client = verified_client(volunteer)
    page = url("house", house_id=house.pk)

    def shown() -> bool:
        response = client.get(page)
        assert response.status_code == 200 and "Mango" in html_of(response)
        return "12 Hidden Lane" in html_of(response)

    assert not shown()  # no plan yet
    plan = draft(volunteer, case, house)
    assert not shown()  # drafted, not approved
    plan = approved(plan, drafter=volunteer, approver=coordinator)
    assert shown()  # approved: the journey is planned
    first, second = legs_of(plan)
    leg_services.route_leg_start(actor=volunteer, leg=first)
    leg_services.route_leg_arrive(actor=volunteer, leg=first)
    assert shown()  # the second leg leaves from the house
    leg_services.route_leg_start(actor=volunteer, leg=second)
    leg_services.route_leg_arrive(actor=volunteer, leg=second)
    assert not shown()  # the journey is over
    reveals = AuditEvent.objects.filter(action="safehouse.view", actor_id=volunteer.pk)
    assert reveals.count() == 2


def test_another_team_sees_a_shared_house_by_code_name_only(
    other_team: Team, outsider: User, house: SafeHouse
) -> None:
    client = verified_client(outsider)
    assert client.get(url("house", house_id=house.pk)).status_code == 404
    house.shared_with.add(other_team)
    response = client.get(url("house", house_id=house.pk))
    html = html_of(response)
    assert response.status_code == 200 and "Mango" in html and "12 Hidden Lane" not in html
    assert not AuditEvent.objects.filter(action="safehouse.view").exists()


def test_an_administrator_on_no_team_sees_no_house(administrator: User, house: SafeHouse) -> None:
    client = verified_client(administrator)
    assert client.get(url("house", house_id=house.pk)).status_code == 404
    html = html_of(client.get(url("houses")))
    assert "Mango" not in html and "no safe houses yet" in html


# --- The leg page and check-ins -----------------------------------------------------------------


def test_the_escort_starts_the_leg_and_the_case_is_in_transit(
    journey: RoutePlan, volunteer: User
) -> None:
    leg = legs_of(journey)[0]
    client = verified_client(volunteer)
    html = html_of(client.get(url("leg", leg_id=leg.pk)))
    assert "Start this leg" in html and "Check in" not in html.split("<main>")[1]
    response = client.post(url("leg_start", leg_id=leg.pk))
    assert response.status_code == 302 and response["Location"] == url("leg", leg_id=leg.pk)
    leg.refresh_from_db()
    assert leg.state == RouteLeg.State.UNDER_WAY
    assert Case.objects.get(pk=leg.case_id).status == Case.Status.IN_TRANSIT


def test_a_leg_of_a_plan_not_approved_offers_no_start_and_refuses_it(
    volunteer: User, case: Case, house: SafeHouse
) -> None:
    leg = legs_of(draft(volunteer, case, house))[0]
    client = verified_client(volunteer)
    assert "Start this leg" not in html_of(client.get(url("leg", leg_id=leg.pk)))
    response = client.post(url("leg_start", leg_id=leg.pk))
    assert response.status_code == 409 and "must be approved" in html_of(response)
    leg.refresh_from_db()
    assert leg.state == RouteLeg.State.PLANNED


def test_a_check_in_from_the_leg_page(under_way: RouteLeg, volunteer: User) -> None:
    client = verified_client(volunteer)
    page = client.get(url("leg", leg_id=under_way.pk))
    html = html_of(page)
    assert page.status_code == 200 and 'class="checkin-button"' in html
    assert "<script" not in html and "<img" not in html and len(html) < 20_000
    response = client.post(url("leg_check_in", leg_id=under_way.pk), {"note": "All fine"})
    assert response.status_code == 302
    check_in = CheckIn.objects.get(leg=under_way)
    assert check_in.by == volunteer and check_in.note == "All fine"
    html = html_of(client.get(response["Location"]))
    assert "Checked in. Next check-in by" in html and "All fine" in html


def test_a_one_tap_check_in_needs_no_text(under_way: RouteLeg, coordinator: User) -> None:
    response = verified_client(coordinator).post(url("leg_check_in", leg_id=under_way.pk))
    assert response.status_code == 302 and CheckIn.objects.filter(by=coordinator).count() == 1


def test_an_oversized_check_in_note_is_a_400_and_writes_nothing(
    under_way: RouteLeg, volunteer: User
) -> None:
    response = verified_client(volunteer).post(
        url("leg_check_in", leg_id=under_way.pk), {"note": "x" * 501}
    )
    assert response.status_code == 400
    assert "at most 500 characters" in html_of(response)
    assert not CheckIn.objects.exists()


def test_a_check_in_on_a_leg_not_under_way_is_a_400_with_the_sentence(
    journey: RoutePlan, volunteer: User
) -> None:
    leg = legs_of(journey)[0]
    response = verified_client(volunteer).post(url("leg_check_in", leg_id=leg.pk))
    assert response.status_code == 400
    assert "This leg is not under way." in html_of(response)
    assert not CheckIn.objects.exists()


def test_arriving_ends_the_check_ins(under_way: RouteLeg, volunteer: User) -> None:
    client = verified_client(volunteer)
    assert client.post(url("leg_arrive", leg_id=under_way.pk)).status_code == 302
    under_way.refresh_from_db()
    assert under_way.state == RouteLeg.State.ARRIVED and under_way.check_in_due_at is None
    assert 'class="checkin-button"' not in html_of(client.get(url("leg", leg_id=under_way.pk)))


def test_aborting_needs_a_reason(under_way: RouteLeg, volunteer: User) -> None:
    client = verified_client(volunteer)
    response = client.post(url("leg_abort", leg_id=under_way.pk), {"reason": ""})
    assert response.status_code == 400 and "This field is required" in html_of(response)
    under_way.refresh_from_db()
    assert under_way.state == RouteLeg.State.UNDER_WAY
    response = client.post(url("leg_abort", leg_id=under_way.pk), {"reason": "Checkpoint ahead"})
    assert response.status_code == 302
    under_way.refresh_from_db()
    assert (
        under_way.state == RouteLeg.State.ABORTED and under_way.abort_reason == "Checkpoint ahead"
    )
    assert "Checkpoint ahead" in html_of(client.get(url("leg", leg_id=under_way.pk)))


# --- Outsiders ----------------------------------------------------------------------------------


def _routes(world: dict[str, Any]) -> list[tuple[str, dict[str, object], dict[str, object]]]:
    plan, leg = world["plan"], world["leg"]
    return [
        ("case_plans", {"case_id": plan.case_id}, {}),
        ("plan", {"plan_id": plan.pk}, {}),
        ("plan_move", {"plan_id": plan.pk}, {"move": "cancel", "version": plan.version}),
        ("leg_add", {"plan_id": plan.pk}, leg_form(plan, plan.case.team)),
        ("leg", {"leg_id": leg.pk}, {}),
        ("leg_edit", {"leg_id": leg.pk}, leg_form(plan, plan.case.team)),
        ("leg_check_in", {"leg_id": leg.pk}, {"note": "x"}),
        ("leg_start", {"leg_id": leg.pk}, {}),
        ("leg_arrive", {"leg_id": leg.pk}, {}),
        ("leg_abort", {"leg_id": leg.pk}, {"reason": "x"}),
        ("house", {"house_id": world["house"].pk}, {}),
    ]


@pytest.mark.parametrize("persona", ["outsider", "other_coordinator", "administrator"])
def test_outsiders_get_404_on_every_page_and_change_nothing(
    journey: RoutePlan,
    volunteer: User,
    house: SafeHouse,
    outsider: User,
    other_team: Team,
    administrator: User,
    persona: str,
) -> None:
    leg = leg_services.route_leg_start(actor=volunteer, leg=legs_of(journey)[0])
    users = {
        "outsider": outsider,
        "other_coordinator": MembershipFactory.create(
            team=other_team, user__role=User.Role.COORDINATOR
        ).user,
        "administrator": administrator,
    }
    client: Client = verified_client(users[persona])
    case = journey.case
    events, legs = case_events(case), RouteLeg.objects.count()
    world = {"plan": journey, "leg": leg, "house": house}
    for name, kwargs, data in _routes(world):
        address = url(name, **kwargs)
        assert client.get(address).status_code == 404, name
        assert client.post(address, data).status_code in (404, 405), name
    assert case_events(case) == events and RouteLeg.objects.count() == legs
    assert not CheckIn.objects.exists() and not RoutePlan.objects.exclude(pk=journey.pk).exists()
    leg.refresh_from_db()
    journey.refresh_from_db()
    assert leg.state == RouteLeg.State.UNDER_WAY and journey.approval == RoutePlan.Approval.APPROVED


def test_no_personal_data_in_any_page_address(journey: RoutePlan, volunteer: User) -> None:
    client = verified_client(volunteer)
    for address in (url("plan", plan_id=journey.pk), url("leg", leg_id=legs_of(journey)[0].pk)):
        html = html_of(client.get(address))
        for link in html.split('href="')[1:]:
            target = link.split('"')[0]
            assert "Bus station" not in target and "Mango" not in target and "?" not in target


# --- What the leg form offers -------------------------------------------------------------------


def test_the_leg_form_offers_the_team_s_usable_places_and_members(
    team: Team, other_team: Team, volunteer: User, case: Case, house: SafeHouse
) -> None:
    shared = SafeHouseFactory.create(team=other_team, code_name="Shared")
    shared.shared_with.add(team)
    SafeHouseFactory.create(team=other_team, code_name="Theirs")
    SafeHouseFactory.create(team=team, code_name="Burnt", status=SafeHouse.Status.COMPROMISED)
    unsafe = AreaFactory.create(team=team, township="Unsafe")
    unsafe.unsafe_at = at(0)
    unsafe.save()
    SafeHouseFactory.create(team=team, code_name="InUnsafe", area=unsafe)
    safe = AreaFactory.create(team=team, township="Safe")
    MembershipFactory.create(team=other_team, user__username="elsewhere")
    choices = selectors.leg_choices_for_case(case=case)
    assert [h.code_name for h in choices.houses] == ["Mango", "Shared"]
    assert safe in choices.areas and unsafe not in choices.areas
    assert list(choices.members) == [volunteer]
