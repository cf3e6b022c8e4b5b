"""OpenAPI schema generation: names for nested serializers, and our two authentication schemes."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        # API views nest `InputSerializer`/`OutputSerializer`; name components after the view
        # ("TokenObtainApi.OutputSerializer" -> "TokenObtainOutput") so they never collide.
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        return outer.removesuffix("Api") + inner if outer else inner


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "supportdesk.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "From POST /api/v1/auth/token/ with password and two-factor code.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "supportdesk.api.authentication.VerifiedSessionAuthentication"
    name = "verifiedSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sd_session"}
