"""No page is wider than a 360 px phone, in English or Burmese, for any of the three roles.

Every page is found from the URL resolver and filled with the demo data (tests/page_walk.py); a
page that renders the same templates as one already seen is measured once. The width measured is
the document's (`document.scrollingElement.scrollWidth`): a table may scroll inside its card, the
page itself never sideways. Screenshots of every page go to $SCREENSHOT_DIR when set.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from supportdesk.accounts.models import User
from tests.browser import journey
from tests.browser.journey import WIDTH, as_user
from tests.page_walk import DEMO_USERS, demo_data, pages_for

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
# The element that sticks out furthest on the right, to name in the failure.
WIDEST = """() => {
  let widest = null, right = 0;
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.right > right && box.width > 0) { right = box.right; widest = element; }
  }
  if (!widest) return '';
  const name = typeof widest.className === 'string' ? widest.className.trim() : '';
  const classes = name ? '.' + name.replace(/\\s+/g, '.') : '';
  return widest.tagName.toLowerCase() + classes + ' ' + Math.round(right) + 'px';
}"""


@pytest.mark.parametrize("username", DEMO_USERS)
def test_no_page_is_wider_than_a_360_px_phone(
    live_server: LiveServer, small_phone: Page, burmese: None, username: str
) -> None:
    demo_data()
    user = User.objects.get(username=username)
    pages = pages_for(user)
    assert len(pages) >= 10, f"only {len(pages)} pages found for {username}"
    as_user(small_phone, live_server, user)
    too_wide = []
    for route, path in pages:
        small_phone.goto(f"{live_server.url}{path}")
        width = journey.width(small_phone)
        name = f"{username}-{re.sub(r'[^a-z]+', '-', route.name or 'home').strip('-')}"
        journey.keep(small_phone, "width", name)
        if width > WIDTH:
            too_wide.append(f"{path}: {width}px ({small_phone.evaluate(WIDEST)})")
    language = journey.language(small_phone)
    assert not too_wide, f"wider than {WIDTH}px as {username} in {language}:\n" + "\n".join(
        too_wide
    )
