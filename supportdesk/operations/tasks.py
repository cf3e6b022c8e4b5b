"""Thin Celery tasks: ids in, one service call (docs/operations.md)."""

from celery import shared_task

from supportdesk.operations.services import TASK_TIME_LIMIT, backup_nightly_ensure, backup_run


# Beat, once a night: make sure tonight's follow-up row exists (normally the previous night's
# handler made it already).
@shared_task(
    name="operations.backup_nightly", ignore_result=True, soft_time_limit=60, time_limit=90
)
def backup_nightly_task() -> None:
    backup_nightly_ensure()


# Hours, not the default minutes: a large database takes long to dump. A copy of the message
# delivered again (Redis' visibility timeout is an hour) finds the row running and does nothing.
@shared_task(
    name="operations.backup_run",
    ignore_result=True,
    soft_time_limit=TASK_TIME_LIMIT - 300,
    time_limit=TASK_TIME_LIMIT,
)
def backup_run_task(*, backup_id: str) -> None:
    backup_run(backup_id=backup_id)
