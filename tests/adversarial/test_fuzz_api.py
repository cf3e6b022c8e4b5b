"""Every operation of the OpenAPI schema, fuzzed as every role with schemathesis.

The operations come from the schema the app generates, so a new endpoint is fuzzed without anyone
listing it. Each generated request (valid and invalid data alike) is sent as a volunteer, a
coordinator and an administrator, each with a bearer token; half of them aim at real records of
the team (path parameters replaced by their ids), so deeper code runs than a 404. Every answer must
be no server error, a documented status code, the documented media type, and a body matching the
schema for that status.

Bounded for CI: at most FUZZ_MAX_EXAMPLES examples per operation, and FUZZ_BUDGET_SECONDS shared
evenly by the operations (an operation out of time stops generating).
"""

from __future__ import annotations

import os
import time
import zlib
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.adversarial import figures
from tests.adversarial.conftest import ROLES, World
from tests.adversarial.openapi import openapi_document, operations
from tests.test_url_access import ALLOWLIST

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "120"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(openapi_document())
OPERATION_COUNT = len(list(operations()))
SLICE_SECONDS = BUDGET_SECONDS / max(OPERATION_COUNT, 1)
_started: dict[str, float] = {}


def aim_at_real_records(case: schemathesis.Case, world: World) -> None:
    """Replace the path parameters by ids of the world's records in about half the examples
    (chosen from the example itself, so a replayed example is aimed the same way)."""
    parameters: dict[str, Any] = case.path_parameters or {}
    if zlib.crc32(repr(sorted(parameters.items())).encode()) % 2:
        return
    for name in parameters:
        if name in world.ids:
            parameters[name] = world.ids[name]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_role(
    case: schemathesis.Case, world: World, wsgi_app: WSGIHandler
) -> None:
    label = f"{case.operation.method.upper()} {case.operation.path}"
    started = _started.setdefault(label, time.monotonic())
    if time.monotonic() - started > SLICE_SECONDS:
        return  # this operation's share of the budget is spent
    figures.FUZZ_EXAMPLES[label] += 1
    aim_at_real_records(case, world)
    for role in ROLES:
        headers = {"Authorization": f"Bearer {world.token(role)}"}
        response = case.call(app=wsgi_app, headers=headers)
        figures.FUZZ_REQUESTS[(role, label)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)


PUBLIC_OPERATIONS = {"POST /api/v1/auth/token/"}  # TokenObtainApi, in tests/test_url_access.py


def test_public_operations_are_the_url_allowlist_ones() -> None:
    """The schema's public operations are exactly the API views of the allowlist."""
    assert "supportdesk.accounts.api.TokenObtainApi" in ALLOWLIST
    assert {op.label for op in operations() if op.public} == PUBLIC_OPERATIONS


@pytest.mark.parametrize(
    "operation",
    [op for op in operations() if op.label not in PUBLIC_OPERATIONS],
    ids=lambda op: op.label,
)
def test_every_operation_refuses_anonymous_requests(
    operation: Any, world: World, wsgi_app: WSGIHandler
) -> None:
    """No token, no session: 401 with the Bearer challenge, aimed at real records too."""
    api_operation = schema[operation.path][operation.method.upper()]
    path_parameters = {
        name: world.ids.get(name, sample) for name, sample in operation.path_samples().items()
    }
    case = api_operation.Case(path_parameters=path_parameters, media_type="application/json")
    if operation.takes_json:
        case.body = {}
    response = case.call(app=wsgi_app)
    assert response.status_code == 401, (operation.label, response.status_code)
    challenge = {k.lower(): v for k, v in response.headers.items()}["www-authenticate"]
    assert challenge[0].startswith("Bearer")
    case.validate_response(response, checks=CHECKS)
