from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from supportdesk.audit.models import AuditEvent, object_ref
from supportdesk.request_context import current_ip, current_request_id


def audit_record(
    *,
    actor: models.Model | None,
    action: str,
    obj: models.Model | None = None,
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it describes."""
    object_type, object_id = object_ref(obj) if obj is not None else ("", "")
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        fields=sorted(fields),
        request_id=current_request_id(),
        ip=current_ip(),
    )
