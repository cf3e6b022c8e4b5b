"""Test personas, login helpers and a race runner, shared by every app's tests (loaded from the
root conftest).

The personas: `volunteer` and `coordinator` on `team`; `outsider`, a volunteer on `other_team`;
`administrator`, on no team. Every endpoint gets an "outsider gets 404" test with them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from rest_framework.test import APIClient

from supportdesk.accounts import services
from supportdesk.accounts.models import Team, TOTPDevice, User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory, UserFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

    # What a test client's request returns: the response with `content`, `context`, `json()` and
    # `redirect_chain`. django-stubs' name, so for annotations only (import it under TYPE_CHECKING).
    ClientResponse: TypeAlias = _MonkeyPatchedWSGIResponse


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    # Login throttling counts live in the cache: each test starts with none.
    cache.clear()


@pytest.fixture
def team(db: None) -> Team:
    return TeamFactory.create(name="Team North")


@pytest.fixture
def other_team(db: None) -> Team:
    return TeamFactory.create(name="Team South")


@pytest.fixture
def volunteer(team: Team) -> User:
    return MembershipFactory.create(team=team, user__username="volunteer").user


@pytest.fixture
def coordinator(team: Team) -> User:
    return MembershipFactory.create(
        team=team, user__username="coordinator", user__role=User.Role.COORDINATOR
    ).user


@pytest.fixture
def outsider(other_team: Team) -> User:
    return MembershipFactory.create(team=other_team, user__username="outsider").user


@pytest.fixture
def administrator(db: None) -> User:
    return UserFactory.create(username="administrator", role=User.Role.ADMINISTRATOR)


def enrol_totp(user: User) -> TOTPDevice:
    """A confirmed authenticator for `user`, as if enrolled through the pages."""
    device = services.totp_enrol_pending(user=user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def current_code(device: TOTPDevice) -> str:
    return f"{totp(bytes(device.secret)):06d}"


def verified_client(user: User) -> Client:
    """A browser session that passed password and two-factor login."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol_totp(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def token_client(user: User) -> APIClient:
    """An API client holding a bearer token for `user`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {services.api_token_issue(user=user).token}")
    return client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return verified_client


@pytest.fixture
def api_client_for() -> Callable[[User], APIClient]:
    return token_client


def at_once(
    calls: list[Callable[[], object]],
    *,
    counting: type[Exception] | tuple[type[Exception], ...] = Exception,
    timeout: float = 60,
) -> Counter[str]:
    """Run every call in its own thread (real threads on PostgreSQL, each with its own connection),
    all started at the same moment; count the outcomes ("ok" or the class name of an exception of
    `counting`). Any other exception is left uncounted, so the test's count fails; a thread still
    running after `timeout` fails."""
    start = threading.Barrier(len(calls))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait()
            try:
                call()
                outcome = "ok"
            except counting as refused:
                outcome = type(refused).__name__
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        pytest.fail("a racing call hung")
    return outcomes
