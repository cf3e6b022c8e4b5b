"""Thin Celery tasks. Beat runs the missed-check-in sweep (CELERY_BEAT_SCHEDULE); it is safe to
run twice at once (legs are claimed in the database)."""

from celery import shared_task

from relocation.services.checkins import checkins_missed_sweep


@shared_task(
    name="relocation.checkins_sweep", ignore_result=True, soft_time_limit=50, time_limit=60
)
def checkins_sweep_task() -> None:
    checkins_missed_sweep()
