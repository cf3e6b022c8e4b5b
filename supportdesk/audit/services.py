"""Recording audit events. The only writes to AuditEvent outside the sealer.

Services call `audit_record(...)` inside the transaction of the change they describe. Views that
show decrypted personal data call `audit_record_view(...)` (one object) or
`audit_record_list_view(...)` (every object a list showed). Events hold ids and field names only:
never a value, so an event outlives a shredded case and says nothing about the person.

Appending is one INSERT with no lock of ours: the id comes from the database sequence and the
sealer chains events later (supportdesk.audit.chain).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone

from supportdesk.audit.actions import require_declared
from supportdesk.audit.models import AuditEvent, object_ref
from supportdesk.request_context import current_ip, current_request_id


def _actor_id(actor: models.Model | None) -> uuid.UUID | None:
    return actor.pk if actor is not None else None


def _event(
    *, actor: models.Model | None, action: str, object_type: str, object_id: str, fields: list[str]
) -> AuditEvent:
    return AuditEvent(
        occurred_at=timezone.now(),
        actor_id=_actor_id(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        fields=fields,
        request_id=current_request_id(),
        ip=current_ip(),
    )


def audit_record(
    *,
    actor: models.Model | None,
    action: str,
    obj: models.Model | None = None,
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it describes."""
    object_type, object_id = object_ref(obj) if obj is not None else ("", "")
    event = _event(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        fields=sorted(fields),
    )
    return _insert([event])[0]


_INSERTED: tuple[str, ...] = ("occurred_at", "actor_id", "action", "object_type", "object_id")
_INSERTED += ("fields", "request_id", "ip")
_ROWS_PER_STATEMENT = 1000


def _insert(events: list[AuditEvent]) -> list[AuditEvent]:
    """A plain multi-row INSERT ... RETURNING id. It runs on every response that shows personal
    data, and the ORM's create/bulk_create spend several times its CPU (docs/benchmarks.md)."""
    fields = cast(
        "list[models.Field[Any, Any]]", [AuditEvent._meta.get_field(name) for name in _INSERTED]
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(events), _ROWS_PER_STATEMENT):
            chunk = events[start : start + _ROWS_PER_STATEMENT]
            params = [
                field.get_db_prep_save(getattr(event, field.attname), connection)
                for event in chunk
                for field in fields
            ]
            cursor.execute(
                f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "  # noqa: S608  # nosec B608: quoted names from the model, values bound
                f"VALUES {', '.join([row] * len(chunk))} RETURNING {quote('id')}",
                params,
            )
            for event, (event_id,) in zip(chunk, cursor.fetchall(), strict=True):
                event.pk = event_id
                event._state.adding, event._state.db = False, connection.alias
    return events


def change_record(
    *,
    actor: models.Model | None,
    action: str,
    obj: models.Model,
    fields: Iterable[str] = (),
    timeline: Iterable[models.Model] = (),
) -> AuditEvent:
    """One change, recorded for both of its readers: the timeline entries the team reads (unsaved
    rows of the app's own timeline model, saved here) and the audit row administrators read (field
    names, never values). Call inside the transaction of the change; `action` must be declared
    (supportdesk.audit.actions)."""
    require_declared(action)
    for entry in timeline:
        entry.save(force_insert=True)
    return audit_record(actor=actor, action=action, obj=obj, fields=fields)


def view_action(model: type[models.Model] | models.Model) -> str:
    """`case.view` for cases.Case: the action every read of decrypted data records (declared by
    the model's app: tests/test_audit_actions.py checks it for every key holder)."""
    return f"{model._meta.model_name}.view"


def audit_record_view(
    *,
    actor: models.Model | None,
    obj: models.Model,
    fields: Iterable[str],
    action: str | None = None,
) -> AuditEvent:
    """A page or API response showed decrypted `fields` of `obj` to `actor`."""
    object_type, object_id = object_ref(obj)
    event = _event(
        actor=actor,
        action=action or view_action(obj),
        object_type=object_type,
        object_id=object_id,
        fields=sorted(fields),
    )
    return _insert([event])[0]


def audit_record_list_view(
    *,
    actor: models.Model | None,
    objects: Iterable[models.Model],
    fields: Iterable[str],
    action: str | None = None,
) -> list[AuditEvent]:
    """A list showed decrypted `fields` of each of `objects`: one view event per object shown.

    Records exactly what was on the page (call it with the page, not the whole queryset).
    """
    shown = list(objects)
    if not shown:
        return []
    object_type, _ = object_ref(shown[0])
    return audit_record_reads(
        actor=actor,
        action=action or view_action(shown[0]),
        object_type=object_type,
        object_ids=[object_ref(obj)[1] for obj in shown],
        fields=fields,
    )


def audit_record_reads(
    *,
    actor: models.Model | None,
    action: str,
    object_type: str,
    object_ids: Iterable[str],
    fields: Iterable[str],
) -> list[AuditEvent]:
    """Reads of many objects by id (e.g. an export), in one INSERT."""
    names = sorted(fields)
    events = [
        _event(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            fields=names,
        )
        for object_id in object_ids
    ]
    if connection.vendor != "postgresql" or not events:
        return _insert(events)
    return _insert_alike(events)


def _insert_alike(events: list[AuditEvent]) -> list[AuditEvent]:
    """Events that differ only in their object id (a page of a list, an export) as one
    `INSERT ... SELECT` over an array of the ids: every other value is bound once, not once per
    row, which is most of what a page of 50 cost with `_insert`. PostgreSQL only."""
    first = events[0]
    fields = cast(
        "list[models.Field[Any, Any]]", [AuditEvent._meta.get_field(name) for name in _INSERTED]
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    shared = [  # typed: an untyped NULL in a select list would be text, and no inet
        "ids.object_id" if field.attname == "object_id" else f"%s::{field.db_type(connection)}"
        for field in fields
    ]
    params: list[Any] = [
        field.get_db_prep_save(getattr(first, field.attname), connection)
        for field in fields
        if field.attname != "object_id"
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "  # noqa: S608  # nosec B608: quoted names from the model, values bound
            f"SELECT {', '.join(shared)} "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS ids(object_id, n) "
            f"ORDER BY ids.n RETURNING {quote('id')}",
            [*params, [event.object_id for event in events]],
        )
        # Ids come from the sequence in the order the rows went in, which is the array's.
        returned = sorted(event_id for (event_id,) in cursor.fetchall())
    for event, event_id in zip(events, returned, strict=True):
        event.pk = event_id
        event._state.adding, event._state.db = False, connection.alias
    return events
