"""Finding a case on a 360 px phone, in English and Burmese, from the box in every page's header:
by a phone typed in another format than it was recorded in, and by the reference everyone sees.
The query never reaches the address bar. Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cases.models import Case
from supportdesk.accounts.models import User
from supportdesk.formatting import in_digits
from supportdesk.testing import verified_client
from tests.page_walk import compiled_catalogue, demo_data

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
WIDTH = 360


@pytest.fixture
def volunteer_on_phone(
    live_server: LiveServer,
    small_phone: Page,
    settings: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Page:
    """The demo volunteer, logged in on a 360 px phone, on their home."""
    folder = compiled_catalogue(tmp_path_factory.getbasetemp() / "locale")
    if folder is not None:
        settings.LOCALE_PATHS = [folder]
    demo_data()
    session = verified_client(User.objects.get(username="volunteer")).cookies[
        settings.SESSION_COOKIE_NAME
    ]
    small_phone.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": live_server.url}]
    )
    small_phone.goto(f"{live_server.url}/")
    return small_phone


def snap(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        language = page.evaluate("document.documentElement.lang")
        page.screenshot(path=str(Path(folder) / f"search-{name}-{language}.png"), full_page=True)


def search_from_the_header(page: Page, query: str) -> list[str]:
    """Type in the header's box, tap Find; the aliases found."""
    page.fill("#header-search-q", query)
    page.locator("#header-search-q").press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith("/cases/search/")  # POST: the query is not in the address
    assert query not in page.url
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, f"the results are {width}px wide"
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
