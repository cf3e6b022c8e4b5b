"""The leg state machine, the plan's approval and progress, and the case status that follows."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent, Risk
from relocation.models import RouteLeg, RoutePlan, SafeHouse
from relocation.services import houses as house_services
from relocation.services import legs as leg_services
from relocation.services import plans as plan_services
from relocation.tests.conftest import approved, legs_of, two_legs
from relocation.workflows import NotAllowed, RouteNotAllowed, StaleVersion
from supportdesk.api.exceptions import status_for
from supportdesk.audit.models import AuditEvent
from supportdesk.errors import NotFound

pytestmark = pytest.mark.django_db
L = RouteLeg.State


def test_a_journey_moves_the_case_to_in_transit_then_to_a_safe_area(
    journey: RoutePlan, volunteer
) -> None:
    first, second = legs_of(journey)
    leg_services.route_leg_start(actor=volunteer, leg=first)
    case = Case.objects.get(pk=journey.case_id)
    assert case.status == Case.Status.IN_TRANSIT
    assert RoutePlan.objects.get(pk=journey.pk).progress == RoutePlan.Progress.UNDER_WAY
    leg_services.route_leg_arrive(actor=volunteer, leg=first)
    leg_services.route_leg_start(actor=volunteer, leg=second)
    leg_services.route_leg_arrive(actor=volunteer, leg=second)
    case.refresh_from_db()
    assert case.status == Case.Status.SAFE_AREA
    assert RoutePlan.objects.get(pk=journey.pk).progress == RoutePlan.Progress.ARRIVED
    # Through the cases' own transition: its timeline entries and audit rows.
    moves = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS).order_by("created_at")
    assert [(e.from_status, e.to_status) for e in moves] == [
        ("accepted", "in_transit"),
        ("in_transit", "safe_area"),
    ]
    assert AuditEvent.objects.filter(action="case.transition", object_id=case.pk.hex).count() == 2
    route = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ROUTE)
    assert any("Leg 2 arrived." in e.sentence for e in route)


def test_legs_start_in_order_and_only_on_an_approved_plan(
    volunteer, coordinator, case: Case, house: SafeHouse
) -> None:
    plan = two_legs(actor=volunteer, case=case, house=house)
    with pytest.raises(RouteNotAllowed, match="approved"):
        leg_services.route_leg_start(actor=volunteer, leg=legs_of(plan)[0])
    plan = approved(plan, drafter=volunteer, approver=coordinator)
    with pytest.raises(RouteNotAllowed, match="Leg 1 has not arrived"):
        leg_services.route_leg_start(actor=volunteer, leg=legs_of(plan)[1])
    assert Case.objects.get(pk=case.pk).status == Case.Status.ACCEPTED


@pytest.mark.parametrize(
    ("state", "move"),
    [
        (L.PLANNED, "arrive"),
        (L.UNDER_WAY, "start"),
        (L.ARRIVED, "start"),
        (L.ARRIVED, "arrive"),
        (L.ARRIVED, "abort"),
        (L.ABORTED, "start"),
        (L.ABORTED, "abort"),
    ],
)
def test_moves_the_table_does_not_have_are_refused(
    journey: RoutePlan, volunteer, state: str, move: str
) -> None:
    leg = legs_of(journey)[0]
    RouteLeg.objects.filter(pk=leg.pk).update(state=state)
    service = {
        "start": leg_services.route_leg_start,
        "arrive": leg_services.route_leg_arrive,
        "abort": lambda **kw: leg_services.route_leg_abort(reason="why", **kw),
    }[move]
    with pytest.raises(RouteNotAllowed) as refused:
        service(actor=volunteer, leg=leg)
    assert status_for(refused.value) == 409
    assert RouteLeg.objects.get(pk=leg.pk).state == state


def test_aborting_a_leg_stops_the_rest_of_the_journey(under_way: RouteLeg, volunteer) -> None:
    leg_services.route_leg_abort(actor=volunteer, leg=under_way, reason="Checkpoint ahead")
    states = list(
        RouteLeg.objects.filter(plan=under_way.plan)
        .order_by("position")
        .values_list("state", flat=True)
    )
    assert states == [L.ABORTED, L.ABORTED]
    plan = RoutePlan.objects.get(pk=under_way.plan_id)
    assert plan.progress == RoutePlan.Progress.ABORTED
    assert RouteLeg.objects.get(pk=under_way.pk).abort_reason == "Checkpoint ahead"


def test_a_case_that_cannot_travel_yet_does_not_start(
    volunteer, coordinator, team, house: SafeHouse
) -> None:
    from cases.tests.factories import CaseFactory

    case = CaseFactory.create(
        team=team, status=Case.Status.VERIFYING, verification=Case.Verification.VERIFIED
    )
    plan = approved(
        two_legs(actor=volunteer, case=case, house=house), drafter=volunteer, approver=coordinator
    )
    with pytest.raises(Exception, match="cannot move"):
        leg_services.route_leg_start(actor=volunteer, leg=legs_of(plan)[0])
    assert RouteLeg.objects.get(pk=legs_of(plan)[0].pk).state == L.PLANNED


def test_the_drafter_cannot_approve_and_a_volunteer_cannot_either(
    volunteer, coordinator, second_coordinator, case: Case, house: SafeHouse
) -> None:
    plan = two_legs(actor=coordinator, case=case, house=house)
    plan = plan_services.route_plan_move(
        actor=coordinator, plan=plan, move="submit", version=plan.version
    )
    with pytest.raises(RouteNotAllowed, match="another coordinator"):
        plan_services.route_plan_move(
            actor=coordinator, plan=plan, move="approve", version=plan.version
        )
    with pytest.raises(NotAllowed):
        plan_services.route_plan_move(
            actor=volunteer, plan=plan, move="approve", version=plan.version
        )
    plan = plan_services.route_plan_move(
        actor=second_coordinator, plan=plan, move="approve", version=plan.version
    )
    assert plan.approval == RoutePlan.Approval.APPROVED


def test_editing_an_approved_plan_sends_it_back_for_approval(journey: RoutePlan, volunteer) -> None:
    leg = legs_of(journey)[1]
    plan_services.route_leg_update(
        actor=volunteer, leg=leg, version=leg.version, changes={"transport": "car"}
    )
    plan = RoutePlan.objects.get(pk=journey.pk)
    assert plan.approval == RoutePlan.Approval.SUBMITTED and plan.approved_by is None
    with pytest.raises(RouteNotAllowed, match="approved"):
        leg_services.route_leg_start(actor=volunteer, leg=legs_of(plan)[0])


def test_unverified_cases_are_not_routed_through_safe_houses(
    volunteer, team, house: SafeHouse
) -> None:
    from django.core.exceptions import ValidationError

    from cases.tests.factories import CaseFactory

    case = CaseFactory.create(team=team, status=Case.Status.ACCEPTED)
    with pytest.raises(ValidationError) as refused:
        two_legs(actor=volunteer, case=case, house=house)
    assert "planted" in str(refused.value.message_dict["to_safe_house"])
    assert not RouteLeg.objects.filter(case=case).exists()


def test_a_second_approved_plan_is_refused(
    journey: RoutePlan, volunteer, coordinator, case, house
) -> None:
    other = two_legs(actor=volunteer, case=case, house=house)
    other = plan_services.route_plan_move(
        actor=volunteer, plan=other, move="submit", version=other.version
    )
    with pytest.raises(RouteNotAllowed, match="already has an approved plan"):
        plan_services.route_plan_move(
            actor=coordinator, plan=other, move="approve", version=other.version
        )


def test_stale_versions_answer_409_and_change_nothing(
    journey: RoutePlan, volunteer, coordinator
) -> None:
    leg = legs_of(journey)[1]
    stale = leg.version
    plan_services.route_leg_update(
        actor=volunteer, leg=leg, version=stale, changes={"transport": "car"}
    )
    with pytest.raises(StaleVersion) as refused:
        plan_services.route_leg_update(
            actor=coordinator, leg=leg, version=stale, changes={"transport": "boat"}
        )
    assert status_for(refused.value) == 409
    assert RouteLeg.objects.get(pk=leg.pk).transport == "car"
    plan = RoutePlan.objects.get(pk=journey.pk)
    with pytest.raises(StaleVersion):
        plan_services.route_plan_update(
            actor=volunteer, plan=plan, version=plan.version - 1, notes="Old view"
        )
    with pytest.raises(StaleVersion):
        plan_services.route_plan_move(
            actor=coordinator, plan=plan, move="approve", version=plan.version - 1
        )


def test_a_compromised_house_can_no_longer_be_added(
    volunteer, coordinator, case: Case, house: SafeHouse
) -> None:
    from django.core.exceptions import ValidationError

    house_services.safe_house_status_set(
        actor=coordinator, house=house, move="compromise", reason="Raided next door"
    )
    with pytest.raises(ValidationError) as refused:
        two_legs(actor=volunteer, case=case, house=house)
    assert "to_safe_house" in refused.value.message_dict


def test_outsiders_reach_nothing(journey: RoutePlan, outsider) -> None:
    with pytest.raises(NotFound):
        leg_services.route_leg_start(actor=outsider, leg=legs_of(journey)[0])


def test_the_risk_source_sees_a_flagged_route(journey: RoutePlan) -> None:
    from relocation.services.compromise import route_risk

    assert route_risk(journey.case) == []
    RouteLeg.objects.filter(plan=journey).update(flagged_at="2026-11-20T10:00:00Z")
    assert route_risk(journey.case) == [Risk.HIGH]
