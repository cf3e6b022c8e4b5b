"""The three homes and the API docs on a 360 px phone, in English and Burmese: each says what to
do next, and nothing is wider than the screen. Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from cases.models import Case, CdmRequest
from cases.tests.factories import CaseFactory, CdmRequestFactory
from supportdesk.accounts.models import Team, User
from supportdesk.audit.alerts import alert_raise
from supportdesk.audit.models import AuditAlert
from supportdesk.formatting import in_digits
from tests.browser import journey
from tests.browser.journey import as_user, open_as

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def snap(page: Page, name: str) -> None:
    journey.snap(page, "home", name)


def test_the_volunteers_home(
    live_server: LiveServer, small_phone: Page, volunteer: User, team: Team
) -> None:
    CaseFactory.create(team=team, alias="Special 007", status=Case.Status.LOST_CONTACT, risk=3)
    CaseFactory.create(team=team, alias="Ko Ko")
    language = open_as(small_phone, live_server, volunteer)
    cases = small_phone.locator("ul.cases li")
    assert cases.count() == 2 and "Special 007" in cases.first.inner_text()
    urgent = small_phone.locator(".queue li.urgent .count").first.inner_text()
    assert urgent == in_digits("1", language)  # counts in the language's digits
    assert small_phone.locator("a.button[href='/cases/new/']").is_visible()
    if language == "my":
        assert "Waiting on you" not in small_phone.content()
    snap(small_phone, "volunteer")


def test_the_coordinators_home(
    live_server: LiveServer, small_phone: Page, coordinator: User, team: Team
) -> None:
    vouched = CaseFactory.create(team=team, verification=Case.Verification.VOUCHED)
    CdmRequestFactory.create(
        case=vouched,
        state=CdmRequest.State.SUBMITTED,
        submitted_on=timezone.localdate() - datetime.timedelta(days=90),
    )
    open_as(small_phone, live_server, coordinator)
    counts = small_phone.locator(".queue .count").all_inner_texts()
    assert len(counts) >= 3 and all(count.isdigit() for count in counts)
    small_phone.locator(".queue li.urgent a").first.click()
    assert "cdm=submitted" in small_phone.url
    snap(small_phone, "coordinator-queue-link")
    open_as(small_phone, live_server, coordinator)
    snap(small_phone, "coordinator")


def test_the_administrators_home(
    live_server: LiveServer, small_phone: Page, administrator: User
) -> None:
    alert_raise(kind=AuditAlert.Kind.BULK_READ, dedupe_key="journey", detail="x")
    language = open_as(small_phone, live_server, administrator)
    urgent = small_phone.locator(".queue li.urgent .count").first.inner_text()
    assert urgent == in_digits("1", language)
    assert small_phone.locator("ul.cases").count() == 0
    snap(small_phone, "administrator")


def test_the_api_docs_list_the_operations_under_the_csp(
    live_server: LiveServer, small_phone: Page, volunteer: User
) -> None:
    refused: list[str] = []
    small_phone.on(
        "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
    )
    # Swagger draws the page after it loads: it is measured once drawn, in `snap`.
    as_user(small_phone, live_server, volunteer)
    small_phone.goto(f"{live_server.url}/api/docs/")
    small_phone.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = small_phone.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/cases/" in path for path in paths)
    assert refused == []
    snap(small_phone, "api-docs")
