"""Periodic audit work (CELERY_BEAT_SCHEDULE in settings): seal, sign checkpoints, look for
anomalies, verify."""

from celery import shared_task

from supportdesk.audit import alerts


@shared_task(ignore_result=True)
def audit_seal() -> int:
    return alerts.audit_seal()


@shared_task(ignore_result=True)
def audit_anomalies_check() -> int:
    return len(alerts.anomalies_check())


@shared_task(ignore_result=True)
def audit_verify() -> bool:
    """Nightly: seal what is waiting, walk the whole chain, alert administrators if it is broken."""
    return alerts.audit_verify_and_alert().intact


@shared_task(ignore_result=True)
def audit_checkpoint() -> int | None:
    """Every few minutes: have the tree signed; alert administrators if the signer refuses."""
    checkpoint = alerts.audit_checkpoint_and_alert()
    return checkpoint.tree_size if checkpoint else None
