"""Audit events: who did what to which object, when, from where. Field names, never values.

Events are append-only. Each is inserted unsealed (`chain_position` NULL); the sealer
(`supportdesk.audit.chain`) later gives it the next chain position and two MACs, once. On PostgreSQL
a trigger (migration 0003) rejects every other UPDATE and every DELETE; see docs/audit.md.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The columns only the sealer writes, once, from NULL. Everything else is fixed at insert.
CHAIN_COLUMNS = ("chain_position", "event_mac", "chain_mac")


class AuditEvent(models.Model):
    # The sequence number, assigned by the database on insert without any lock of ours.
    id = models.BigAutoField(primary_key=True)
    # Indexed with BRIN on PostgreSQL (migration 0005): tiny and nearly free to keep up on an
    # append-only table whose rows arrive in time order.
    occurred_at = models.DateTimeField()
    # No foreign key: events must outlive (and never cascade with) the users and objects they name.
    # Indexed through audit_actor_time and audit_action_time (each write pays for every index).
    actor_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=list, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Written by the sealer only. The chain runs in position order, which is the order the sealer
    # saw events commit (not always id order: a long transaction may commit after a later id).
    chain_position = models.BigIntegerField(null=True, blank=True)
    # NULL (not "") means "not sealed yet": the trigger and the sealer's queue rely on it.
    event_mac = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    chain_mac = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["id"]
        constraints = [
            # Partial: unsealed rows (NULL) are not written into this index at insert.
            models.UniqueConstraint(
                fields=["chain_position"],
                condition=Q(chain_position__isnull=False),
                name="audit_chain_position_unique",
            )
        ]
        indexes = [
            # Every index costs each request that records an event: these serve "who touched
            # this record", "what did this account do" and the sealer; time ranges use BRIN.
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time"),
            # The sealer's work queue: small however long the log grows.
            models.Index(
                fields=["id"], condition=Q(chain_position__isnull=True), name="audit_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action}"


class AuditChainHead(models.Model):
    """Where the sealed chain ends. One row; the sealer locks it so two sealers never interleave.

    Request paths never touch this row: appending an event takes no lock of ours.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    position = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, default="")
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Audit chain head at {self.position}"


class AuditTreeNode(models.Model):
    """A complete subtree of the Merkle tree over sealed events (supportdesk.audit.tree).

    Written once, by the sealer, when the subtree is complete; never changed (on PostgreSQL a
    trigger refuses UPDATE and DELETE, migration 0007). Leaf i hashes the event at chain position
    i + 1. Proofs read a few dozen of these; nothing else does.
    """

    # The node's place in the tree, numbered in order: leaf i is 2i; the node of level L and index
    # i is i * 2^(L+1) + 2^L - 1 (supportdesk.audit.merkle.node_id). One key, no other index.
    id = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"Audit tree node {self.id}"


class AuditCheckpoint(models.Model):
    """A checkpoint (C2SP tlog-checkpoint) the signer signed: the tree's size and root hash.

    `note` is the signed note exactly as the signer returned it, what `audit_checkpoint --export`
    prints. Never changed or deleted (trigger, migration 0007).
    """

    id = models.BigAutoField(primary_key=True)
    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"Audit checkpoint at {self.tree_size} ({self.signed_at:%Y-%m-%d %H:%M})"


class AuditAlert(models.Model):
    """Something administrators must look at. Ids and counts only, never personal data."""

    class Kind(models.TextChoices):
        BULK_READ = "bulk_read", _("Many cases read in an hour")
        OFF_HOURS = "off_hours", _("Reads outside usual hours")
        CHAIN_BROKEN = "chain_broken", _("Audit log tampered with")
        LATE_EVENT = "late_event", _("Audit event written long after its time")
        LOG_INCONSISTENT = "log_inconsistent", _("Audit log does not match its signed checkpoint")
        CHECKPOINT_UNSIGNED = "checkpoint_unsigned", _("Audit checkpoints are not being signed")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField(db_index=True)
    # The account concerned (for access anomalies); no foreign key, like events.
    subject_id = models.UUIDField(null=True, blank=True, db_index=True)
    # A sentence built from counts, times and event ids only.
    detail = models.CharField(max_length=500)
    # One alert per subject and window: concurrent checks insert the same key once.
    dedupe_key = models.CharField(max_length=200, unique=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="auditalert_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


def object_ref(obj: models.Model) -> tuple[str, str]:
    pk = obj.pk
    return obj._meta.label_lower, (pk.hex if isinstance(pk, uuid.UUID) else str(pk))
