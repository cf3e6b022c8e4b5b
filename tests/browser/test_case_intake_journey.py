"""A volunteer records a case on a phone, finds it in the list, adds the wife and a threat
against her, and sees the case's risk go up to high. Nothing is wider than the phone.
Screenshots go to $SCREENSHOT_DIR when set (case-<name>-en.png)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pytest

from cases.models import Case, FamilyMember, Risk, SecurityFlag
from supportdesk.accounts.models import Team, User
from tests.browser import journey
from tests.browser.journey import PHONE_WIDTH, as_user

if TYPE_CHECKING:
    # Only for annotations: Playwright is imported by the browser fixture (conftest.py).
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def snap(page: Page, name: str) -> None:
    """No sideways scrolling: nothing on the page is wider than the phone; then a screenshot."""
    journey.snap(page, "case", name, screen=PHONE_WIDTH)


def test_a_volunteer_records_a_case_and_a_threat_to_his_wife_on_a_phone(
    live_server: LiveServer, phone: Page, volunteer: User
) -> None:
    page = phone
    as_user(page, live_server, volunteer)
    page.goto(f"{live_server.url}/cases/")
    assert "No cases in your teams yet." in page.content()
    snap(page, "1-empty-list")

    page.click("a.button:has-text('New case')")
    assert page.url.endswith("/cases/new/")
    snap(page, "2-intake")
    page.fill("input[name=alias]", "Special 007")
    page.select_option("select[name=service_branch]", "army")
    page.fill("input[name=rank]", "Corporal")
    page.fill("input[name=date_left]", "2021-03-14")
    page.fill("input[name=current_area]", "Sagaing region")
    page.select_option("select[name=contact_method]", "messaging_app")
    page.select_option("select[name=contact_1_kind]", "phone")
    page.fill("input[name=contact_1_value]", "12345")  # a mistyped number first
    page.check("input[name=needs][value=food]")
    page.check("input[name=needs][value=shelter]")
    page.check("input[name=languages][value=my]")
    page.click("button:has-text('Record case')")

    assert "Nothing was saved" in page.content()
    assert page.locator(".field.invalid input[name=contact_1_value]").count() == 1
    assert not Case.objects.exists()
    snap(page, "3-intake-refused")
    page.fill("input[name=contact_1_value]", "09 420 123456")
    page.click("button:has-text('Record case')")

    case = Case.objects.get()
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert "The case is recorded." in page.content()
    assert page.locator("h1").inner_text() == "Special 007"
    assert page.locator(".risk").first.inner_text() == "Risk: Low"
    snap(page, "4-case-page")

    page.click("a:has-text('Cases')")
    item = page.locator("li.case", has_text="Special 007")
    assert item.count() == 1 and "Risk: Low" in item.inner_text()
    item.click()
    assert page.url.endswith(f"/cases/{case.pk}/")

    page.click("summary:has-text('Add a family member')")
    page.select_option("#family-add select[name=relation]", "spouse")
    page.fill("#family-add input[name=name]", "Ma Hla")
    page.fill("#family-add input[name=location]", "Monywa")
    page.fill("#family-add input[name=phone]", "09 420 555666")
    snap(page, "5-family-form")
    page.click("#family-add button:has-text('Add')")
    assert "Family member added." in page.content()
    member = FamilyMember.objects.get(case=case)

    page.click("summary:has-text('Record a risk to this person')")
    today = datetime.date.today()
    page.select_option(".member select[name=kind]", "threatened")
    page.select_option(".member select[name=severity]", "3")
    page.fill(".member input[name=observed_on]", today.isoformat())
    page.fill(".member input[name=review_on]", (today + datetime.timedelta(days=7)).isoformat())
    page.fill(".member textarea[name=source]", "Her sister, by phone")
    snap(page, "6-flag-form")
    page.click(".member button:has-text('Record risk')")

    assert "Risk recorded." in page.content()
    assert page.locator(".risk").first.inner_text() == "Risk: High"
    assert page.locator(".flag", has_text="Threatened").count() == 1
    assert SecurityFlag.objects.get(family_member=member).kind == SecurityFlag.Kind.THREATENED
    case.refresh_from_db()
    assert case.risk == Risk.HIGH
    snap(page, "7-risk-high")

    page.click("a:has-text('Cases')")
    assert "Risk: High" in page.locator("li.case", has_text="Special 007").inner_text()
    snap(page, "8-list-high")


def test_a_coordinators_pages_fit_a_phone(
    live_server: LiveServer, phone: Page, coordinator: User, volunteer: User, team: Team
) -> None:
    """Every form of a coordinator's case page opened, the duplicates and statistics pages:
    nothing wider than the phone."""
    from cases.models import CdmRequest, DuplicateFlag
    from cases.tests.factories import CaseFactory, CdmRequestFactory, SecurityFlagFactory

    case = CaseFactory.create(
        team=team,
        alias="Special 012",
        verification=Case.Verification.VOUCHED,
        status=Case.Status.HIDING,
        notes="Moved twice this week; the second safe house was watched.",
    )
    SecurityFlagFactory.create(family_member__case=case, kind=SecurityFlag.Kind.DETAINED)
    CdmRequestFactory.create(case=case, state=CdmRequest.State.SUBMITTED)
    older = CaseFactory.create(
        team=team, alias="Special 003", verification=Case.Verification.VERIFIED
    )
    DuplicateFlag.objects.create(case=case, other=older, matched_on="phone")
    page = phone
    as_user(page, live_server, coordinator)

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("details").evaluate_all("all => all.forEach(d => { d.open = true; })")
    snap(page, "9-coordinator-case-page")
    journey.keep_cards(page, "case", "9")

    page.click("#transition button:has-text('Change status')")  # pressed before choosing
    assert "Status changed" not in page.content()
    case.refresh_from_db()
    assert case.status == Case.Status.HIDING
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.click("summary:has-text('Verify')")
    page.click("#verify button:has-text('Verify')")
    assert "The case is verified." in page.content()

    page.goto(f"{live_server.url}/cases/?status=hiding")
    snap(page, "10-filtered-list")
    page.click("a:has-text('Duplicates')")
    assert "Special 012" in page.content() and "Special 003" in page.content()
    snap(page, "11-duplicates")
    page.click("a:has-text('Statistics')")
    snap(page, "12-statistics")
