"""CSV export of audit events. The export itself is an audit event (`export.csv`)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.audit.actions import AuditActions
from supportdesk.audit.csv_cells import csv_cell
from supportdesk.audit.models import AuditEvent
from supportdesk.audit.selectors import actor_names
from supportdesk.audit.services import audit_record

COLUMNS = [
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "fields",
    "request_id",
    "ip",
    "chain_position",
]
CHUNK = 2000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    last_id: int | None = None
    while True:
        # Keyset pages: constant memory and a handful of queries per CHUNK rows.
        page = events if last_id is None else events.filter(id__lt=last_id)
        chunk = list(page[:CHUNK])
        if not chunk:
            return
        names = actor_names(chunk)
        for event in chunk:
            yield writer.writerow(
                csv_cell(value)
                for value in (
                    event.id,
                    event.occurred_at.isoformat(),
                    event.actor_id.hex if event.actor_id else "",
                    names.get(event.actor_id, "") if event.actor_id else "",
                    event.action,
                    event.object_type,
                    event.object_id,
                    " ".join(event.fields),
                    event.request_id,
                    event.ip,
                    event.chain_position,
                )
            )
        last_id = chunk[-1].id


def events_export_csv(*, actor: User, events: QuerySet[AuditEvent]) -> StreamingHttpResponse:
    """`events` must come from `events_for_user` (already limited to administrators)."""
    audit_record(actor=actor, action=AuditActions.EXPORT_CSV, fields=COLUMNS)
    response = StreamingHttpResponse(_rows(events.order_by("-id")), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
