"""Old idempotency keys are purged by a nightly task; recent ones stay and still answer retries."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from funds.models import IdempotencyKey
from funds.services.idempotency import idempotency_claim, idempotency_keys_purge
from funds.tasks import idempotency_purge_task
from supportdesk.accounts.models import User

pytestmark = pytest.mark.django_db


def key(user: User, name: str, age_days: int) -> IdempotencyKey:
    record, _ = idempotency_claim(user=user, key=name, route="test", body={"a": 1})
    IdempotencyKey.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=age_days)
    )
    return record


def test_keys_older_than_the_cut_go_in_batches(volunteer: User) -> None:
    for n in range(5):
        key(volunteer, f"old-{n}", 40)
    key(volunteer, "new", 1)
    cut = timezone.now() - datetime.timedelta(days=30)
    assert idempotency_keys_purge(older_than=cut, batch_size=2) == 5
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert idempotency_keys_purge(older_than=cut) == 0


@override_settings(FUNDS_IDEMPOTENCY_KEEP_DAYS=10)
def test_the_task_keeps_the_configured_days(volunteer: User) -> None:
    key(volunteer, "eleven", 11)
    key(volunteer, "nine", 9)
    assert idempotency_purge_task() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["nine"]


def test_beat_runs_the_purge_nightly() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["funds-idempotency-purge"]
    assert entry["task"] == idempotency_purge_task.name == "funds.idempotency_purge"
