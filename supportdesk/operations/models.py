"""One row per backup: asked for, made, failed or deleted. No personal data; the archive itself
lives in a file (BACKUP_DIR), sealed under the backup key."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Backup(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")  # tonight's, waiting for its time
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Made and checked")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly")
        REQUESTED = "requested", _("Asked for on the backups page")
        COMMAND = "command", _("manage.py backup")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)  # nightly: when it is to start
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Where the archive is (absolute); archives in BACKUP_DIR are the ones kept BACKUP_KEEP deep.
    path = models.CharField(max_length=500, blank=True)
    archive_id = models.CharField(max_length=32, blank=True)  # hex, as in the archive's header
    key_id = models.CharField(max_length=32, blank=True)  # the backup key it is sealed under
    size_bytes = models.BigIntegerField(null=True, blank=True)
    dump_bytes = models.BigIntegerField(null=True, blank=True)  # before compression
    chunks = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the file, to check a copy elsewhere
    # A sentence naming what failed (a tool, a folder, a key): never data from the database.
    failure = models.CharField(max_length=300, blank=True)
    pruned_at = models.DateTimeField(null=True, blank=True)  # its file deleted (BACKUP_KEEP)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The last good backup, and the copies kept: made, checked, file still there.
            models.Index(
                fields=["-finished_at"],
                condition=Q(status="succeeded", pruned_at__isnull=True),
                name="backup_kept",
            ),
        ]

    def __str__(self) -> str:
        return f"Backup {self.id.hex[:8]} ({self.status})"

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
