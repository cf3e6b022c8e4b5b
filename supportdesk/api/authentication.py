from typing import Any

from django.http import HttpRequest
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request

from supportdesk.accounts.models import ApiToken, User
from supportdesk.accounts.services import api_token_authenticate

_MEMO = "_supportdesk_bearer"


class AuthenticatedApiRequest(Request):
    """What an API view with the default permission (`IsVerifiedUser`) receives: `request.user`
    is a `User`, from a bearer token (`request.auth` is its `ApiToken`) or an OTP-verified
    session (`request.auth` is None). An annotation only: DRF still passes its own `Request`."""

    user: User
    auth: ApiToken | None


def bearer_token_for(request: HttpRequest) -> ApiToken | None:
    """The request's valid bearer token, if any; looked up once per request (middleware and DRF)."""
    if not hasattr(request, _MEMO):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, raw = header.partition(" ")
        token = api_token_authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        setattr(request, _MEMO, token)
    return getattr(request, _MEMO)


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        token = bearer_token_for(request._request)
        return (token.user, token) if token is not None else None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser's session, only once its second factor is verified (CSRF enforced)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None or not result[0].is_verified():
            return None
        return result
