"""Retention with a stand-in model (cases register their own policy when they land)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

import pytest
from django.conf import LazySettings, settings
from django.utils import timezone

from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import FollowUp
from supportdesk.followups.retention import (
    RetentionPolicy,
    register_retention_policy,
    retention_schedule_due,
    unregister_retention_policy,
)
from supportdesk.followups.sweep import followups_sweep
from supportdesk.followups.tests.retentiontest.models import Dossier


def dossiers_due(*, cutoff: datetime) -> Iterable[object]:
    return Dossier.objects.filter(
        closed_at__lt=cutoff, on_hold=False, shredded_at__isnull=True
    ).values_list("pk", flat=True)


def dossier_shred(*, subject_id: uuid.UUID, cutoff: datetime) -> bool:
    # The lock and the second look: a coordinator may have put it on hold since it was found due.
    dossier = Dossier.objects.select_for_update().filter(pk=subject_id).first()
    if dossier is None or dossier.shredded_at or dossier.on_hold:
        return False
    if dossier.closed_at is None or dossier.closed_at >= cutoff:
        return False
    dossier.alias, dossier.shredded_at = "", timezone.now()
    dossier.save(update_fields=["alias", "shredded_at"])
    return True


@pytest.fixture
def policy(db: None) -> Iterator[RetentionPolicy]:
    policy = RetentionPolicy(name="dossiers", model=Dossier, due=dossiers_due, shred=dossier_shred)
    register_retention_policy(policy)
    yield policy
    unregister_retention_policy(policy.name)


def closed(alias: str, days_ago: float | None, *, on_hold: bool = False) -> Dossier:
    closed_at = None if days_ago is None else timezone.now() - timedelta(days=days_ago)
    return Dossier.objects.create(alias=alias, closed_at=closed_at, on_hold=on_hold)


def shred_events() -> list[str]:
    return list(
        AuditEvent.objects.filter(action="retention.shred").values_list("object_id", flat=True)
    )


def test_retention_shreds_closed_subjects_past_the_period_and_leaves_held_ones(
    policy: RetentionPolicy,
) -> None:
    old = closed("old", 91)
    held = closed("held", 200, on_hold=True)
    recent = closed("recent", 89)
    still_open = closed("open", None)

    assert retention_schedule_due() == 1
    assert followups_sweep().done == 1

    states = {d.alias or "(shredded)": d.shredded_at is not None for d in Dossier.objects.all()}
    assert states == {"(shredded)": True, "held": False, "recent": False, "open": False}
    assert Dossier.objects.get(pk=old.pk).alias == ""
    assert {held.pk, recent.pk, still_open.pk}.isdisjoint(
        Dossier.objects.filter(shredded_at__isnull=False).values_list("pk", flat=True)
    )
    assert shred_events() == [old.pk.hex]
    event = AuditEvent.objects.get(action="retention.shred")
    assert event.actor_id is None
    assert event.object_type == "followups_retentiontest.dossier"


def test_a_hold_put_on_after_the_daily_sweep_still_saves_the_subject(
    policy: RetentionPolicy,
) -> None:
    dossier = closed("old", 120)
    retention_schedule_due()
    Dossier.objects.filter(pk=dossier.pk).update(on_hold=True)

    followups_sweep()

    assert Dossier.objects.get(pk=dossier.pk).shredded_at is None
    assert shred_events() == []
    assert FollowUp.objects.get().state == FollowUp.State.DONE


def test_the_daily_sweep_twice_shreds_and_records_once(policy: RetentionPolicy) -> None:
    closed("old", 100)

    assert retention_schedule_due() == 1
    assert retention_schedule_due() == 1  # the pending row is not scheduled twice
    assert FollowUp.objects.count() == 1
    followups_sweep()
    assert retention_schedule_due() == 0
    followups_sweep()

    assert len(shred_events()) == 1


def test_the_retention_period_comes_from_settings(
    policy: RetentionPolicy, settings: LazySettings
) -> None:
    settings.RETENTION_DAYS = 30
    closed("a month and a day", 31)
    closed("a few weeks", 20)

    assert retention_schedule_due() == 1


def test_beat_runs_the_sweep_every_minute_and_retention_daily() -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["followups-sweep"]["task"] == "followups.sweep"
    assert schedule["followups-sweep"]["schedule"] == float(settings.FOLLOWUPS_SWEEP_SECONDS)
    assert schedule["followups-retention"]["task"] == "followups.retention"
    assert settings.FOLLOWUPS_LEASE_SECONDS > settings.CELERY_TASK_TIME_LIMIT
    assert settings.RETENTION_DAYS == 90
