"""Helpers for the audit app's own tests: raw SQL as a superuser, event factories."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from supportdesk.audit.models import AuditEvent


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def audit_triggers_bypassed() -> Iterator[None]:
    """What a database superuser can do: write with the append-only trigger switched off.

    On PostgreSQL `session_replication_role = replica` skips ordinary triggers (superuser only);
    SQLite has no trigger to skip.
    """
    if not is_postgresql():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


def raw(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def make_events(
    count: int,
    *,
    action: str = "case.view",
    object_type: str = "cases.case",
    actor_id: uuid.UUID | None = None,
    at: datetime | None = None,
    object_id: str | None = None,
) -> list[AuditEvent]:
    """Events as `audit_record_reads` would write them, each about a distinct object unless
    `object_id` is given."""
    when = at or timezone.now()
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            occurred_at=when,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id or uuid.uuid4().hex,
            fields=["alias"],
            request_id="r" * 32,
            ip="192.0.2.1",
        )
        for _ in range(count)
    )


def event_at(position: int) -> AuditEvent:
    return AuditEvent.objects.get(chain_position=position)
