"""API login (bearer tokens after a second factor), logout, the current user, revoking access."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.accounts import services
from supportdesk.accounts.access import public
from supportdesk.accounts.models import ApiToken, User
from supportdesk.accounts.selectors import teams_for_user, user_get_revocable
from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.serializers import validated
from supportdesk.request_context import current_ip

WRONG_LOGIN = gettext_lazy("Username, password or code is not right.")


@public
class TokenObtainApi(APIView):
    authentication_classes = ()
    permission_classes = ()

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        otp = serializers.CharField(max_length=32, help_text="TOTP code or a backup code.")

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField()
        idle_timeout_seconds = serializers.IntegerField()

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            429: OpenApiResponse(description="Too many failed logins: wait for Retry-After."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        ip = current_ip()
        services.login_throttle_check(username=data["username"], ip=ip)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            services.login_password_failed(username=data["username"], ip=ip)
            return Response({"detail": WRONG_LOGIN}, status=status.HTTP_400_BAD_REQUEST)
        if not services.user_has_confirmed_totp(user):
            raise services.TwoFactorNotSetUp()
        if services.otp_verify(user=user, token=data["otp"], ip=ip) is None:
            return Response({"detail": WRONG_LOGIN}, status=status.HTTP_400_BAD_REQUEST)
        issued = services.api_token_issue(user=user)
        out = {
            "token": issued.token,
            "expires_at": issued.record.expires_at,
            "idle_timeout_seconds": int(settings.API_TOKEN_IDLE_TIMEOUT.total_seconds()),
        }
        return Response(self.OutputSerializer(out).data, status=status.HTTP_201_CREATED)


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        if isinstance(request.auth, ApiToken):
            services.api_token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        role = serializers.CharField()
        teams = TeamOutput(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        user: User = request.user
        out = {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "teams": list(teams_for_user(user=user)),
        }
        return Response(self.OutputSerializer(out).data)


class RevokeAllApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: AuthenticatedApiRequest, user_id: UUID) -> Response:
        target = user_get_revocable(actor=request.user, user_id=user_id)
        services.user_revoke_all(actor=request.user, user=target)
        return Response(status=status.HTTP_204_NO_CONTENT)
