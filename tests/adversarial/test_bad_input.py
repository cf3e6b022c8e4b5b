"""Hostile bodies sent to every write operation of the schema: each answers 4xx, fast, and writes
nothing.

The write operations come from the OpenAPI schema (every PUT, POST, PATCH and DELETE declaring a
request body), so a new one is covered without anyone listing it. Each request is sent by the
team's coordinator at the team's real records; "writes nothing" is read from PostgreSQL's own
per-transaction counters (rows inserted, updated and deleted in every table, audit log included),
so an UPDATE is caught as well as an INSERT.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.exceptions import ValidationError

from tests.adversarial import figures
from tests.adversarial.conftest import World
from tests.adversarial.openapi import Operation, openapi_document, operations

# Generous: on a loaded 2-core machine the test client's own copying of a 10 MB body takes
# seconds. The server refuses that body from its Content-Length (413, asserted below) and the
# others before any view runs; the bound catches a body read, parsed and validated in full.
FAST_SECONDS = 10.0
ZAWGYI = "ျမန္မာ"  # "Myanmar" typed with the Zawgyi font
UNICODE = "မြန်မာ"  # the same word in Unicode


def _fields(operation: Operation) -> dict[str, str]:
    """The request body's top-level fields and their JSON types ("" where the schema names no
    plain type, e.g. a reference to a choice set)."""
    content = operation.spec["requestBody"]["content"]
    schema = next(iter(content.values()))["schema"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi_document()["components"]["schemas"][name]
    properties = schema.get("properties", {}) or {"value": {"type": "string"}}
    return {name: spec.get("type", "") for name, spec in properties.items()}


Body = Callable[[dict[str, str]], bytes | None]  # None: the operation has no field it fits


def _every_field(value: Any) -> Body:
    return lambda fields: json.dumps({name: value for name in fields}).encode()


def _first_field(value: Any) -> Body:
    return lambda fields: json.dumps({next(iter(fields)): value}).encode()


def _fields_of_type(types: set[str], value: Any) -> Body:
    """`value` in every field of one of `types`, the others left out."""

    def body(fields: dict[str, str]) -> bytes | None:
        chosen = {name: value for name, kind in fields.items() if kind in types}
        return json.dumps(chosen).encode() if chosen else None

    return body


def _nested(depth: int) -> Body:
    return lambda fields: f'{{"{next(iter(fields))}": {"[" * depth}{"]" * depth}}}'.encode()


# name -> the body for an operation with `fields`
BODIES: dict[str, Body] = {
    "10 MB body": _first_field("x" * 10_000_000),
    "JSON nested 1,000 deep": _nested(1000),
    "array of 100,000 items": _first_field([1] * 100_000),
    "invalid UTF-8": lambda fields: b'{"' + next(iter(fields)).encode() + b'": "Ko \xff Aung"}',
    "NUL bytes": _every_field("Ko\x00Aung"),
    "right-to-left override": _every_field("Ko \u202egnuA"),
    "bidi isolate": _every_field("\u2067Ko Aung\u2069"),
    # A number where text belongs, and text where a number belongs (digits in quotes are a
    # number: amounts may be typed in Myanmar digits, which JSON can only carry as text).
    "numbers for text fields": _fields_of_type({"string"}, 12345),
    "text for number fields": _fields_of_type({"integer", "number"}, "twelve"),
    "a bare array": lambda fields: b"[]",
}
# Text a Burmese keyboard really types: the app takes it where a field is free text, cleaned on
# the way in (Zawgyi converted, or flagged for review when unsure; zero-width characters
# stripped: supportdesk/vault/normalise.py). Anywhere else it is refused like the rest.
CLEANED: dict[str, Body] = {
    "Zawgyi and Unicode mixed": _every_field(f"{ZAWGYI} {UNICODE}"),
    "zero-width characters": _every_field(f"\u200bKo\u200c{UNICODE}\u200dAung\ufeff"),
}
TYPED = {"numbers for text fields", "text for number fields"}
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff")

WRITES = [
    op
    for op in operations()
    if op.method in ("put", "post", "patch", "delete") and "requestBody" in op.spec
]


def _writes_so_far() -> dict[str, int]:
    """Rows this transaction inserted, updated or deleted, per table (PostgreSQL's counters)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return {table: count for table, count in cursor.fetchall() if count}


def test_the_schema_has_write_operations_to_attack() -> None:
    assert len(WRITES) > 30  # cases, relocation and funds: a broken discovery finds few


def _send(client: Client, operation: Operation, path: str, body: bytes) -> tuple[Any, float]:
    started = time.monotonic()
    response = client.generic(operation.method.upper(), path, body, content_type="application/json")
    return response, time.monotonic() - started


def _denial_writes(operation: Operation) -> dict[str, int]:
    """What a refusal itself may write: the failed login's audit event, on the public login
    operation only (no other denial is recorded)."""
    return {"audit_auditevent": 1} if operation.public else {}


def _difference(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: n - before.get(t, 0) for t, n in after.items() if n != before.get(t, 0)}


@pytest.mark.parametrize("operation", WRITES, ids=lambda op: op.label)
def test_hostile_bodies_answer_4xx_fast_and_write_nothing(
    operation: Operation, world: World, wsgi_app: Any
) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.token('coordinator')}")
    path = operation.path.format(
        **{name: world.ids.get(name, sample) for name, sample in operation.path_samples().items()}
    )
    fields = _fields(operation)
    for kind, make_body in {**BODIES, **CLEANED}.items():
        body = make_body(fields)
        if body is None:
            continue
        before = _writes_so_far()
        response, elapsed = _send(client, operation, path, body)
        figures.BAD_INPUT[(kind, operation.label)] += 1
        where = f"{operation.label} with {kind}"
        assert response["Content-Type"] == "application/json", where
        assert elapsed < FAST_SECONDS, (where, elapsed)
        if kind == "10 MB body":
            assert response.status_code == 413, (where, response.status_code)
        if kind in CLEANED and response.status_code < 300:
            text = response.content.decode()
            assert not any(mark in text for mark in ZERO_WIDTH), where
            continue
        assert 400 <= response.status_code < 500, (where, response.status_code, response.content)
        written = _difference(before, _writes_so_far())
        assert written in ({}, _denial_writes(operation)), (where, written)
        if kind in TYPED and response.status_code == 400:
            named = set(response.json()) & set(fields)
            assert named or {"detail", "non_field_errors"} & set(response.json()), where


def test_each_refusal_names_the_field() -> None:
    """A NUL or an override is refused with a message on the field that holds it."""
    from supportdesk.api.parsers import refuse_bad_text
    from supportdesk.validators import HIDDEN_CONTROL_REFUSED

    with pytest.raises(ValidationError) as refused:
        refuse_bad_text({"alias": "Ko\x00Aung", "legs": [{"place": "\u202eX"}], "rank": "ok"})
    assert refused.value.detail == {
        "alias": [str(HIDDEN_CONTROL_REFUSED)],
        "legs.0.place": [str(HIDDEN_CONTROL_REFUSED)],
    }
