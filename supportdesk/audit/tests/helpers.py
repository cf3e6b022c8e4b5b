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


def attacker_rewrites_chain() -> None:
    """What someone holding the HMAC key and superuser access to the database does after
    deleting, editing or moving sealed events: number the remaining sealed events 1..n in chain
    order, recompute every MAC and the head, and delete the checkpoints the database holds, so
    that `verify_audit` finds a perfect chain. The Merkle tree's nodes are left as they were."""
    from django.conf import settings

    from supportdesk.audit import chain
    from supportdesk.audit.models import AuditChainHead, AuditCheckpoint

    key = settings.SUPPORTDESK_AUDIT_KEY.encode()
    table = AuditEvent._meta.db_table
    with audit_triggers_bypassed():
        events = list(
            AuditEvent.objects.filter(chain_position__isnull=False).order_by("chain_position")
        )
        raw(f"UPDATE {table} SET chain_position = NULL WHERE chain_position IS NOT NULL")  # noqa: S608
        previous = chain.GENESIS
        for position, event in enumerate(events, start=1):
            mac = chain.event_mac(event, key)
            previous = chain.chain_mac(previous, mac, key)
            raw(
                f"UPDATE {table} SET chain_position = %s, event_mac = %s, chain_mac = %s "  # noqa: S608
                "WHERE id = %s",
                [position, mac, previous, event.id],
            )
        AuditChainHead.objects.filter(pk=1).update(position=len(events), mac=previous)
        raw(f"DELETE FROM {AuditCheckpoint._meta.db_table}")  # noqa: S608


def attacker_rebuilds_tree() -> None:
    """And the thorough attacker: the Merkle tree rebuilt from the rewritten events, so that the
    tree in the database matches them too."""
    from supportdesk.audit import chain
    from supportdesk.audit.models import AuditTreeNode

    with audit_triggers_bypassed():
        raw(f"DELETE FROM {AuditTreeNode._meta.db_table}")  # noqa: S608
    chain.tree_build()
