"""Thin Celery tasks. Beat runs the purge of old idempotency keys once a day
(CELERY_BEAT_SCHEDULE, `FUNDS_IDEMPOTENCY_KEEP_DAYS`); running it twice does no harm."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from funds.services.idempotency import idempotency_keys_purge


@shared_task(name="funds.idempotency_purge", ignore_result=True, soft_time_limit=600)
def idempotency_purge_task() -> int:
    keep = timedelta(days=int(settings.FUNDS_IDEMPOTENCY_KEEP_DAYS))
    return idempotency_keys_purge(older_than=timezone.now() - keep)
