"""Request-wide security: request ids, no caching, session lifetimes, and login + OTP by default.

Every view needs an OTP-verified user unless it is marked with one of the decorators in
`supportdesk.accounts.access`; `tests/test_url_access.py` walks every route to prove it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url

from supportdesk import request_context
from supportdesk.accounts import scope
from supportdesk.accounts.access import PASSWORD_STAGE, PUBLIC, access_level
from supportdesk.api.authentication import bearer_token_for

Handler = Callable[[HttpRequest], HttpResponse]
SESSION_AUTH_AT = "sd_auth_at"
SESSION_SEEN_AT = "sd_seen_at"
# Last activity is written at most this often, so reading pages rarely writes the session.
SEEN_RESOLUTION_SECONDS = 60


def is_api_path(path: str) -> bool:
    """API routes answer 401 in JSON; pages (including the API docs page) redirect to login."""
    return path.startswith("/api/") and not path.startswith("/api/docs/")


def is_api_request(request: HttpRequest) -> bool:
    return is_api_path(request.path)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind our own proxy (nginx on this host, which overwrites
    X-Forwarded-For with the address it saw), that header; otherwise the socket's peer, so a
    client cannot choose its own address to dodge the per-IP lock."""
    remote = request.META.get("REMOTE_ADDR")
    if remote in settings.TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        return forwarded or remote
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        request_context.bind(request_id=request_id, ip=client_ip(request))
        try:
            with scope.one_question():  # each membership read once per request
                response = self.get_response(request)
        finally:
            request_context.bind(request_id="", ip=None)
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """Pages may hold personal data: no browser or proxy may keep a copy (a seized phone)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response


class SessionLifetimeMiddleware:
    """Ends a browser session after `SESSION_IDLE_TIMEOUT` idle or `SESSION_ABSOLUTE_LIFETIME`."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            auth_at = request.session.get(SESSION_AUTH_AT, now)
            seen_at = request.session.get(SESSION_SEEN_AT, now)
            if (
                now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds()
                or now - auth_at > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            ):
                logout(request)
            else:
                request.session.setdefault(SESSION_AUTH_AT, now)
                if (
                    now - seen_at >= SEEN_RESOLUTION_SECONDS
                    or SESSION_SEEN_AT not in request.session
                ):
                    request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)


class VerifiedUserRequiredMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        level = access_level(view_func)
        if level == PUBLIC:
            return None
        user = request.user
        if user.is_authenticated and (level == PASSWORD_STAGE or user.is_verified()):
            return None
        if is_api_request(request):
            if bearer_token_for(request) is not None:
                return None
            response = JsonResponse(
                {"detail": "Log in with your password and two-factor code."}, status=401
            )
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        target = "accounts:otp" if user.is_authenticated else settings.LOGIN_URL
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{resolve_url(target)}?{query}")
