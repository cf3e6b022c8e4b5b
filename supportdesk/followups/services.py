"""Writes for follow-ups and notifications. Other apps call these inside their own transactions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from celery import current_app
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from supportdesk.accounts.models import Team, User
from supportdesk.errors import Conflict
from supportdesk.followups import conf
from supportdesk.followups.audit_actions import FollowUpActions
from supportdesk.followups.models import FollowUp, Notification, new_dedupe_key
from supportdesk.messages import Message

logger = logging.getLogger(__name__)

# Publishing gives up fast when the broker is away: the request has already committed, the rows
# are the source of truth, and the next sweep catches up. A web request must not hang on Redis.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
EMAIL_CLAIM_LIMIT = 1000


def subject_key(pk: object) -> str:
    return str(pk)


# --- Follow-ups -------------------------------------------------------------------------------


def followup_schedule(
    *,
    kind: str,
    subject: models.Model,
    due_at: datetime,
    team: Team | None = None,
    users: Iterable[User] = (),
) -> FollowUp:
    """Schedule a duty, in the caller's transaction. The same kind for the same subject is pending
    at most once: scheduling it again returns the pending row unchanged (to move a duty, cancel it
    and schedule it again in the same transaction)."""
    subject_type = ContentType.objects.get_for_model(type(subject))
    subject_id = subject_key(subject.pk)
    existing = _pending_duty(kind=kind, subject_type=subject_type, subject_id=subject_id)
    if existing is not None:
        return existing
    try:
        # A savepoint: two transactions may schedule the same duty at once; the partial unique
        # constraint lets one insert, the other waits for it and then returns its row.
        with transaction.atomic():
            followup = FollowUp.objects.create(
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                due_at=due_at,
                next_attempt_at=due_at,
                team=team,
            )
    except IntegrityError:
        existing = _pending_duty(kind=kind, subject_type=subject_type, subject_id=subject_id)
        if existing is None:
            raise
        return existing
    users = list(users)
    if users:
        followup.users.add(*users)
    return followup


def _pending_duty(*, kind: str, subject_type: ContentType, subject_id: str) -> FollowUp | None:
    return FollowUp.objects.filter(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        state=FollowUp.State.PENDING,
    ).first()


def followup_cancel(*, subject: models.Model, kind: str | None = None) -> int:
    """Cancel the subject's pending duties (of one kind, or all), in the caller's transaction.

    A sweep running the duty's handler right now does not block this; its handler's work is rolled
    back when it finds the row cancelled at the end (see `sweep.followup_run`).
    """
    rows = FollowUp.objects.filter(
        subject_type=ContentType.objects.get_for_model(type(subject)),
        subject_id=subject_key(subject.pk),
        state=FollowUp.State.PENDING,
    )
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.update(state=FollowUp.State.CANCELLED, finished_at=timezone.now())


class FollowUpNotRetryable(Conflict):
    default_message = gettext_lazy(
        "This follow-up cannot be tried again: the same duty is already pending."
    )


@transaction.atomic
def followup_retry(*, actor: User, followup: FollowUp) -> FollowUp:
    """An administrator sends a failed duty back to the sweep (after fixing what made it fail)."""
    from supportdesk.audit.services import audit_record

    now = timezone.now()
    try:
        with transaction.atomic():
            updated = FollowUp.objects.filter(pk=followup.pk, state=FollowUp.State.FAILED).update(
                state=FollowUp.State.PENDING, attempts=0, next_attempt_at=now, finished_at=None
            )
    except IntegrityError:
        raise FollowUpNotRetryable from None
    if not updated:
        raise FollowUpNotRetryable(_("Only a failed follow-up can be tried again."))
    audit_record(actor=actor, action=FollowUpActions.RETRY, obj=followup, fields=["state"])
    followup.refresh_from_db()
    return followup


def followup_recipients(followup: FollowUp) -> QuerySet[User]:
    """The active users a duty concerns: its named users and the members of its team."""
    concerned = Q(pk__in=followup.users.through.objects.filter(followup=followup).values("user"))
    if followup.team_id is not None:
        concerned |= Q(memberships__team_id=followup.team_id)
    return User.objects.filter(concerned, is_active=True).distinct()


# --- Notifications ----------------------------------------------------------------------------


class BadLink(ValueError):
    pass


def notify_users(
    *,
    users: Iterable[User],
    kind: str,
    message: Message,
    link: str = "",
    dedupe_key: str | None = None,
) -> None:
    """Put a notification in each user's inbox and email them after commit that there is news.

    Notifications are stored unencrypted: `message` names a case by its short reference and
    nothing more personal (never an alias or a place); the link leads to the details, behind
    login. Each reader sees it in their own language. With a
    `dedupe_key`, a user gets at most one notification for that key, however often the caller is
    retried.
    """
    if link and (not link.startswith("/") or link.startswith("//")):
        raise BadLink("Notification links are paths on this site.")
    now = timezone.now()
    recipients = [user for user in users if user.is_active]
    rows = [
        Notification(
            user=user,
            kind=kind,
            message=message.to_json(),
            link=link,
            created_at=now,
            dedupe_key=dedupe_key or new_dedupe_key(),
        )
        for user in recipients
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    for user in recipients:
        enqueue_after_commit("followups.email_user", user_id=str(user.pk))


def followup_notify(
    *, followup: FollowUp, message: Message, link: str = "", users: Iterable[User] | None = None
) -> None:
    """Notify the users a duty concerns, once per user for this follow-up (retries add nothing)."""
    notify_users(
        users=followup_recipients(followup) if users is None else users,
        kind=followup.kind,
        message=message,
        link=link,
        dedupe_key=f"followup:{followup.pk}",
    )


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    Notification.objects.filter(pk=notification.pk, user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_email_send(*, user_id: UUID | str) -> int:
    """Email a user "you have N new alerts" for their unread, not yet emailed notifications.

    The notifications are marked emailed and committed before sending, so a retried or redelivered
    task never emails the same alerts twice. If sending fails the mark is undone and the error is
    raised for the task to retry. A worker killed between commit and send loses that one email;
    the alerts stay in the inbox.
    """
    now = timezone.now()
    with transaction.atomic():
        # Two email tasks for one user can run at once (the one enqueued after commit and the
        # sweep's catch-up): skip_locked gives each a disjoint set, so no alert is counted twice.
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(user_id=user_id, emailed_at__isnull=True, read_at__isnull=True)
            .values_list("pk", flat=True)[:EMAIL_CLAIM_LIMIT]
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids).update(emailed_at=now)
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    try:
        send_mail(
            subject=_("supportdesk: new alerts"),
            message=_email_body(count=len(ids)),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:
        Notification.objects.filter(pk__in=ids, emailed_at=now).update(emailed_at=None)
        raise
    return len(ids)


def _email_body(*, count: int) -> str:
    # Nothing about cases: an inbox can be read by whoever holds the phone.
    line = ngettext("You have %(n)d new alert.", "You have %(n)d new alerts.", count) % {"n": count}
    return f"{line}\n\n{settings.SUPPORTDESK_BASE_URL.rstrip('/')}/notifications/\n"


def notifications_email_catch_up(*, now: datetime | None = None) -> int:
    """Enqueue email for users whose alerts were never emailed (the broker was away when they were
    created, or a task was lost). Returns how many users."""
    cutoff = (now or timezone.now()) - timedelta(seconds=conf.email_grace_seconds())
    user_ids = list(
        Notification.objects.filter(
            emailed_at__isnull=True, read_at__isnull=True, created_at__lte=cutoff
        )
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()[:EMAIL_CLAIM_LIMIT]
    )
    for user_id in user_ids:
        enqueue_after_commit("followups.email_user", user_id=str(user_id))
    return len(user_ids)


# --- Celery ------------------------------------------------------------------------------------


def enqueue_after_commit(task_name: str, **kwargs: Any) -> None:
    """Send a task (ids only) once the current transaction commits. A broker outage is logged and
    swallowed: the change has committed, and the rows it left let a later sweep catch up."""

    def publish() -> None:
        try:
            current_app.send_task(
                task_name, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        except Exception as exc:
            logger.warning(
                "followups: could not enqueue %s (%s); a sweep will catch up",
                task_name,
                type(exc).__name__,
            )

    transaction.on_commit(publish)
