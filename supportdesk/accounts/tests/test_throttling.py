from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from supportdesk.accounts.tests.factories import PASSWORD, UserFactory
from supportdesk.testing import current_code, enrol_totp

pytestmark = pytest.mark.django_db

LOGIN, OTP = "/accounts/login/", "/accounts/two-factor/"


def fail_password(client: Client, username: str, times: int) -> list[int]:
    """Wrong passwords, spaced a minute apart so the growing delay never blocks them."""
    statuses = []
    start = timezone.now() + timedelta(minutes=1)
    for attempt in range(times):
        with time_machine.travel(start + timedelta(minutes=attempt)):
            response = client.post(LOGIN, {"username": username, "password": "not the password"})
            statuses.append(response.status_code)
    return statuses


def test_repeated_failures_slow_down_then_lock_the_account(client: Client, volunteer) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            assert (
                client.post(LOGIN, {"username": "volunteer", "password": "nope"}).status_code == 400
            )
        # Slowed down: an immediate fourth try is refused, even with the right password.
        response = client.post(LOGIN, {"username": "volunteer", "password": PASSWORD})
        assert response.status_code == 429
        clock.shift(2)
        assert client.post(LOGIN, {"username": "volunteer", "password": "nope"}).status_code == 400
    assert fail_password(client, "volunteer", 2) == [400, 400]
    # Six failures: locked, and the right password does not help until the lock expires.
    response = client.post(LOGIN, {"username": "volunteer", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


def test_locking_one_account_does_not_block_another(client: Client, volunteer) -> None:
    UserFactory.create(username="colleague")
    fail_password(client, "volunteer", 6)
    assert client.post(LOGIN, {"username": "volunteer", "password": PASSWORD}).status_code == 429
    # Same client, same IP: the colleague still logs in.
    response = Client().post(LOGIN, {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 302


def test_the_lock_expires(client: Client, volunteer, settings) -> None:
    settings.LOGIN_LOCK_SECONDS = 1  # the lock lives as the cache entries' TTL in Redis
    fail_password(client, "volunteer", 6)
    assert client.post(LOGIN, {"username": "volunteer", "password": PASSWORD}).status_code == 429
    time.sleep(1.5)
    assert client.post(LOGIN, {"username": "volunteer", "password": PASSWORD}).status_code == 302


def test_unknown_usernames_are_throttled_like_known_ones(client: Client, db) -> None:
    assert fail_password(client, "nobody", 6) == [400] * 6
    response = client.post(LOGIN, {"username": "nobody", "password": "anything at all"})
    assert response.status_code == 429


def test_many_failures_from_one_ip_lock_that_ip(client: Client, volunteer, settings) -> None:
    settings.LOGIN_IP_LOCK_AFTER = 8
    for n in range(8):
        client.post(LOGIN, {"username": f"guess{n}", "password": "spray attempt"})
    response = client.post(LOGIN, {"username": "volunteer", "password": PASSWORD})
    assert response.status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert elsewhere.post(LOGIN, {"username": "volunteer", "password": PASSWORD}).status_code == 302


def test_wrong_two_factor_codes_count_towards_the_lock(client: Client, volunteer) -> None:
    device = enrol_totp(volunteer)
    client.post(LOGIN, {"username": "volunteer", "password": PASSWORD})
    start = timezone.now()
    for attempt in range(6):
        with time_machine.travel(start + timedelta(minutes=attempt)):
            assert client.post(OTP, {"code": "000000"}).status_code == 400
    with time_machine.travel(start + timedelta(minutes=7)):
        response = client.post(OTP, {"code": current_code(device)})
    assert response.status_code == 429


def test_the_api_answers_a_locked_account_with_json(volunteer) -> None:
    enrol_totp(volunteer)
    api = APIClient()
    start = timezone.now()
    for attempt in range(6):
        with time_machine.travel(start + timedelta(minutes=attempt)):
            response = api.post(
                "/api/v1/auth/token/",
                {"username": "volunteer", "password": "wrong", "otp": "123456"},
                format="json",
            )
            assert response.status_code == 400
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "volunteer", "password": PASSWORD, "otp": "123456"},
        format="json",
    )
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "Too many failed attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_behind_the_proxy_the_forwarded_address_is_the_client(volunteer, settings) -> None:
    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    settings.LOGIN_IP_LOCK_AFTER = 3
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for n in range(3):
        attacker.post(LOGIN, {"username": f"guess{n}", "password": "spray attempt"})
    assert attacker.post(LOGIN, {"username": "volunteer", "password": PASSWORD}).status_code == 429
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert colleague.post(LOGIN, {"username": "volunteer", "password": PASSWORD}).status_code == 302


def test_a_client_cannot_choose_its_address_when_not_behind_the_proxy(volunteer, settings) -> None:
    settings.TRUSTED_PROXIES = frozenset()
    settings.LOGIN_IP_LOCK_AFTER = 3
    for n in range(3):
        spoofed = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        spoofed.post(LOGIN, {"username": f"guess{n}", "password": "spray attempt"})
    again = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert again.post(LOGIN, {"username": "volunteer", "password": PASSWORD}).status_code == 429
