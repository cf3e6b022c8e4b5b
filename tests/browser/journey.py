"""What the phone journeys share: entering as a user without typing a password and a code (the
login form itself is walked through in test_login_journey.py), the check that a page fits the
screen and is not blank, and screenshots.

Screenshots go to $SCREENSHOT_DIR when it is set, named <journey>-<name>-<language>.png."""

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

WIDTH = 360  # the `small_phone` fixture, the narrowest phone volunteers use
PHONE_WIDTH = 390  # the `phone` fixture


def as_user(page: Page, live_server: LiveServer, user: User) -> None:
    """The browser carries the session of `user`, logged in and verified."""
    page.context.clear_cookies()
    session = verified_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def open_as(page: Page, live_server: LiveServer, user: User, path: str = "/") -> str:
    """`path` opened as `user`, checked to fit the 360 px screen; returns the page's language."""
    as_user(page, live_server, user)
    page.goto(f"{live_server.url}{path}")
    fits(page)
    return language(page)


def language(page: Page) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def width(page: Page) -> int:
    """How wide the document is: a table may scroll inside its card, the page never sideways."""
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def fits(page: Page, screen: int = WIDTH) -> None:
    wide = width(page)
    assert wide <= screen, f"{page.url} is {wide}px wide"
    # The API docs are Swagger's page, not ours: no <main>, so the whole body is read there.
    content = page.locator("main") if page.locator("main").count() else page.locator("body")
    assert content.inner_text().strip(), f"{page.url} is blank"


def snap(page: Page, journey: str, name: str = "", *, screen: int = WIDTH) -> None:
    """Check the page fits `screen` and is not blank, then keep a screenshot of it."""
    fits(page, screen)
    keep(page, journey, name)


def keep(page: Page, journey: str, name: str = "") -> None:
    """A screenshot of the whole page, kept as $SCREENSHOT_DIR/<journey>-<name>-<language>.png."""
    folder = _folder()
    if folder:
        page.screenshot(path=str(folder / _file(page, journey, name)), full_page=True)


def keep_cards(page: Page, journey: str, name: str) -> None:
    """A long page, one screenshot per card to read at full size: <journey>-<name>-part<n>-..."""
    folder = _folder()
    if folder:
        for number, card in enumerate(page.locator("main > .card").all()):
            card.screenshot(path=str(folder / _file(page, journey, f"{name}-part{number}")))


def _folder() -> Path | None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def _file(page: Page, journey: str, name: str) -> str:
    # Swagger's page names no language: the browser's then, so English and Burmese runs keep both.
    shown = language(page) or str(page.evaluate("navigator.language"))
    return "-".join(part for part in (journey, name, shown) if part) + ".png"
