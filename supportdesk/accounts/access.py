"""Who may reach a view. The default, for any view not marked here, is an OTP-verified user.

Mark sparingly: every marked view is listed in `tests/test_url_access.py`, and a marked view that is
not in that list fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.http import HttpRequest

if TYPE_CHECKING:
    from supportdesk.accounts.models import User

PUBLIC = "public"  # no login at all: the login page, the token endpoint, health checks
PASSWORD_STAGE = "password_stage"  # noqa: S105 - password given, second factor not yet: OTP entry, enrolment
VERIFIED = "verified"
_ATTRIBUTE = "supportdesk_access"

View = TypeVar("View", bound=Callable[..., Any])


def public(view: View) -> View:
    setattr(view, _ATTRIBUTE, PUBLIC)
    return view


def password_stage(view: View) -> View:
    setattr(view, _ATTRIBUTE, PASSWORD_STAGE)
    return view


def access_level(view: Callable[..., Any]) -> str:
    level = getattr(view, _ATTRIBUTE, None)
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if level is None and view_class is not None:
        level = getattr(view_class, _ATTRIBUTE, None)
    return level or VERIFIED


class AuthenticatedRequest(HttpRequest):
    """What a page not marked `public` receives: `VerifiedUserRequiredMiddleware` lets only a
    logged-in user through (OTP-verified, or past the password for `password_stage`), so
    `request.user` is a `User`, never `AnonymousUser`. An annotation only: Django still passes its
    own `HttpRequest`. API views take `supportdesk.api.authentication.AuthenticatedApiRequest`."""

    user: User
