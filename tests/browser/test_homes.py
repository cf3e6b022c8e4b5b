"""The three homes with the demo data on a 360 px phone, in English and Burmese: what each person
sees first, and one thing each does from there. Counts are in the language's digits.
Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditAlert
from supportdesk.formatting import in_digits
from tests.browser import journey
from tests.page_walk import demo_data

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def home_of(live_server: LiveServer, small_phone: Page, burmese: None) -> Callable[[str], str]:
    """Open the home of a demo account on the phone; returns the page's language."""
    demo_data()

    def open_home(username: str) -> str:
        return journey.open_as(small_phone, live_server, User.objects.get(username=username))

    return open_home


def snap(page: Page, name: str) -> None:
    journey.snap(page, "homes", name)


def queue(page: Page, link: str) -> str:
    """The count shown on the queue item that links to `link`."""
    return page.locator(f".queue a[href='{link}'] .count").inner_text()


def test_the_volunteer_sees_who_is_in_danger_first_and_starts_a_case(
    home_of: Callable[[str], str], small_phone: Page
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
    snap(page, "volunteer-new-case")


def test_the_coordinator_sees_queues_with_counts_and_opens_the_duplicates(
    home_of: Callable[[str], str], small_phone: Page
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
    snap(page, "coordinator-duplicates")


ASCII = str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")


def test_the_administrator_sees_the_access_alert_and_acknowledges_it(
    home_of: Callable[[str], str], small_phone: Page
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
    snap(page, "administrator-acknowledged")
