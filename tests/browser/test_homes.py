"""The three homes with the demo data on a 360 px phone, in English and Burmese: what each person
sees first, and one thing each does from there. Counts are in the language's digits.
Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditAlert
from supportdesk.formatting import in_digits
from supportdesk.testing import verified_client
from tests.page_walk import compiled_catalogue, demo_data

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
WIDTH = 360


@pytest.fixture
def home_of(
    live_server: LiveServer,
    small_phone: Page,
    settings: Any,
    tmp_path_factory: pytest.TempPathFactory,
):
    """Open the home of a demo account on the phone; returns the page's language."""
    folder = compiled_catalogue(tmp_path_factory.getbasetemp() / "locale")
    if folder is not None:
        settings.LOCALE_PATHS = [folder]
    demo_data()

    def open_home(username: str) -> str:
        client = verified_client(User.objects.get(username=username))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        small_phone.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        small_phone.goto(f"{live_server.url}/")
        assert_fits(small_phone)
        return str(small_phone.evaluate("document.documentElement.lang"))

    return open_home


def assert_fits(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width}px wide"


def snap(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        language = page.evaluate("document.documentElement.lang")
        page.screenshot(path=str(Path(folder) / f"homes-{name}-{language}.png"), full_page=True)


def queue(page: Page, link: str) -> str:
    """The count shown on the queue item that links to `link`."""
    return page.locator(f".queue a[href='{link}'] .count").inner_text()


def test_the_volunteer_sees_who_is_in_danger_first_and_starts_a_case(
    home_of, small_phone: Page
) -> None:
    language = home_of("volunteer")
    page = small_phone
    cases = page.locator("ul.cases li .alias").all_inner_texts()
    assert len(cases) == 8 and cases[0] in {"Crane (demo)", "Heron (demo)"}
    urgent = page.locator(".queue li.urgent .count")
    assert urgent.first.inner_text() == in_digits("1", language)  # lost contact
    snap(page, "volunteer")
    page.locator("a.button[href='/cases/new/']").click()
    assert page.url.endswith("/cases/new/")
    assert page.locator("form input[name=alias]").is_visible()
    assert_fits(page)
    snap(page, "volunteer-new-case")


def test_the_coordinator_sees_queues_with_counts_and_opens_the_duplicates(
    home_of, small_phone: Page
) -> None:
    language = home_of("coordinator")
    page = small_phone
    counts = page.locator(".queue .count").all_inner_texts()
    assert len(counts) >= 3
    assert all(count == in_digits(count.translate(ASCII), language) for count in counts)
    assert queue(page, "/cases/duplicates/") == in_digits("1", language)
    snap(page, "coordinator")
    page.locator(".queue a[href='/cases/duplicates/']").click()
    assert page.url.endswith("/cases/duplicates/")
    shown = page.locator("main").inner_text()
    assert "Myna (demo)" in shown and "Myna Lay (demo)" in shown
    assert in_digits("401", language) in shown  # the matched phone's last digits
    assert_fits(page)
    snap(page, "coordinator-duplicates")


ASCII = str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")


def test_the_administrator_sees_the_access_alert_and_acknowledges_it(
    home_of, small_phone: Page
) -> None:
    language = home_of("admin")
    page = small_phone
    assert page.locator("ul.cases").count() == 0  # no case data for an administrator
    assert page.locator(".queue li.urgent .count").first.inner_text() == in_digits("1", language)
    snap(page, "administrator")
    page.locator(".queue li.urgent a").first.click()
    alert = AuditAlert.objects.get()
    if page.url.endswith("/audit/alerts/"):
        page.locator(f"a[href='/audit/alerts/{alert.pk}/']").click()
    page.locator(f"form[action='/audit/alerts/{alert.pk}/acknowledge/'] button").click()
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert not alert.is_open
    assert_fits(page)
    snap(page, "administrator-acknowledged")
