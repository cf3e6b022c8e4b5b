"""Thin Celery tasks: ids in, one service call. Beat runs the sweeps (CELERY_BEAT_SCHEDULE).

Every task here is safe to run twice or at the same time as itself: the rows they work on are
claimed in the database, so acks_late redelivery or an overlapping beat tick repeats nothing.
"""

from celery import shared_task

from supportdesk.followups.registry import TRANSIENT_ERRORS
from supportdesk.followups.retention import retention_schedule_due
from supportdesk.followups.services import notifications_email_catch_up, notifications_email_send
from supportdesk.followups.sweep import followups_sweep


# The sweep stops taking new batches after FOLLOWUPS_SWEEP_BUDGET_SECONDS (45 s by default), well
# inside the soft limit; the hard limit kills a handler stuck for good, and its row comes back
# when its lease (FOLLOWUPS_LEASE_SECONDS, longer than this limit) runs out.
@shared_task(name="followups.sweep", ignore_result=True, soft_time_limit=240, time_limit=300)
def followups_sweep_task() -> None:
    followups_sweep()
    notifications_email_catch_up()


@shared_task(name="followups.retention", ignore_result=True, soft_time_limit=240, time_limit=300)
def retention_task() -> None:
    retention_schedule_due()


@shared_task(
    name="followups.email_user",
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def notifications_email_task(*, user_id: str) -> None:
    notifications_email_send(user_id=user_id)
