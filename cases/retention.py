"""Retention of closed cases: shredded RETENTION_DAYS after closing, unless a coordinator holds."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from supportdesk.audit.actions import AuditActions
from supportdesk.audit.services import audit_record
from supportdesk.followups.retention import RetentionPolicy
from supportdesk.vault.services import key_holder_shred


def closed_cases_due(*, cutoff: datetime.datetime) -> Iterable[uuid.UUID]:
    return Case.objects.filter(
        status=Case.Status.CLOSED, closed_at__lt=cutoff, on_hold=False, shredded_at__isnull=True
    ).values_list("pk", flat=True)


@transaction.atomic
def closed_case_shred(*, subject_id: object, cutoff: datetime.datetime) -> bool:
    # Locked: a coordinator may be putting the case on hold, or reopening it, right now.
    case = Case.objects.select_for_update().filter(pk=subject_id).first()
    if (
        case is None
        or case.shredded_at is not None
        or case.status != Case.Status.CLOSED
        or case.on_hold
        or case.closed_at is None
        or case.closed_at >= cutoff
    ):
        return False
    shredded = key_holder_shred(holder=case)
    audit_record(actor=None, action=AuditActions.KEY_HOLDER_SHRED, obj=case, fields=shredded.fields)
    case.shredded_at = timezone.now()
    case.save(update_fields=["shredded_at"])
    return True


CLOSED_CASES = RetentionPolicy(
    name="closed_cases", model=Case, due=closed_cases_due, shred=closed_case_shred
)
