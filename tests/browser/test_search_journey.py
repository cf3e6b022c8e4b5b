"""Finding a case on a 360 px phone, in English and Burmese, from the box in every page's header:
by a phone typed in another format than it was recorded in, and by the reference everyone sees.
The query never reaches the address bar. Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cases.models import Case
from supportdesk.accounts.models import User
from supportdesk.formatting import in_digits
from tests.browser import journey
from tests.browser.journey import fits
from tests.page_walk import demo_data

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def volunteer_on_phone(live_server: LiveServer, small_phone: Page, burmese: None) -> Page:
    """The demo volunteer, logged in on a 360 px phone, on their home."""
    demo_data()
    journey.open_as(small_phone, live_server, User.objects.get(username="volunteer"))
    return small_phone


def snap(page: Page, name: str) -> None:
    journey.snap(page, "search", name)


def search_from_the_header(page: Page, query: str) -> list[str]:
    """Type in the header's box, tap Find; the aliases found."""
    page.fill("#header-search-q", query)
    page.locator("#header-search-q").press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith("/cases/search/")  # POST: the query is not in the address
    assert query not in page.url
    fits(page)
    return page.locator("ul.cases li .alias").all_inner_texts()


def test_a_phone_typed_in_another_format_finds_the_case(volunteer_on_phone: Page) -> None:
    page = volunteer_on_phone
    # Recorded as "09 790 000 401" (Myna) and "+95 9 790 000 401" (Myna Lay's Viber).
    found = search_from_the_header(page, "+95 9790 000401")
    assert sorted(found) == ["Myna (demo)", "Myna Lay (demo)"]
    snap(page, "phone-international")
    found = search_from_the_header(page, in_digits("09-790-000-401", "my"))  # Myanmar digits
    assert sorted(found) == ["Myna (demo)", "Myna Lay (demo)"]
    snap(page, "phone-myanmar-digits")
    page.locator("ul.cases li a").first.click()
    assert page.locator("h1").inner_text().startswith("Myna")


def test_the_reference_finds_the_case(volunteer_on_phone: Page) -> None:
    page = volunteer_on_phone
    egret = next(case for case in Case.objects.all() if case.alias == "Egret (demo)")
    found = search_from_the_header(page, egret.ref)
    assert found == ["Egret (demo)"]
    snap(page, "reference")
    found = search_from_the_header(page, "Nobody (demo)")
    assert found == []
    assert page.locator("[role=status]").is_visible()
    snap(page, "nothing-found")
