"""Alerts for administrators: access anomalies, a broken chain, late events, a log that no longer
matches its signed checkpoints, checkpoints that stop being signed. Raising,
acknowledging, cutting off the account concerned, and telling administrators (their inbox, which
emails them that alerts are waiting).

An alert's text holds counts, times and event ids, never personal data; the notification names
only the kind of alert, and the email only the number of new alerts and a link.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from supportdesk.accounts.models import User
from supportdesk.accounts.services import user_revoke_all
from supportdesk.audit import chain, checkpoints
from supportdesk.audit.actions import AuditActions
from supportdesk.audit.models import AuditAlert, AuditCheckpoint, AuditEvent
from supportdesk.audit.services import audit_record
from supportdesk.followups.services import notify_users
from supportdesk.messages import Message

logger = logging.getLogger(__name__)

# Reads that count towards access anomalies: views of a case's decrypted details. Lists, which
# show aliases only, are recorded as `case.list_view` and do not count.
CASE_READ_ACTIONS = ("case.view",)
CASE_OBJECT_TYPE = "cases.case"
READ_WINDOW = timedelta(hours=1)
# A user's usual hours: hours of the day in which they read case data on at least this many days.
USUAL_HOUR_MIN_DAYS = 2


# --- Raising and acknowledging ----------------------------------------------------------------


def alert_raise(
    *,
    kind: str,
    dedupe_key: str,
    detail: str,
    subject_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> AuditAlert | None:
    """Insert the alert unless one with the same key exists. Returns it only when new."""
    try:
        # Two checks running at once (a slow beat tick overlapping the next) insert the same key:
        # the unique constraint keeps one, the savepoint keeps the caller's transaction usable.
        with transaction.atomic():
            return AuditAlert.objects.create(
                kind=kind,
                dedupe_key=dedupe_key,
                detail=detail[:500],
                subject_id=subject_id,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        return None


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: AuditAlert) -> AuditAlert:
    now = timezone.now()
    # Two administrators may press at once: the conditional UPDATE keeps the first one's name.
    updated = AuditAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by_id=actor.pk
    )
    if updated:
        audit_record(
            actor=actor, action=AuditActions.ALERT_ACKNOWLEDGE, obj=alert, fields=["state"]
        )
    alert.refresh_from_db()
    return alert


@transaction.atomic
def alert_revoke_subject(*, actor: User, alert: AuditAlert, subject: User) -> AuditAlert:
    """Revoke-all for the account an alert is about, then acknowledge the alert: one click."""
    user_revoke_all(actor=actor, user=subject)
    return alert_acknowledge(actor=actor, alert=alert)


def alerts_notify_administrators(*, alerts: list[AuditAlert]) -> None:
    """Put each new alert in every active administrator's inbox; the inbox emails them "you have
    N new alerts" and a link (supportdesk.followups). The text names the kind of alert only."""
    if not alerts:
        return
    administrators = list(User.objects.filter(role=User.Role.ADMINISTRATOR, is_active=True))
    if not administrators:
        logger.warning("audit: %d new alerts and no active administrator", len(alerts))
        return
    for alert in alerts:
        notify_users(
            users=administrators,
            kind="audit.alert",
            message=Message(
                gettext_lazy("Access alert: %(kind)s"), kind=AuditAlert.Kind(alert.kind).label
            ),
            link=reverse("audit:alert", kwargs={"alert_id": alert.pk}),
            dedupe_key=f"audit-alert:{alert.pk}",
        )


# --- The chain's own alarms -------------------------------------------------------------------


def audit_seal(*, batch_size: int | None = None) -> int:
    """Seal what is waiting (`chain.audit_seal`), alerting administrators to late events and to
    a Merkle tree that no longer has the chain's length."""
    return chain.audit_seal(
        batch_size=batch_size,
        late_events=lambda ids: alert_late_events(event_ids=ids),
        tree_mismatch=lambda message: alert_log_inconsistent(reason="tree", message=message),
    )


def audit_verify_and_alert() -> chain.VerifyResult:
    """Nightly: the chain, then the log against the newest checkpoint the database holds."""
    audit_seal()
    result = chain.verify()
    if result.problem is not None:
        logger.error("audit chain broken: %s", result.problem.message)
        alert_chain_broken(message=result.problem.message, position=result.problem.position)
    else:
        logger.info(
            "audit chain intact: %d events, head position=%d mac=%s",
            result.checked,
            result.head_position,
            result.head_mac,
        )
    difference = checkpoints.checkpoint_check_latest()
    if difference is not None:
        logger.error("audit log does not match its latest checkpoint: %s", difference.message)
        alert_log_inconsistent(reason="checkpoint", message=difference.message)
    return result


def audit_checkpoint_and_alert() -> AuditCheckpoint | None:
    """Every few minutes: seal, then have the signer sign the tree. A refusal means the log no
    longer extends the last checkpoint signed; a signer that stays silent is reported too, since
    blocking it is one way to hide a rewrite."""
    audit_seal()
    try:
        checkpoint = checkpoints.checkpoint_sign()
    except checkpoints.CheckpointRefused as refusal:
        logger.error("audit checkpoint refused: %s", refusal)
        alert_log_inconsistent(reason="signer", message=f"The signer refused: {refusal}")
        return None
    except checkpoints.CheckpointError as error:
        logger.warning("audit checkpoint not signed: %s", error)
        _alert_if_unsigned_too_long(reason=str(error))
        return None
    logger.info(
        "audit checkpoint signed: size=%d root=%s",
        checkpoint.tree_size,
        bytes(checkpoint.root_hash).hex(),
    )
    return checkpoint


def _alert_if_unsigned_too_long(*, reason: str) -> None:
    # One missed tick (a network blip to the signer host) is not news; three in a row are.
    latest = checkpoints.checkpoint_latest()
    grace = timedelta(seconds=3 * settings.AUDIT_CHECKPOINT_INTERVAL_SECONDS)
    if latest is not None and latest.signed_at > timezone.now() - grace:
        return
    since = f"since {latest.signed_at:%Y-%m-%d %H:%M} UTC" if latest else "yet"
    created = alert_raise(
        kind=AuditAlert.Kind.CHECKPOINT_UNSIGNED,
        dedupe_key=f"checkpoint_unsigned:{timezone.now():%Y-%m-%d}",
        detail=f"No audit checkpoint has been signed {since}. {reason}",
    )
    alerts_notify_administrators(alerts=[created] if created else [])


def alert_log_inconsistent(*, reason: str, message: str) -> None:
    created = alert_raise(
        kind=AuditAlert.Kind.LOG_INCONSISTENT,
        dedupe_key=f"log_inconsistent:{reason}:{timezone.now():%Y-%m-%d}",
        detail=message,
    )
    alerts_notify_administrators(alerts=[created] if created else [])


def alert_late_events(*, event_ids: list[int]) -> None:
    first, count = min(event_ids), len(event_ids)
    created = alert_raise(
        kind=AuditAlert.Kind.LATE_EVENT,
        dedupe_key=f"late_event:{first}",
        detail=f"{count} audit events (first: event {first}) were sealed more than "
        f"{settings.AUDIT_SEAL_LATE_SECONDS // 60} minutes after their time: they may have been "
        "written into the table afterwards.",
    )
    alerts_notify_administrators(alerts=[created] if created else [])


def alert_chain_broken(*, message: str, position: int | None) -> None:
    created = alert_raise(
        kind=AuditAlert.Kind.CHAIN_BROKEN,
        dedupe_key=f"chain_broken:{position}:{timezone.now():%Y-%m-%d}",
        detail=message,
    )
    alerts_notify_administrators(alerts=[created] if created else [])


# --- Access anomalies -------------------------------------------------------------------------


def anomalies_check(*, now: datetime | None = None) -> list[AuditAlert]:
    """Raise alerts for bulk reading and off-hours reading in the hour up to `now`."""
    now = now or timezone.now()
    created = [*_bulk_reads(now=now), *_off_hours_reads(now=now)]
    alerts_notify_administrators(alerts=created)
    return created


def _case_reads(*, since: datetime, until: datetime) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        action__in=CASE_READ_ACTIONS,
        object_type=CASE_OBJECT_TYPE,
        actor_id__isnull=False,
        occurred_at__gt=since,
        occurred_at__lte=until,
    )


def _recently_alerted(*, kind: str, subject_id: uuid.UUID, since: datetime) -> bool:
    recent = AuditAlert.objects.filter(kind=kind, subject_id=subject_id, created_at__gt=since)
    return recent.exists()


def _bulk_reads(*, now: datetime) -> list[AuditAlert]:
    limit = settings.AUDIT_ANOMALY_DISTINCT_READS
    since = now - READ_WINDOW
    readers = (
        _case_reads(since=since, until=now)
        .values("actor_id")
        .annotate(cases=Count("object_id", distinct=True))
        .filter(cases__gt=limit)
        .order_by("actor_id")
    )
    created = []
    for row in readers:
        subject, cases = row["actor_id"], row["cases"]
        # One alert per binge: a rolling window would otherwise re-alert every minute.
        if _recently_alerted(kind=AuditAlert.Kind.BULK_READ, subject_id=subject, since=since):
            continue
        alert = alert_raise(
            kind=AuditAlert.Kind.BULK_READ,
            subject_id=subject,
            dedupe_key=f"bulk_read:{subject.hex}:{now:%Y-%m-%dT%H}",
            detail=f"{cases} distinct cases read in the hour up to {now:%Y-%m-%d %H:%M} UTC "
            f"(the limit is {limit}).",
            now=now,
        )
        created += [alert] if alert else []
    return created


@dataclass(frozen=True)
class UsualHours:
    hours: frozenset[int]
    learned: bool  # False: not enough history yet, the default hours apply


def usual_hours(*, actor_id: uuid.UUID, now: datetime) -> UsualHours:
    """Hours of the day (in TIME_ZONE) in which the user read case data on at least two days of
    the last AUDIT_USUAL_HOURS_DAYS days (today excluded). With reads on fewer than
    AUDIT_USUAL_HOURS_MIN_DAYS days, AUDIT_DEFAULT_USUAL_HOURS apply (06:00 to 22:00)."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    history = (
        _case_reads(since=today - timedelta(days=settings.AUDIT_USUAL_HOURS_DAYS), until=today)
        .filter(actor_id=actor_id)
        .annotate(
            day=TruncDate("occurred_at", tzinfo=tz), hour=ExtractHour("occurred_at", tzinfo=tz)
        )
        .values_list("day", "hour")
        .distinct()
    )
    days_by_hour: dict[int, set[object]] = defaultdict(set)
    days: set[object] = set()
    for day, hour in history:
        days_by_hour[hour].add(day)
        days.add(day)
    if len(days) < settings.AUDIT_USUAL_HOURS_MIN_DAYS:
        first, last = settings.AUDIT_DEFAULT_USUAL_HOURS
        return UsualHours(hours=frozenset(range(first, last)), learned=False)
    usual = {hour for hour, seen in days_by_hour.items() if len(seen) >= USUAL_HOUR_MIN_DAYS}
    return UsualHours(hours=frozenset(usual), learned=True)


def _off_hours_reads(*, now: datetime) -> list[AuditAlert]:
    tz = timezone.get_current_timezone()
    recent = (
        _case_reads(since=now - READ_WINDOW, until=now)
        .annotate(hour=ExtractHour("occurred_at", tzinfo=tz))
        .values_list("actor_id", "hour")
        .distinct()
    )
    hours_by_actor: dict[uuid.UUID, set[int]] = defaultdict(set)
    for actor_id, hour in recent:
        hours_by_actor[cast(uuid.UUID, actor_id)].add(hour)  # never NULL: see _case_reads
    local_day = timezone.localtime(now, tz).date()
    created = []
    for actor_id, hours in sorted(hours_by_actor.items()):
        odd = sorted(hours - usual_hours(actor_id=actor_id, now=now).hours)
        if not odd:
            continue
        alert = alert_raise(
            kind=AuditAlert.Kind.OFF_HOURS,
            subject_id=actor_id,
            dedupe_key=f"off_hours:{actor_id.hex}:{local_day.isoformat()}",
            detail=f"Case data read at {', '.join(f'{h:02d}:00' for h in odd)} "
            f"({settings.TIME_ZONE}) on {local_day.isoformat()}, outside this account's usual "
            "hours.",
            now=now,
        )
        created += [alert] if alert else []
    return created
