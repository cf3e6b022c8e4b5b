"""Every route needs a logged-in, OTP-verified user, except this short allowlist.

A new route is verified-only unless marked with a decorator from `supportdesk.accounts.access`, and
a marked route that is not listed here fails `test_only_the_allowlist_is_reachable_without_otp`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from supportdesk.accounts.access import PASSWORD_STAGE, PUBLIC, VERIFIED, access_level
from supportdesk.accounts.middleware import is_api_path
from supportdesk.accounts.models import User
from supportdesk.testing import verified_client

# view -> access level. Static files are served by WhiteNoise before routing and hold no data.
ALLOWLIST = {
    "supportdesk.accounts.views.login_view": PUBLIC,
    "supportdesk.accounts.api.TokenObtainApi": PUBLIC,
    "supportdesk.health.healthz": PUBLIC,
    "django.views.i18n.set_language": PUBLIC,
    "supportdesk.accounts.views.otp_view": PASSWORD_STAGE,
    "supportdesk.accounts.views.enrol_view": PASSWORD_STAGE,
    "supportdesk.accounts.views.logout_view": PASSWORD_STAGE,
}


@dataclass(frozen=True)
class Route:
    pattern: str  # the joined pattern, for messages
    sample: str | None  # a concrete path that resolves to the view, when one can be made
    view: Callable[..., Any]


def view_name(view: Callable[..., Any]) -> str:
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    target = view_class or view
    return f"{target.__module__}.{target.__qualname__}"


_CONVERTER_SAMPLES = {
    "uuid": str(uuid.UUID(int=1)),
    "int": "1",
    "slug": "x",
    "str": "x",
    "path": "x",
}


def _sample_route(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _CONVERTER_SAMPLES[m.group(1) or "str"], route)


def _sample_regex(regex: str) -> str:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    text = re.sub(r"\(\?P<\w+>([\w\-]+)(?:\|[^)]*)?\)", r"\1", text)  # named alternatives: first
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "x", text)  # other named groups: a word
    text = re.sub(r"\\d\+", "1", text)
    text = re.sub(r"\.\*|\.\+", "x", text)
    return text.replace("\\", "")


def _walk(patterns: list[Any], prefix: str = "", sample: str = "") -> Iterator[Route]:
    for entry in patterns:
        raw = str(entry.pattern)
        piece = (
            _sample_route(raw)
            if not raw.startswith("^") and "(?P" not in raw
            else _sample_regex(raw)
        )
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + raw, sample + piece)
        elif isinstance(entry, URLPattern):
            path = "/" + sample + piece
            try:
                matches = resolve(path).func is entry.callback
            except Resolver404:
                matches = False
            yield Route(prefix + raw, path if matches else None, entry.callback)


ROUTES = list(_walk(get_resolver().url_patterns))


def test_every_route_is_walked() -> None:
    assert len(ROUTES) > 20  # admin, accounts, api, schema: a broken walk finds few
    assert sum(route.sample is not None for route in ROUTES) > 0.8 * len(ROUTES)


def test_only_the_allowlist_is_reachable_without_otp() -> None:
    marked = {
        view_name(route.view): access_level(route.view)
        for route in ROUTES
        if access_level(route.view) != VERIFIED
    }
    assert marked == ALLOWLIST


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.sample and view_name(r.view) not in ALLOWLIST],
    ids=lambda r: r.pattern,
)
def test_anonymous_requests_are_sent_to_login(client: Client, route: Route) -> None:
    assert route.sample is not None  # the parametrize list holds only routes with a sample
    for method in (client.get, client.post):
        response = method(route.sample)
        if is_api_path(route.sample):
            assert response.status_code == 401, route.pattern
            assert response["WWW-Authenticate"].startswith("Bearer")
        else:
            assert response.status_code == 302, route.pattern
            assert response["Location"].startswith("/accounts/login/"), route.pattern


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.sample and view_name(r.view) not in ALLOWLIST],
    ids=lambda r: r.pattern,
)
def test_password_without_second_factor_reaches_nothing(
    client: Client, volunteer: User, route: Route
) -> None:
    assert route.sample is not None  # the parametrize list holds only routes with a sample
    client.force_login(volunteer)
    response = client.get(route.sample)
    if is_api_path(route.sample):
        assert response.status_code == 401, route.pattern
    else:
        assert response.status_code == 302, route.pattern
        assert response["Location"].startswith("/accounts/two-factor/"), route.pattern


@pytest.mark.django_db
def test_a_verified_administrator_gets_no_server_error_anywhere(administrator: User) -> None:
    client = verified_client(administrator)
    for route in ROUTES:
        if route.sample and "logout" not in route.sample and "revoke" not in route.sample:
            assert client.get(route.sample).status_code < 500, route.pattern


def test_the_sample_paths_are_the_routes_they_claim_to_be() -> None:
    login = next(r for r in ROUTES if view_name(r.view).endswith("login_view"))
    assert login.sample == "/accounts/login/"
