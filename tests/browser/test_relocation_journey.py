"""A journey on a 360 px phone, in English and Burmese: a volunteer drafts a route through a safe
house from the case page, a coordinator approves it, the escort sees the plan on the case page,
starts the first leg and checks in with one tap; then a coordinator marks the house compromised
(asked twice) and the case page shows the route flagged. Nothing is wider than the screen.
Screenshots go to $SCREENSHOT_DIR."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone, translation

from cases.models import Case
from cases.tests.factories import CaseFactory
from relocation.models import CheckIn, RouteLeg, RoutePlan, SafeHouse
from relocation.tests.factories import AreaFactory, SafeHouseFactory
from supportdesk import formatting
from supportdesk.accounts.models import Team, User
from supportdesk.followups.sweep import followups_sweep
from tests.browser import journey
from tests.browser.journey import as_user

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
LOCAL = "%Y-%m-%dT%H:%M"


def snap(page: Page, name: str) -> None:
    journey.snap(page, "relocation", name)


def when(hours: int) -> str:
    return timezone.localtime(timezone.now() + datetime.timedelta(hours=hours)).strftime(LOCAL)


def add_leg(page: Page, **fields: str) -> None:
    page.click("a.button[href$='/legs/new/']")
    snap(page, "leg-form")
    for name, value in fields.items():
        if name == "escorts":
            page.check(f"input[name=escorts][value='{value}']")
        elif name.endswith(("_kind", "_area", "_safe_house", "transport")):
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"[name={name}]", value)
    page.click("form.card button[type=submit]")
    assert "/plans/" in page.url and "/legs/" not in page.url, page.content()


def test_a_journey_through_a_safe_house_is_drafted_approved_started_and_checked_in(
    live_server: LiveServer,
    small_phone: Page,
    team: Team,
    volunteer: User,
    coordinator: User,
) -> None:
    page = small_phone
    case = CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )
    house = SafeHouseFactory.create(team=team, code_name="Mango")
    start = AreaFactory.create(team=team, township="Monywa")
    safe = AreaFactory.create(team=team, township="Liberated")

    # The volunteer drafts the plan from the case page.
    as_user(page, live_server, volunteer)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.click(f"a[href='/relocation/cases/{case.pk}/plans/']")
    snap(page, "case-plans-empty")
    page.click("form[action$='/plans/'] button[type=submit]")
    plan = RoutePlan.objects.get(case=case)
    assert page.url.endswith(f"/relocation/plans/{plan.pk}/")
    add_leg(
        page,
        from_kind="place",
        from_area=str(start.pk),
        from_place="Bus station",
        to_kind="safe_house",
        to_safe_house=str(house.pk),
        transport="motorbike",
        planned_departure=when(1),
        planned_arrival=when(3),
        cover_story="Visiting an aunt",
        escorts=str(volunteer.pk),
    )
    add_leg(
        page,
        from_kind="safe_house",
        from_safe_house=str(house.pk),
        to_kind="safe_area",
        to_area=str(safe.pk),
        to_place="Camp",
        transport="foot",
        planned_departure=when(10),
        planned_arrival=when(14),
    )
    assert page.locator("ol.legs li.leg").count() == 2
    assert "Mango" in page.locator("ol.legs").inner_text()
    page.click("button[value=submit]")
    snap(page, "plan-submitted")
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.SUBMITTED
    assert page.locator("button[value=approve]").count() == 0

    # A coordinator who did not draft it approves it.
    as_user(page, live_server, coordinator)
    page.goto(f"{live_server.url}/relocation/plans/{plan.pk}/")
    snap(page, "plan-to-approve")
    page.click("button[value=approve]")
    plan.refresh_from_db()
    assert plan.approval == RoutePlan.Approval.APPROVED and plan.approved_by == coordinator

    # The escort sees the approved plan on the case page and starts the first leg from there.
    as_user(page, live_server, volunteer)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    route = page.locator("#route")
    assert route.locator("ol.legs li.leg").count() == 2
    assert "Mango" in route.inner_text() and "12 Hidden Lane" not in route.inner_text()
    first = RouteLeg.objects.get(plan=plan, position=0)
    with translation.override(journey.language(page)):
        leaves = formatting.when(first.planned_departure)
    assert leaves in route.inner_text()  # the reader's date format, in the reader's digits
    route.scroll_into_view_if_needed()
    snap(page, "case-route-approved")
    page.click("#route-next button")
    leg = RouteLeg.objects.get(plan=plan, position=0)
    assert page.url.endswith(f"/relocation/legs/{leg.pk}/")
    snap(page, "leg-started")
    assert leg.state == RouteLeg.State.UNDER_WAY
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_TRANSIT
    button = page.locator(".checkin-button")
    assert button.is_visible() and button.bounding_box()["height"] >= 80  # type: ignore[index]
    snap(page, "leg-under-way")
    button.click()
    assert CheckIn.objects.filter(leg=leg, by=volunteer).count() == 1
    assert page.locator(".notice.success").count() == 1
    snap(page, "checked-in")

    # The volunteer's case is on its way to the house: its address is shown to them now.
    page.goto(f"{live_server.url}/relocation/safe-houses/{house.pk}/")
    assert "12 Hidden Lane" in page.locator("#secrets").inner_text()
    assert page.locator("#compromise").count() == 0  # a coordinator's step
    snap(page, "house-revealed")

    # The house is no longer safe: a coordinator marks it compromised, and is asked once more.
    as_user(page, live_server, coordinator)
    page.goto(f"{live_server.url}/relocation/safe-houses/")
    snap(page, "houses")
    page.click("a[href='/relocation/safe-houses/new/']")
    snap(page, "house-add")  # the form a coordinator adds a house with, at 360 px
    page.goto(f"{live_server.url}/relocation/areas/")
    page.click(f"#area-{start.pk} summary")
    snap(page, "areas")
    page.goto(f"{live_server.url}/relocation/safe-houses/")
    page.click(f"a[href='/relocation/safe-houses/{house.pk}/']")
    page.click("#compromise summary")
    page.fill("#compromise textarea[name=reason]", "The owner was taken for questioning")
    snap(page, "house-compromise")
    page.click("#compromise button.danger")
    assert page.locator(".confirm").count() == 1
    assert SafeHouse.objects.get(pk=house.pk).status == SafeHouse.Status.ACTIVE
    snap(page, "house-compromise-confirm")
    page.click(".confirm button.danger")
    assert SafeHouse.objects.get(pk=house.pk).status == SafeHouse.Status.COMPROMISED
    assert page.locator(".notice.error").count() == 1  # "This house is compromised"
    snap(page, "house-compromised")

    # Within one sweep the journey through it is flagged; the case page says so.
    followups_sweep()
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("#route .notice.error").count() == 1
    page.locator("#route").scroll_into_view_if_needed()
    snap(page, "case-route-flagged")
