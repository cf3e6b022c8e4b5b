"""Retention: subjects closed longer than `RETENTION_DAYS` are shredded, unless put on hold.

An app registers a policy for its model (cases will, when they land). The daily beat task turns
every due subject into a follow-up row, so shredding gets the sweep's retries, alerts and problems
list; the row's handler asks the policy to shred (the policy checks the hold again, under a lock)
and records the shredding in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from supportdesk.audit.services import audit_record
from supportdesk.followups import conf
from supportdesk.followups.audit_actions import FollowUpActions
from supportdesk.followups.models import FollowUp
from supportdesk.followups.registry import NoHandler, register_handler, unregister_handler
from supportdesk.followups.services import followup_schedule

KIND_PREFIX = "retention."


@dataclass(frozen=True)
class RetentionPolicy:
    """Subjects of `model` that must be destroyed after the retention period.

    `due(cutoff=...)` returns the ids of subjects closed before `cutoff` and not on hold.
    `shred(subject_id=..., cutoff=...)` locks the subject, checks again that it is still due (a
    coordinator may have put it on hold since), destroys it and returns True; otherwise it returns
    False and changes nothing. Shredding an already shredded subject returns False.
    """

    name: str
    model: type[models.Model]
    due: Callable[..., Iterable[object]]
    shred: Callable[..., bool]

    @property
    def kind(self) -> str:
        return KIND_PREFIX + self.name


_policies: dict[str, RetentionPolicy] = {}


def register_retention_policy(policy: RetentionPolicy) -> None:
    if _policies.get(policy.name, policy) is not policy:
        raise ImproperlyConfigured(f"A retention policy named {policy.name!r} already exists.")
    _policies[policy.name] = policy
    register_handler(policy.kind, retention_shred_handler)


def unregister_retention_policy(name: str) -> None:
    policy = _policies.pop(name, None)
    if policy is not None:
        unregister_handler(policy.kind)


def retention_cutoff(*, now: datetime) -> datetime:
    return now - timedelta(days=conf.retention_days())


def retention_schedule_due(*, now: datetime | None = None) -> int:
    """The daily sweep: one follow-up row per due subject (scheduling is idempotent, so a subject
    already waiting is not added twice). Returns how many subjects are waiting to be shredded."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now=now)
    count = 0
    for policy in list(_policies.values()):
        with transaction.atomic():
            for subject_id in policy.due(cutoff=cutoff):
                followup_schedule(kind=policy.kind, subject=policy.model(pk=subject_id), due_at=now)
                count += 1
    return count


def retention_shred_handler(followup: FollowUp) -> None:
    policy = _policies.get(followup.kind.removeprefix(KIND_PREFIX))
    if policy is None:
        raise NoHandler(followup.kind)
    subject_id = followup.subject_pk
    if policy.shred(subject_id=subject_id, cutoff=retention_cutoff(now=timezone.now())):
        audit_record(
            actor=None, action=FollowUpActions.RETENTION_SHRED, obj=policy.model(pk=subject_id)
        )
