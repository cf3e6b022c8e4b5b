"""Reads for follow-ups and notifications, always scoped to the user asking."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.followups import conf
from supportdesk.followups.models import FollowUp, Notification


def notifications_for_user(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "id")


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_get_for_user(*, user: User, notification_id: UUID) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Http404
    return notification


def followup_problems_for_user(*, user: User, now: datetime | None = None) -> QuerySet[FollowUp]:
    """Failed duties and duties overdue by more than an hour; administrators only (404 otherwise,
    like any object out of scope)."""
    if not (user.is_active and user.is_administrator):
        raise Http404
    overdue_before = (now or timezone.now()) - timedelta(seconds=conf.overdue_seconds())
    return (
        FollowUp.objects.filter(
            Q(state=FollowUp.State.FAILED)
            | Q(state=FollowUp.State.PENDING, due_at__lt=overdue_before)
        )
        .select_related("subject_type")
        .order_by("due_at", "id")
    )


def followup_get_problem_for_user(*, user: User, followup_id: int) -> FollowUp:
    followup = followup_problems_for_user(user=user).filter(pk=followup_id).first()
    if followup is None:
        raise Http404
    return followup
