"""Browser journeys in the system Chromium (Playwright cannot download browsers here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.page_walk import compiled_catalogue

if TYPE_CHECKING:
    # Only for annotations: Playwright itself is imported inside the fixture, once Chromium is
    # known to be there.
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}: .ci/run should have installed it.")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still synchronous, so Django's async guard must stand aside.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page the size of a volunteer's phone."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(params=["en", "my"])
def small_phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page 360 px wide, the narrowest phone volunteers use, in English and in Burmese."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=request.param)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def burmese(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Burmese as the lead's catalogue has it now (compiled into a temporary folder)."""
    folder = compiled_catalogue(tmp_path_factory.getbasetemp() / "locale")
    if folder is not None:
        settings.LOCALE_PATHS = [folder]
