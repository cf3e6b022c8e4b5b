"""OpenAPI schema generation: names for nested serializers, and our two authentication schemes."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

# The body of every refusal: `detail` with a sentence, or a list of messages per field (nested for
# nested input). One component, referenced by every error response.
ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "`detail` with a sentence, or a list of messages for each field.",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": True,
    },
)


def error_statuses(method: str, operation: dict[str, Any]) -> dict[str, str]:
    """The refusals an operation can give, read from what it declares, so a new view documents
    them without anyone listing them (tests/adversarial fuzzes every operation against this)."""
    located = {parameter["in"] for parameter in operation.get("parameters", [])}
    names = {parameter["name"] for parameter in operation.get("parameters", [])}
    security = operation.get("security") or []
    secured = bool(security) and {} not in security
    statuses: dict[str, str] = {}
    if "requestBody" in operation or "query" in located:
        statuses["400"] = "Input refused: a message for each field."
    if secured:
        statuses["401"] = "Not logged in with a second factor (no valid token or session)."
    if secured or "path" in located or "page" in names:
        # Out of scope answers 404, never 403: a record of another team, a route of another
        # role (an administrators' list asked by a volunteer), or a page past the last.
        statuses["404"] = "No such record or page, or not in your scope."
    if secured and method != "get":
        statuses["409"] = "Not possible now: the record's state or version has moved on."
    if "requestBody" in operation:
        statuses["413"] = "The request body is larger than the server accepts."
        statuses["415"] = "The request body is not in a media type the operation accepts."
    return statuses


class AutoSchema(BaseAutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        self.registry.register_on_missing(ERROR)
        for status, description in error_statuses(self.method.lower(), operation).items():
            operation["responses"].setdefault(
                status,
                {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR.ref}},
                },
            )
        return operation

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
