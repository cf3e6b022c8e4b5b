from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from supportdesk.accounts.models import ApiToken


def is_verified(request: Request) -> bool:
    """A bearer token (issued only after a second factor) or an OTP-verified session."""
    user = request.user
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return isinstance(request.auth, ApiToken) or bool(getattr(user, "is_verified", bool)())


class IsVerifiedUser(BasePermission):
    message = "Log in with your password and two-factor code."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_verified(request)
