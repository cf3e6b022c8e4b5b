"""Compromise reaches every affected leg and nobody else; a safe house's address is shown only to
those who need to know it, in every state of a journey."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent, Risk
from cases.tests.factories import CaseFactory
from relocation import selectors
from relocation.models import RouteLeg, RoutePlan, SafeHouse
from relocation.services import houses as house_services
from relocation.services import legs as leg_services
from relocation.tests.conftest import approved, legs_of, two_legs
from relocation.tests.factories import AreaFactory, RouteLegFactory, SafeHouseFactory
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.errors import NotFound
from supportdesk.followups.models import Notification
from supportdesk.followups.sweep import followups_sweep
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db


def compromise_notices(user: User) -> int:
    return Notification.objects.filter(user=user, kind="relocation.compromise").count()


def test_a_compromise_reaches_every_affected_leg_and_nobody_else(
    team, other_team, volunteer, coordinator, second_coordinator, outsider, administrator
) -> None:
    house = SafeHouseFactory.create(team=team)
    house.shared_with.add(other_team)
    other_coordinator = MembershipFactory.create(
        team=other_team, user__role=User.Role.COORDINATOR
    ).user
    escort = MembershipFactory.create(team=team, user__username="escort").user
    bystander_team_user = MembershipFactory.create(user__username="bystander").user
    # Two cases of the team through the house (one under way), one of the other team (shared).
    mine = [
        CaseFactory.create(team=team, status="accepted", verification="verified") for _ in range(2)
    ]
    theirs = CaseFactory.create(team=other_team, status="accepted", verification="verified")
    first = approved(
        two_legs(actor=volunteer, case=mine[0], house=house, escorts=[escort]),
        drafter=volunteer,
        approver=coordinator,
    )
    leg_services.route_leg_start(actor=volunteer, leg=legs_of(first)[0])
    second = two_legs(actor=volunteer, case=mine[1], house=house)
    third = two_legs(actor=outsider, case=theirs, house=house)
    # Not through the house: untouched.
    elsewhere = RouteLegFactory.create(plan__case=CaseFactory.create(team=team))
    house_services.safe_house_status_set(
        actor=coordinator, house=house, move="compromise", reason="Soldiers asked the neighbours"
    )
    assert AuditEvent.objects.filter(action="safehouse.compromise").count() == 1

    followups_sweep()  # one sweep

    flagged = RouteLeg.objects.filter(flagged_at__isnull=False)
    assert set(flagged.values_list("plan_id", flat=True)) == {first.pk, second.pk, third.pk}
    assert flagged.count() == 6  # both legs of each plan touch the house
    assert RouteLeg.objects.get(pk=elsewhere.pk).flagged_at is None
    assert RoutePlan.objects.get(pk=first.pk).approval == RoutePlan.Approval.SUBMITTED
    for case in (*mine, theirs):
        case.refresh_from_db()
        assert case.risk == Risk.HIGH
        assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ROUTE, actor=None).exists()
    assert AuditEvent.objects.filter(action="route_plan.flag").count() == 3
    # Each concerned person once; the other team only about its own case.
    for user in (volunteer, coordinator, second_coordinator, escort, outsider, other_coordinator):
        assert compromise_notices(user) == 1, user.username
    their_notice = Notification.objects.get(user=outsider, kind="relocation.compromise")
    assert theirs.ref in their_notice.sentence and mine[0].ref not in their_notice.sentence
    assert house.code_name not in their_notice.sentence
    assert compromise_notices(bystander_team_user) == 0
    assert compromise_notices(administrator) == 0
    followups_sweep()
    assert compromise_notices(volunteer) == 1


def test_an_unsafe_area_flags_the_legs_through_it(
    team, volunteer, coordinator, case, house
) -> None:
    plan = two_legs(actor=volunteer, case=case, house=house)
    area = legs_of(plan)[0].from_area
    assert area is not None
    house_services.area_mark_unsafe(actor=coordinator, area=area, reason="Army camp")
    followups_sweep()
    assert [leg.flagged_at is not None for leg in legs_of(plan)] == [True, False]
    unrelated = AreaFactory.create(team=team)
    house_services.area_mark_unsafe(actor=coordinator, area=unrelated, reason="Raids")
    followups_sweep()
    assert [leg.flagged_at is not None for leg in legs_of(plan)] == [True, False]


# --- Need to know -------------------------------------------------------------------------------


def revealed(user: User, house: SafeHouse) -> bool:
    return selectors.safe_house_get_for_user(user=user, house_id=house.pk).revealed


def test_the_address_follows_the_journey(
    volunteer, coordinator, second_coordinator, case: Case, house: SafeHouse
) -> None:
    # Before any plan: the team's coordinators, not its volunteers.
    assert revealed(coordinator, house) and not revealed(volunteer, house)
    plan = two_legs(actor=volunteer, case=case, house=house)
    assert not revealed(volunteer, house)  # a draft gives no need to know
    plan = approved(plan, drafter=volunteer, approver=second_coordinator)
    assert revealed(volunteer, house)  # approved and planned
    first, second = legs_of(plan)
    leg_services.route_leg_start(actor=volunteer, leg=first)
    assert revealed(volunteer, house)  # during the leg
    leg_services.route_leg_arrive(actor=volunteer, leg=first)
    assert revealed(volunteer, house)  # staying: the next leg leaves from there
    leg_services.route_leg_start(actor=volunteer, leg=second)
    leg_services.route_leg_arrive(actor=volunteer, leg=second)
    assert not revealed(volunteer, house)  # after arrival
    assert revealed(coordinator, house)


def test_other_teams_see_code_name_and_area_or_nothing(
    house: SafeHouse, other_team, outsider, administrator
) -> None:
    with pytest.raises(NotFound):
        selectors.safe_house_get_for_user(user=outsider, house_id=house.pk)
    with pytest.raises(NotFound):
        selectors.safe_house_get_for_user(user=administrator, house_id=house.pk)
    house.shared_with.add(other_team)
    card = selectors.safe_house_get_for_user(user=outsider, house_id=house.pk)
    assert not card.revealed
    answer = token_client(outsider).get(f"/api/v1/relocation/safe-houses/{house.pk}/").json()
    assert answer["code_name"] == house.code_name and answer["area"]["township"]
    assert "address" not in answer and "contact_phone" not in answer
    assert not AuditEvent.objects.filter(action="safehouse.view").exists()


def test_every_reveal_is_a_read_event(house: SafeHouse, coordinator, volunteer) -> None:
    answer = token_client(coordinator).get(f"/api/v1/relocation/safe-houses/{house.pk}/").json()
    assert answer["address"] == "12 Hidden Lane"
    listed = token_client(coordinator).get("/api/v1/relocation/safe-houses/").json()
    assert listed["results"][0]["contact_name"] == "U Ba"
    assert (
        AuditEvent.objects.filter(
            action="safehouse.view", object_id=house.pk.hex, actor_id=coordinator.pk
        ).count()
        == 2
    )
    hidden = token_client(volunteer).get(f"/api/v1/relocation/safe-houses/{house.pk}/").json()
    assert "address" not in hidden
    assert not AuditEvent.objects.filter(action="safehouse.view", actor_id=volunteer.pk).exists()


def test_occupancy_counts_who_arrived_and_has_not_left(
    volunteer, coordinator, case: Case, house: SafeHouse
) -> None:
    plan = approved(
        two_legs(actor=volunteer, case=case, house=house), drafter=volunteer, approver=coordinator
    )
    first, second = legs_of(plan)
    leg_services.route_leg_start(actor=volunteer, leg=first)
    assert selectors.safe_house_get_for_user(user=coordinator, house_id=house.pk).occupancy == 0
    leg_services.route_leg_arrive(actor=volunteer, leg=first)
    assert selectors.safe_house_get_for_user(user=coordinator, house_id=house.pk).occupancy == 1
    leg_services.route_leg_start(actor=volunteer, leg=second)
    assert selectors.safe_house_get_for_user(user=coordinator, house_id=house.pk).occupancy == 0


def test_a_full_house_and_a_long_journey_warn(
    volunteer, coordinator, case: Case, team, settings
) -> None:
    small = SafeHouseFactory.create(team=team, capacity=1)
    other = CaseFactory.create(team=team, status="accepted", verification="verified")
    staying = approved(
        two_legs(actor=volunteer, case=other, house=small), drafter=volunteer, approver=coordinator
    )
    leg_services.route_leg_start(actor=volunteer, leg=legs_of(staying)[0])
    leg_services.route_leg_arrive(actor=volunteer, leg=legs_of(staying)[0])
    plan = two_legs(actor=volunteer, case=case, house=small)
    settings.RELOCATION_TRAVEL_WARNING_HOURS = 6
    detail = selectors.route_plan_detail(user=volunteer, plan_id=plan.pk)
    sentences = [str(w) for w in detail.warnings]
    assert any("is full" in s for s in sentences)
    assert any("longer than the limit of 6 hours" in s for s in sentences)
