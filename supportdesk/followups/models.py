"""Follow-ups (time-based duties stored as rows) and the in-app notifications they produce.

A follow-up row is the source of truth for a duty: it is written in the same transaction as the
change that needs it, and swept by Celery beat. Losing the broker delays a duty; it never loses one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.messages import rendered


class FollowUp(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=64)
    # Any model: ids are UUIDs or integers, kept as text (no foreign key, so a row can outlive
    # a shredded subject and still be cancelled or reported).
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # Counted when a sweep claims the row, so a handler that kills its worker still uses one up.
    attempts = models.PositiveIntegerField(default=0)
    # When a sweep may take the row next: the due time, a retry time, or the end of a claim's lease.
    next_attempt_at = models.DateTimeField()
    # The exception's class name only: messages may quote personal data.
    last_error = models.CharField(max_length=100, blank=True)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # The same duty for the same subject is pending once, whoever schedules it and when.
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=Q(state="pending"),
                name="followup_one_pending_duty",
            ),
        ]
        indexes = [
            # The sweep reads only due pending rows: its cost follows the number due, not the total.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="followup_pending_next",
            ),
            # Overdue rows for the administrators' problems list.
            models.Index(
                fields=["due_at"], condition=Q(state="pending"), name="followup_pending_due"
            ),
            models.Index(
                fields=["subject_type", "subject_id"],
                condition=Q(state="pending"),
                name="followup_pending_subject",
            ),
            models.Index(
                fields=["finished_at"], condition=Q(state="failed"), name="followup_failed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def subject_pk(self) -> object:
        """The subject's primary key as its model's type (a UUID or an int)."""
        model = ContentType.objects.get_for_id(self.subject_type_id).model_class()  # cached
        if model is None:
            return self.subject_id
        return model._meta.pk.to_python(self.subject_id)


def new_dedupe_key() -> str:
    return uuid.uuid4().hex


class Notification(models.Model):
    """An alert in a user's inbox, stored unencrypted: its message names a case by reference at
    most; the details sit behind `link`. The message is kept as its source sentence and parameters
    (`supportdesk.messages`) and read in the reader's language."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    message = models.JSONField(default=dict, blank=True)
    text = models.CharField(max_length=300, blank=True)  # notifications from before messages
    link = models.CharField(max_length=300, blank=True)  # a path on this site, never an outside URL
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Same key, same user: one notification, however often a handler is retried.
    dedupe_key = models.CharField(max_length=100, default=new_dedupe_key)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], name="notification_once_per_user_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True, read_at__isnull=True),
                name="notification_to_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"

    @property
    def sentence(self) -> str:
        """What the notification says, in the language active now."""
        return rendered(self.message, fallback=self.text)
