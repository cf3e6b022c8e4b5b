"""A new volunteer's first login on a phone: password, authenticator set-up, backup codes, home;
then a later login with a backup code, typed into the forms as a person would. Nothing is wider
than the phone. Screenshots go to $SCREENSHOT_DIR when it is set (login-<name>-en.png)."""

from __future__ import annotations

import re
from base64 import b32decode
from typing import TYPE_CHECKING

import pytest
from django_otp.oath import totp

from supportdesk.accounts.models import TOTPDevice, User
from supportdesk.accounts.tests.factories import PASSWORD
from tests.browser import journey
from tests.browser.journey import PHONE_WIDTH

if TYPE_CHECKING:
    # Only for annotations: Playwright is imported by the browser fixture (conftest.py).
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def snap(page: Page, name: str) -> None:
    journey.snap(page, "login", name, screen=PHONE_WIDTH)


def code_for_key(key: str) -> str:
    padded = key + "=" * (-len(key) % 8)
    return f"{totp(b32decode(padded)):06d}"


def test_first_login_sets_up_two_factor_and_a_backup_code_works_later(
    live_server: LiveServer, phone: Page, volunteer: User
) -> None:
    page = phone
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    snap(page, "1-login")
    page.fill("input[name=username]", "volunteer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Continue')")

    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator(".qr svg").count() == 1
    snap(page, "2-enrol")
    key = page.locator("code.key").inner_text().strip()
    page.fill("input[name=code]", code_for_key(key))
    page.click("button[type=submit]:has-text('Confirm')")

    codes = re.findall(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content())
    assert len(codes) == 10
    snap(page, "3-backup-codes")
    page.click("text=I have written them down")
    assert page.locator("h1").inner_text().startswith("Hello")
    assert TOTPDevice.objects.filter(user=volunteer, confirmed=True).count() == 1
    snap(page, "4-home")

    page.click("button:has-text('Log out')")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "volunteer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Continue')")
    assert page.url.startswith(f"{live_server.url}/accounts/two-factor/")
    page.fill("input[name=code]", codes[0])
    page.click("button[type=submit]:has-text('Log in')")
    assert page.locator("h1").inner_text().startswith("Hello")


def test_a_wrong_password_shows_one_plain_sentence(
    live_server: LiveServer, phone: Page, db: None
) -> None:
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "someone")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]:has-text('Continue')")
    assert "Username or password is not right." in page.content()
    snap(page, "5-wrong-password")
