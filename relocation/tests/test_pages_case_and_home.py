"""The plan on the case page (its legs in order, the warnings, the next step this reader may take,
in a constant number of queries), the home panels (what waits on a volunteer and on a
coordinator, counted in one query each) and the lists of journeys they link to."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.tests.factories import CaseFactory
from relocation.home import journeys_now, journeys_waiting
from relocation.models import Area, RouteLeg, RoutePlan, SafeHouse, Waypoint
from relocation.services import legs as leg_services
from relocation.services import plans as plan_services
from relocation.tests.conftest import approved, at, legs_of, two_legs
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk.accounts.models import Team, User
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db


def html_of(response: Any) -> str:
    return str(response.content.decode())


def case_page(user: User, case: Case) -> str:
    response = verified_client(user).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return html_of(response)


def route_section(html: str) -> str:
    found = re.search(r'<section class="card" id="route">(.*?)</section>', html, re.S)
    assert found, "no route section on the case page"
    return found.group(1)


def journeys(show: str) -> str:
    return f"{reverse('relocation:journeys')}?show={show}"


def count_of(page: str, label: str) -> int:
    found = re.search(r'<span class="count">(\d+)</span> <span>' + re.escape(label), page)
    assert found, f"no item {label!r} on the page"
    return int(found.group(1))


# --- The plan on the case page ------------------------------------------------------------------


def test_a_case_without_a_plan_says_so_and_links_its_plans(volunteer: User, case: Case) -> None:
    section = route_section(case_page(volunteer, case))
    assert "No route plan yet." in section
    assert f'href="{reverse("relocation:case_plans", args=[case.pk])}"' in section


def test_the_case_page_shows_the_approved_plan_and_offers_to_start_it(
    journey: RoutePlan, volunteer: User, case: Case
) -> None:
    section = route_section(case_page(volunteer, case))
    first, _second = legs_of(journey)
    assert section.index("Leg 1") < section.index("Leg 2")
    assert "Town or pick-up point: Bus station, Monywa" in section
    assert "Safe house Mango" in section and "Safe area: Camp, Liberated" in section
    assert "12 Hidden Lane" not in section  # never an address
    assert "Approved" in section and "Planned travel time: 13 h 0 min" in section
    assert f'action="{reverse("relocation:leg_start", args=[first.pk])}"' in section
    assert "Start leg 1" in section
    assert AuditEvent.objects.filter(
        action="case.view",
        object_id=case.pk.hex,
        actor_id=volunteer.pk,
        fields=["route_legs.from_place", "route_legs.to_place"],
    ).exists()


def test_a_leg_under_way_offers_the_check_in_on_the_case_page(
    under_way: RouteLeg, volunteer: User, case: Case
) -> None:
    section = route_section(case_page(volunteer, case))
    assert f'action="{reverse("relocation:leg_check_in", args=[under_way.pk])}"' in section
    assert "Check in (leg 1)" in section and "Under way" in section
    response = verified_client(volunteer).post(
        reverse("relocation:leg_check_in", args=[under_way.pk])
    )
    assert response.status_code == 302 and under_way.check_ins.count() == 1


def test_a_plan_to_approve_offers_approval_to_another_coordinator_only(
    volunteer: User, coordinator: User, second_coordinator: User, case: Case, house: SafeHouse
) -> None:
    plan = two_legs(actor=coordinator, case=case, house=house)
    plan_services.route_plan_move(actor=coordinator, plan=plan, move="submit", version=3)
    assert "Approve the route" not in route_section(case_page(coordinator, case))  # drafted it
    assert "Approve the route" not in route_section(case_page(volunteer, case))
    section = route_section(case_page(second_coordinator, case))
    assert "Approve the route" in section and "Waiting for approval" in section
    plan.refresh_from_db()
    response = verified_client(second_coordinator).post(
        reverse("relocation:plan_move", args=[plan.pk]),
        {"move": "approve", "version": plan.version},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.APPROVED


def test_a_flagged_plan_says_so_on_the_case_page(
    journey: RoutePlan, volunteer: User, case: Case
) -> None:
    RoutePlan.objects.filter(pk=journey.pk).update(flagged_at=timezone.now())
    RouteLeg.objects.filter(plan=journey).update(flagged_at=timezone.now())
    section = route_section(case_page(volunteer, case))
    assert "marked unsafe: the plan needs approval again" in section
    assert "Leg 1 goes through a place marked unsafe." in section  # the plan's warning


def _plan_of(case: Case, actor: User, legs: int) -> RoutePlan:
    """A plan of `legs` legs, alternating through safe houses and areas, each with an escort."""
    plan = plan_services.route_plan_create(actor=actor, case=case)
    for n in range(legs):
        plan.refresh_from_db()
        house = SafeHouseFactory.create(team=case.team)
        area: Area = AreaFactory.create(team=case.team)
        to_house = n % 2 == 0
        plan_services.route_leg_add(
            actor=actor,
            plan=plan,
            version=plan.version,
            data=plan_services.LegInput(
                from_kind=Waypoint.PLACE,
                from_area=area,
                from_place=f"Gate {n}",
                to_kind=Waypoint.SAFE_HOUSE if to_house else Waypoint.SAFE_AREA,
                to_safe_house=house if to_house else None,
                to_area=None if to_house else area,
                to_place="" if to_house else "Camp",
                transport=RouteLeg.Transport.BUS,
                planned_departure=at(1 + 4 * n),
                planned_arrival=at(3 + 4 * n),
                escorts=[actor],
            ),
        )
    plan.refresh_from_db()
    return plan


def _case_page_queries(user: User, case: Case) -> int:
    client = verified_client(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_plan_on_the_case_page_costs_the_same_queries_for_one_leg_or_five(
    volunteer: User, coordinator: User, team: Team
) -> None:
    counts = {}
    for legs in (1, 5):
        case = CaseFactory.create(
            team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
        )
        plan = approved(_plan_of(case, volunteer, legs), drafter=volunteer, approver=coordinator)
        assert plan.legs.count() == legs
        _case_page_queries(volunteer, case)  # warm the per-process caches (data keys)
        counts[legs] = _case_page_queries(volunteer, case)
        assert f"Leg {legs}" in route_section(case_page(volunteer, case))
    assert counts[1] == counts[5], counts


# --- Home panels --------------------------------------------------------------------------------


def home(user: User) -> str:
    response = verified_client(user).get("/")
    assert response.status_code == 200
    return html_of(response)


def test_a_volunteer_sees_the_check_ins_due_and_the_legs_they_escort(
    under_way: RouteLeg, volunteer: User, case: Case
) -> None:
    page = home(volunteer)
    assert count_of(page, "Legs under way you escort") == 1
    assert count_of(page, "Legs under way in your teams") == 1
    assert "Check-ins due" not in page  # the first one is due in an hour
    RouteLeg.objects.filter(pk=under_way.pk).update(
        check_in_due_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    page = home(volunteer)
    assert count_of(page, "Check-ins due") == 1
    assert f'href="{journeys("due")}"' in page
    listed = html_of(verified_client(volunteer).get(journeys("due")))
    assert case.ref in listed and reverse("relocation:leg", args=[under_way.pk]) in listed


def test_a_volunteer_of_another_team_sees_none_of_it(
    under_way: RouteLeg, outsider: User, case: Case
) -> None:
    RouteLeg.objects.filter(pk=under_way.pk).update(check_in_due_at=timezone.now())
    page = home(outsider)
    assert "No journey is under way." in page
    for show in ("due", "under_way", "escorted", "overdue", "flagged", "waiting"):
        listed = verified_client(outsider).get(journeys(show))
        assert listed.status_code == 200 and case.ref not in html_of(listed)


def test_a_coordinator_sees_plans_to_approve_overdue_and_flagged_legs(
    coordinator: User, volunteer: User, team: Team, house: SafeHouse, under_way: RouteLeg
) -> None:
    waiting_case = CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )
    plan = two_legs(actor=volunteer, case=waiting_case, house=house)
    plan_services.route_plan_move(actor=volunteer, plan=plan, move="submit", version=plan.version)
    page = home(coordinator)
    assert count_of(page, "Route plans waiting for approval") == 1
    assert "Overdue legs" not in page and "Legs through a place marked unsafe" not in page
    RouteLeg.objects.filter(pk=under_way.pk).update(
        overdue_at=timezone.now(), flagged_at=timezone.now()
    )
    page = home(coordinator)
    assert count_of(page, "Overdue legs") == 1
    assert count_of(page, "Legs through a place marked unsafe") == 1
    listed = html_of(verified_client(coordinator).get(journeys("waiting")))
    assert waiting_case.ref in listed and reverse("relocation:plan", args=[plan.pk]) in listed
    overdue = html_of(verified_client(coordinator).get(journeys("overdue")))
    assert under_way.case.ref in overdue and "Overdue" in overdue


def test_the_home_panels_cost_one_query_per_count(
    volunteer: User, coordinator: User, team: Team, house: SafeHouse
) -> None:
    def queries(build: Any, user: User) -> int:
        with CaptureQueriesContext(connection) as captured:
            build(user)
        return len(captured)

    before = (queries(journeys_now, volunteer), queries(journeys_waiting, coordinator))
    for _ in range(3):
        case = CaseFactory.create(
            team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
        )
        plan = approved(
            two_legs(actor=volunteer, case=case, house=house, escorts=[volunteer]),
            drafter=volunteer,
            approver=coordinator,
        )
        leg_services.route_leg_start(actor=volunteer, leg=legs_of(plan)[0])
    after = (queries(journeys_now, volunteer), queries(journeys_waiting, coordinator))
    assert before == after == (3, 3)


def test_an_unknown_list_is_a_400_with_its_message(volunteer: User) -> None:
    response = verified_client(volunteer).get(journeys("everything"))
    assert response.status_code == 400
    assert "Select a valid choice" in " ".join(response.context["form"].errors["show"])
