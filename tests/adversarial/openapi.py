"""The project's own OpenAPI document, generated in process, and the operations it declares."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

METHODS = ("get", "put", "post", "patch", "delete")
WRITE_METHODS = ("put", "post", "patch", "delete")


@cache
def openapi_document() -> dict[str, Any]:
    """What /api/schema/ serves, as plain JSON (lazy translations rendered)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema writes it, with {placeholders}
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def public(self) -> bool:
        """Declared as needing no authentication (`security` absent or with an empty entry)."""
        security = self.spec.get("security")
        return security is None or {} in security

    @property
    def path_parameters(self) -> list[str]:
        return [p["name"] for p in self.spec.get("parameters", []) if p["in"] == "path"]

    def path_samples(self) -> dict[str, str]:
        """A well-formed value for each path parameter (a random uuid, or 1 for an integer)."""
        return {
            p["name"]: "1" if p["schema"].get("type") == "integer" else str(uuid.uuid4())
            for p in self.spec.get("parameters", [])
            if p["in"] == "path"
        }

    @property
    def takes_json(self) -> bool:
        content = self.spec.get("requestBody", {}).get("content", {})
        return "application/json" in content


def operations() -> Iterator[Operation]:
    for path, item in openapi_document()["paths"].items():
        for method in METHODS:
            if method in item:
                yield Operation(method, path, item[method])
