"""Follow-up settings with their defaults, read at call time so tests and env can change them."""

from django.conf import settings


def sweep_batch_size() -> int:
    return int(getattr(settings, "FOLLOWUPS_BATCH_SIZE", 100))


def sweep_budget_seconds() -> float:
    return float(getattr(settings, "FOLLOWUPS_SWEEP_BUDGET_SECONDS", 45))


def lease_seconds() -> int:
    return int(getattr(settings, "FOLLOWUPS_LEASE_SECONDS", 600))


def max_attempts() -> int:
    return int(getattr(settings, "FOLLOWUPS_MAX_ATTEMPTS", 6))


def retry_base_seconds() -> int:
    return int(getattr(settings, "FOLLOWUPS_RETRY_BASE_SECONDS", 30))


def retry_max_seconds() -> int:
    return int(getattr(settings, "FOLLOWUPS_RETRY_MAX_SECONDS", 15 * 60))


def email_grace_seconds() -> int:
    return int(getattr(settings, "FOLLOWUPS_EMAIL_GRACE_SECONDS", 120))


def retention_days() -> int:
    return int(getattr(settings, "RETENTION_DAYS", 90))


def overdue_seconds() -> int:
    return int(getattr(settings, "FOLLOWUPS_OVERDUE_SECONDS", 3600))
