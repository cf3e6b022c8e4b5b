"""Reads of the audit log and alerts, for administrators only: anyone else gets 404.

Administrators see events (ids, actions, field names), never case contents.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditAlert, AuditEvent


def require_administrator(user: Any) -> None:
    """The audit log exists, for anyone else, as much as a missing page does."""
    if not getattr(user, "is_administrator", False) or not user.is_active:
        raise Http404


def normalise_object_id(value: str) -> str:
    """Object ids are stored as UUID hex or integer text; accept a UUID in any spelling."""
    value = value.strip()
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return value


# A case's reference, as everyone sees it ("8BC9B35A"): the first characters of its id.
REFERENCE = re.compile(r"[0-9a-fA-F]{8}")


def _for_object(events: QuerySet[AuditEvent], object_id: str) -> QuerySet[AuditEvent]:
    """By full id, or by a record's reference: the ids it begins. The range lets the object index
    serve the prefix under any collation; ids are lower-case hex, all below "g"."""
    value = object_id.strip()
    if REFERENCE.fullmatch(value):
        prefix = value.lower()
        return events.filter(object_id__gte=prefix, object_id__lt=prefix + "g").filter(
            object_id__startswith=prefix
        )
    return events.filter(object_id=normalise_object_id(value))


@dataclass(frozen=True)
class EventFilters:
    actor: str = ""  # a username or an account id
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> EventFilters:
        return cls(**{key: value for key, value in data.items() if value not in (None, "")})


def _actor_id(actor: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(actor)
    except ValueError:
        return User.objects.filter(username=actor).values_list("id", flat=True).first()


def events_for_user(*, user: User, filters: EventFilters) -> QuerySet[AuditEvent]:
    require_administrator(user)
    events = AuditEvent.objects.all()
    if filters.actor:
        actor_id = _actor_id(filters.actor)
        # An unknown username matches nothing (filtering on None would match actor-less events).
        events = events.filter(actor_id=actor_id) if actor_id else events.none()
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = _for_object(events, filters.object_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.since:
        events = events.filter(occurred_at__gte=filters.since)
    if filters.until:
        events = events.filter(occurred_at__lt=filters.until)
    return events.order_by("-id")


def actor_names(events: Iterable[AuditEvent]) -> dict[uuid.UUID, str]:
    """Usernames for a page of events, in one query (events keep ids, not foreign keys)."""
    ids = {event.actor_id for event in events if event.actor_id}
    return dict(User.objects.filter(pk__in=ids).values_list("id", "username")) if ids else {}


def alerts_for_user(*, user: User, open_only: bool = False) -> QuerySet[AuditAlert]:
    require_administrator(user)
    alerts = AuditAlert.objects.all()
    return alerts.filter(acknowledged_at__isnull=True) if open_only else alerts


def alert_get_for_user(*, user: User, alert_id: int) -> AuditAlert:
    alert = alerts_for_user(user=user).filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    return alert


def alert_subject(*, alert: AuditAlert) -> User | None:
    return User.objects.filter(pk=alert.subject_id).first() if alert.subject_id else None


def alert_subject_get(*, alert: AuditAlert) -> User:
    subject = alert_subject(alert=alert)
    if subject is None:
        raise Http404
    return subject
