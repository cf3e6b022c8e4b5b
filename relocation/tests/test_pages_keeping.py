"""The pages that keep safe houses, areas and plans: a coordinator adds and changes a house,
suspends, retires or marks it compromised (asked twice), marks an area unsafe (asked twice), and
any member removes a leg from a plan (asked twice). Bad input is a 400 at its field with nothing
written, another team gets 404, a volunteer is refused with the sentence where only coordinators
may act."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent
from relocation.models import Area, RouteLeg, RoutePlan, SafeHouse
from relocation.tests.conftest import legs_of, two_legs
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import FollowUp
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db
ONLY_COORDINATORS = "Only a coordinator of this team can do that."


def html_of(response: Any) -> str:
    return str(response.content.decode())


def url(name: str, **kwargs: object) -> str:
    return reverse(f"relocation:{name}", kwargs=kwargs)


def house_form(place: Area, **overrides: object) -> dict[str, object]:
    form = {
        "team": str(place.team_id),
        "code_name": "Papaya",
        "area": str(place.pk),
        "capacity": "3",
        "address": "7 Quiet Road",
        "contact_name": "Daw Mya",
        "contact_phone": "09420111222",
        "notes": "Knock twice",
    }
    return {**form, **overrides}


@pytest.fixture
def monywa(team: Team) -> Area:
    return AreaFactory.create(team=team, township="Monywa")


# --- Adding a house -----------------------------------------------------------------------------


def test_a_coordinator_adds_a_house_and_sees_its_address(coordinator: User, monywa: Area) -> None:
    client = verified_client(coordinator)
    page = client.get(url("house_add"))
    assert page.status_code == 200 and "Add the house" in html_of(page)
    response = client.post(url("house_add"), house_form(monywa))
    house = SafeHouse.objects.get(code_name="Papaya")
    assert response.status_code == 302 and response["Location"] == url("house", house_id=house.pk)
    assert (house.team, house.area, house.capacity) == (monywa.team, monywa, 3)
    assert (house.address, house.contact_name, house.contact_phone) == (
        "7 Quiet Road",
        "Daw Mya",
        "+959420111222",
    )
    assert AuditEvent.objects.filter(action="safehouse.create", object_id=house.pk.hex).exists()
    html = html_of(client.get(response["Location"]))
    assert "Safe house Papaya added." in html and "7 Quiet Road" in html
    assert '<a href="tel:+959420111222">+95 9 42011 1222</a>' in html  # grouped, and dialable


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code_name": ""}, "code_name", "This field is required."),
        ({"code_name": "x" * 61}, "code_name", "at most 60 characters"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"capacity": "many"}, "capacity", "Enter a whole number."),
        ({"contact_phone": "call me"}, "contact_phone", "not a phone number we can use"),
        ({"address": "x" * 2001}, "address", "at most 2000 characters"),
        ({"area": ""}, "area", "This field is required."),
    ],
    ids=[
        "no code name",
        "long code name",
        "no room",
        "room not a number",
        "bad phone",
        "oversized address",
        "no area",
    ],
)
def test_a_bad_house_is_a_400_at_its_field_and_writes_nothing(
    coordinator: User, monywa: Area, overrides: dict[str, object], field: str, message: str
) -> None:
    response = verified_client(coordinator).post(url("house_add"), house_form(monywa, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    assert "Nothing was saved" in html_of(response)
    assert not SafeHouse.objects.exists()


def test_an_area_of_another_team_is_refused_at_its_field(
    coordinator: User, monywa: Area, other_team: Team
) -> None:
    theirs = AreaFactory.create(team=other_team)
    response = verified_client(coordinator).post(
        url("house_add"), house_form(monywa, area=str(theirs.pk))
    )
    assert response.status_code == 400 and list(response.context["form"].errors) == ["area"]
    assert not SafeHouse.objects.exists()


def test_a_code_name_taken_in_the_team_is_refused_by_the_service_at_its_field(
    coordinator: User, monywa: Area, house: SafeHouse
) -> None:
    response = verified_client(coordinator).post(
        url("house_add"), house_form(monywa, code_name=house.code_name)
    )
    assert response.status_code == 400
    assert "already has a house by this name" in " ".join(
        response.context["form"].errors["code_name"]
    )
    assert SafeHouse.objects.count() == 1


def test_a_volunteer_cannot_add_a_house(volunteer: User, monywa: Area) -> None:
    client = verified_client(volunteer)
    page = client.get(url("house_add"))
    assert page.status_code == 409 and ONLY_COORDINATORS in html_of(page)
    response = client.post(url("house_add"), house_form(monywa))
    assert response.status_code == 409 and not SafeHouse.objects.exists()


def test_the_house_list_offers_adding_to_coordinators_only(
    coordinator: User, volunteer: User
) -> None:
    add = f'href="{url("house_add")}"'
    assert add in html_of(verified_client(coordinator).get(url("houses")))
    assert add not in html_of(verified_client(volunteer).get(url("houses")))


# --- Changing a house ---------------------------------------------------------------------------


def test_a_coordinator_changes_a_house_and_only_the_changed_fields_are_recorded(
    coordinator: User, house: SafeHouse
) -> None:
    client = verified_client(coordinator)
    page = client.get(url("house_edit", house_id=house.pk))
    assert page.status_code == 200 and "12 Hidden Lane" in html_of(page)
    assert AuditEvent.objects.filter(
        action="safehouse.view", object_id=house.pk.hex, actor_id=coordinator.pk
    ).exists()
    form = {
        "version": house.version,
        "code_name": house.code_name,
        "area": str(house.area_id),
        "capacity": "6",
        "address": "14 Other Lane",
        "contact_name": "U Ba",
        "contact_phone": house.contact_phone,
        "notes": "",
    }
    response = client.post(url("house_edit", house_id=house.pk), form)
    assert response.status_code == 302
    house.refresh_from_db()
    assert (house.capacity, house.address, house.version) == (6, "14 Other Lane", 2)
    event = AuditEvent.objects.get(action="safehouse.update", object_id=house.pk.hex)
    assert sorted(event.fields) == ["address", "capacity"]


def _edit_form(house: SafeHouse, **overrides: object) -> dict[str, object]:
    form = {
        "version": house.version,
        "code_name": house.code_name,
        "area": str(house.area_id),
        "capacity": str(house.capacity),
        "address": "",
        "contact_name": "",
        "contact_phone": "",
        "notes": "",
    }
    return {**form, **overrides}


def test_sharing_a_house_through_the_form_shows_it_to_the_other_team_by_code_name(
    coordinator: User, outsider: User, other_team: Team, house: SafeHouse
) -> None:
    form = _edit_form(
        house,
        address="12 Hidden Lane",
        contact_name="U Ba",
        contact_phone=house.contact_phone,
        shared_with=[str(other_team.pk)],
    )
    response = verified_client(coordinator).post(url("house_edit", house_id=house.pk), form)
    assert response.status_code == 302
    assert list(house.shared_with.all()) == [other_team]
    event = AuditEvent.objects.get(action="safehouse.update", object_id=house.pk.hex)
    assert event.fields == ["shared_with"]  # only what changed
    theirs = verified_client(outsider).get(url("house", house_id=house.pk))
    assert theirs.status_code == 200 and "12 Hidden Lane" not in html_of(theirs)


def test_a_bad_change_is_a_400_and_writes_nothing(coordinator: User, house: SafeHouse) -> None:
    response = verified_client(coordinator).post(
        url("house_edit", house_id=house.pk), _edit_form(house, capacity="501")
    )
    assert response.status_code == 400 and list(response.context["form"].errors) == ["capacity"]
    house.refresh_from_db()
    assert (house.capacity, house.version, house.address) == (4, 1, "12 Hidden Lane")


def test_a_stale_change_is_a_409_and_writes_nothing(coordinator: User, house: SafeHouse) -> None:
    response = verified_client(coordinator).post(
        url("house_edit", house_id=house.pk), _edit_form(house, version=7, capacity="9")
    )
    assert response.status_code == 409 and "Someone else changed this" in html_of(response)
    house.refresh_from_db()
    assert house.capacity == 4


def test_a_volunteer_of_the_team_cannot_open_the_change_form(
    volunteer: User, house: SafeHouse
) -> None:
    client = verified_client(volunteer)
    page = client.get(url("house_edit", house_id=house.pk))
    assert page.status_code == 409 and ONLY_COORDINATORS in html_of(page)
    assert "12 Hidden Lane" not in html_of(page)
    response = client.post(url("house_edit", house_id=house.pk), _edit_form(house, capacity="9"))
    assert response.status_code == 409
    house.refresh_from_db()
    assert house.capacity == 4


def test_another_teams_coordinator_gets_404_even_for_a_shared_house(
    other_team: Team, house: SafeHouse
) -> None:
    theirs = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    house.shared_with.add(other_team)
    client = verified_client(theirs)
    assert client.get(url("house_edit", house_id=house.pk)).status_code == 404
    response = client.post(url("house_edit", house_id=house.pk), _edit_form(house, capacity="9"))
    assert response.status_code == 404
    data = {"move": "compromise", "version": 1, "reason": "x", "confirmed": "1"}
    assert client.post(url("house_status", house_id=house.pk), data).status_code == 404
    house.refresh_from_db()
    assert house.capacity == 4 and house.status == SafeHouse.Status.ACTIVE


# --- A house's status ---------------------------------------------------------------------------


def test_a_coordinator_suspends_and_activates_a_house_at_once(
    coordinator: User, house: SafeHouse
) -> None:
    client = verified_client(coordinator)
    html = html_of(client.get(url("house", house_id=house.pk)))
    assert 'value="suspend"' in html and 'value="activate"' not in html
    response = client.post(
        url("house_status", house_id=house.pk), {"move": "suspend", "version": 1}
    )
    assert response.status_code == 302
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.SUSPENDED
    client.post(url("house_status", house_id=house.pk), {"move": "activate", "version": 2})
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE and house.version == 3


def test_marking_a_house_compromised_asks_once_more_then_propagates(
    coordinator: User, house: SafeHouse, journey: RoutePlan
) -> None:
    client = verified_client(coordinator)
    data = {"move": "compromise", "version": house.version, "reason": "The owner was arrested"}
    asked = client.post(url("house_status", house_id=house.pk), data)
    html = html_of(asked)
    assert asked.status_code == 200 and "Mark safe house Mango compromised?" in html
    assert 'name="confirmed" value="1"' in html and "The owner was arrested" in html
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE  # asking wrote nothing
    assert not FollowUp.objects.filter(kind="relocation.compromise.house").exists()

    response = client.post(url("house_status", house_id=house.pk), {**data, "confirmed": "1"})
    assert response.status_code == 302
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.COMPROMISED
    assert house.compromised_reason == "The owner was arrested"
    assert FollowUp.objects.filter(kind="relocation.compromise.house").count() == 1
    html = html_of(client.get(response["Location"]))
    assert "The house is marked compromised." in html and 'value="suspend"' not in html


def test_marking_compromised_without_a_reason_is_a_400_at_its_field(
    coordinator: User, house: SafeHouse
) -> None:
    data = {"move": "compromise", "version": house.version, "reason": " ", "confirmed": "1"}
    response = verified_client(coordinator).post(url("house_status", house_id=house.pk), data)
    assert response.status_code == 400
    assert list(response.context["compromise_form"].errors) == ["reason"]
    assert "Say why the house is compromised." in html_of(response)
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE


def test_retiring_asks_once_more(coordinator: User, house: SafeHouse) -> None:
    client = verified_client(coordinator)
    data = {"move": "retire", "version": house.version}
    assert "Retire safe house Mango?" in html_of(
        client.post(url("house_status", house_id=house.pk), data)
    )
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE
    client.post(url("house_status", house_id=house.pk), {**data, "confirmed": "1"})
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.RETIRED


@pytest.mark.parametrize(
    ("data", "field"),
    [({"move": "burn", "version": 1}, "move"), ({"move": "suspend"}, "version")],
)
def test_a_bad_status_step_is_a_400(
    coordinator: User, house: SafeHouse, data: dict[str, object], field: str
) -> None:
    response = verified_client(coordinator).post(url("house_status", house_id=house.pk), data)
    assert response.status_code == 400
    assert field in response.context["compromise_form"].errors
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE


def test_a_step_the_state_does_not_allow_is_a_409_before_asking(
    coordinator: User, house: SafeHouse
) -> None:
    data = {"move": "activate", "version": house.version}
    response = verified_client(coordinator).post(url("house_status", house_id=house.pk), data)
    assert response.status_code == 409 and "that step is not possible now" in html_of(response)


def test_a_volunteer_cannot_mark_a_house_compromised(volunteer: User, house: SafeHouse) -> None:
    client = verified_client(volunteer)
    assert "Mark compromised" not in html_of(client.get(url("house", house_id=house.pk)))
    data = {"move": "compromise", "version": 1, "reason": "Gossip", "confirmed": "1"}
    response = client.post(url("house_status", house_id=house.pk), data)
    assert response.status_code == 409 and ONLY_COORDINATORS in html_of(response)
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE


def test_a_stale_status_step_is_a_409(coordinator: User, house: SafeHouse) -> None:
    data = {"move": "suspend", "version": house.version + 1}
    response = verified_client(coordinator).post(url("house_status", house_id=house.pk), data)
    assert response.status_code == 409 and "Someone else changed this" in html_of(response)
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE


def test_a_status_step_needs_post(coordinator: User, house: SafeHouse) -> None:
    page = verified_client(coordinator).get(url("house_status", house_id=house.pk))
    assert page.status_code == 200  # the house page, its form open
    house.refresh_from_db()
    assert house.status == SafeHouse.Status.ACTIVE


# --- Areas --------------------------------------------------------------------------------------


def test_a_coordinator_adds_an_area(coordinator: User, team: Team) -> None:
    client = verified_client(coordinator)
    data = {"team": str(team.pk), "township": "Kalay", "region": "Sagaing", "country": "Myanmar"}
    response = client.post(url("area_add"), data)
    area = Area.objects.get(township="Kalay")
    assert response.status_code == 302 and area.team == team
    assert "Kalay, Sagaing, Myanmar" in html_of(client.get(url("areas")))


def test_a_bad_area_is_a_400_and_a_volunteer_cannot_add_one(
    coordinator: User, volunteer: User, team: Team
) -> None:
    response = verified_client(coordinator).post(
        url("area_add"), {"team": str(team.pk), "township": "", "country": "Myanmar"}
    )
    assert response.status_code == 400 and list(response.context["add_form"].errors) == ["township"]
    data = {"team": str(team.pk), "township": "Kalay", "country": "Myanmar"}
    refused = verified_client(volunteer).post(url("area_add"), data)
    assert refused.status_code == 409 and ONLY_COORDINATORS in html_of(refused)
    assert not Area.objects.exists()


def test_marking_an_area_unsafe_asks_once_more_then_propagates(
    coordinator: User, monywa: Area
) -> None:
    client = verified_client(coordinator)
    data = {"reason": "Army checkpoint since Monday"}
    asked = client.post(url("area_unsafe", area_id=monywa.pk), data)
    assert asked.status_code == 200 and "Mark Monywa, Sagaing, Myanmar unsafe?" in html_of(asked)
    monywa.refresh_from_db()
    assert monywa.unsafe_at is None
    response = client.post(url("area_unsafe", area_id=monywa.pk), {**data, "confirmed": "1"})
    assert response.status_code == 302
    monywa.refresh_from_db()
    assert monywa.unsafe_at is not None and monywa.unsafe_reason == data["reason"]
    assert FollowUp.objects.filter(kind="relocation.compromise.area").count() == 1
    html = html_of(client.get(url("areas")))
    assert "Marked unsafe" in html and data["reason"] not in html  # the reason stays sealed


def test_marking_an_area_unsafe_without_a_reason_is_a_400(coordinator: User, monywa: Area) -> None:
    data = {"reason": "", "confirmed": "1"}
    response = verified_client(coordinator).post(url("area_unsafe", area_id=monywa.pk), data)
    assert response.status_code == 400 and "reason" in response.context["unsafe_form"].errors
    monywa.refresh_from_db()
    assert monywa.unsafe_at is None


def test_a_volunteer_cannot_mark_an_area_unsafe_and_another_team_gets_404(
    volunteer: User, outsider: User, monywa: Area
) -> None:
    data = {"reason": "Rumours", "confirmed": "1"}
    refused = verified_client(volunteer).post(url("area_unsafe", area_id=monywa.pk), data)
    assert refused.status_code == 409 and ONLY_COORDINATORS in html_of(refused)
    assert (
        verified_client(outsider).post(url("area_unsafe", area_id=monywa.pk), data).status_code
        == 404
    )
    assert "Monywa" not in html_of(verified_client(outsider).get(url("areas")))
    monywa.refresh_from_db()
    assert monywa.unsafe_at is None


# --- Removing a leg -----------------------------------------------------------------------------


def test_a_volunteer_removes_a_leg_after_confirming_and_the_next_moves_up(
    volunteer: User, case: Case, house: SafeHouse
) -> None:
    plan = two_legs(actor=volunteer, case=case, house=house)
    first, second = legs_of(plan)
    client = verified_client(volunteer)
    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ROUTE).count()
    assert f'action="{url("leg_remove", leg_id=first.pk)}"' in html_of(
        client.get(url("plan", plan_id=plan.pk))
    )
    asked = client.post(url("leg_remove", leg_id=first.pk), {"version": first.version})
    assert asked.status_code == 200 and "Remove leg 1?" in html_of(asked)
    assert RouteLeg.objects.filter(plan=plan).count() == 2
    response = client.post(
        url("leg_remove", leg_id=first.pk), {"version": first.version, "confirmed": "1"}
    )
    assert response.status_code == 302
    assert list(RouteLeg.objects.filter(plan=plan).values_list("pk", "position")) == [
        (second.pk, 0)
    ]
    assert "Leg 1 was removed." in html_of(client.get(response["Location"]))
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ROUTE).count() == events + 1


def test_a_leg_remove_without_a_version_is_a_400_and_a_stale_one_a_409(
    volunteer: User, case: Case, house: SafeHouse
) -> None:
    plan = two_legs(actor=volunteer, case=case, house=house)
    first = legs_of(plan)[0]
    client = verified_client(volunteer)
    missing = client.post(url("leg_remove", leg_id=first.pk), {"confirmed": "1"})
    assert missing.status_code == 400 and "version" in missing.context["remove_form"].errors
    stale = client.post(
        url("leg_remove", leg_id=first.pk), {"version": first.version + 3, "confirmed": "1"}
    )
    assert stale.status_code == 409 and "Someone else changed this" in html_of(stale)
    assert RouteLeg.objects.filter(plan=plan).count() == 2


def test_a_leg_under_way_cannot_be_removed(under_way: RouteLeg, volunteer: User) -> None:
    response = verified_client(volunteer).post(
        url("leg_remove", leg_id=under_way.pk), {"version": under_way.version, "confirmed": "1"}
    )
    assert response.status_code == 409 and "has not started" in html_of(response)
    assert RouteLeg.objects.filter(pk=under_way.pk).exists()


def test_another_team_cannot_remove_a_leg(
    outsider: User, volunteer: User, case: Case, house: SafeHouse
) -> None:
    first = legs_of(two_legs(actor=volunteer, case=case, house=house))[0]
    response = verified_client(outsider).post(
        url("leg_remove", leg_id=first.pk), {"version": first.version, "confirmed": "1"}
    )
    assert response.status_code == 404 and RouteLeg.objects.filter(pk=first.pk).exists()


# --- The list and the header --------------------------------------------------------------------


def test_the_house_list_is_paged(coordinator: User, team: Team, monywa: Area) -> None:
    for n in range(51):
        SafeHouseFactory.create(team=team, area=monywa, code_name=f"House {n:02d}")
    client = verified_client(coordinator)
    first = client.get(url("houses"))
    assert len(first.context["cards"]) == 50 and "Page 1 of 2" in html_of(first)
    assert "51 safe houses." in html_of(first) and 'href="?page=2"' in html_of(first)
    second = client.get(url("houses"), {"page": "2"})
    assert [card.house.code_name for card in second.context["cards"]] == ["House 50"]
    assert client.get(url("houses"), {"page": "many"}).status_code == 200  # the first page


def test_the_header_links_safe_houses_for_those_who_use_relocation(
    volunteer: User, coordinator: User, administrator: User
) -> None:
    link = f'href="{url("houses")}"'
    for user in (volunteer, coordinator):
        assert link in html_of(verified_client(user).get("/"))
    assert link not in html_of(verified_client(administrator).get("/"))
