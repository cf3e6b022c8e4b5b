"""What the phone journeys share: entering as a user without typing a password and a code, and a
screenshot that first proves the page fits the 360 px screen and is not blank."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from supportdesk.accounts.models import User
from supportdesk.testing import verified_client

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

WIDTH = 360


def as_user(page: Page, live_server: LiveServer, user: User) -> None:
    """The browser carries the session of `user`, logged in and verified."""
    page.context.clear_cookies()
    session = verified_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width}px wide"
    assert page.locator("main").inner_text().strip(), f"{page.url} is blank"


def snap(page: Page, journey: str, name: str) -> None:
    """Check the page fits, then keep it as $SCREENSHOT_DIR/<journey>-<name>-<language>.png."""
    fits(page)
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        language = page.evaluate("document.documentElement.lang")
        page.screenshot(path=str(Path(folder) / f"{journey}-{name}-{language}.png"), full_page=True)
