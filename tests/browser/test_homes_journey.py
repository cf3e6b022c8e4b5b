"""The three homes and the API docs on a 360 px phone, in English and Burmese: each says what to
do next, and nothing is wider than the screen. Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.utils import timezone

from cases.models import Case, CdmRequest
from cases.tests.factories import CaseFactory, CdmRequestFactory
from supportdesk.accounts.models import Team, User
from supportdesk.audit.alerts import alert_raise
from supportdesk.audit.models import AuditAlert
from supportdesk.formatting import in_digits
from supportdesk.testing import verified_client

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
WIDTH = 360


def open_as(page: Page, live_server: LiveServer, user: User, path: str = "/") -> str:
    session = verified_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width}px wide"
    return str(page.evaluate("document.documentElement.lang"))


def snap(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        language = page.evaluate("document.documentElement.lang")
        page.screenshot(path=str(Path(folder) / f"home-{name}-{language}.png"), full_page=True)


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
    open_as(small_phone, live_server, volunteer, "/api/docs/")
    small_phone.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = small_phone.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/cases/" in path for path in paths)
    assert refused == []
    snap(small_phone, "api-docs")
