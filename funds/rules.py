"""The rules of money that need no database: thresholds and deadlines (settings)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from funds.money import EXPONENT, Currency

APPROVAL_PENDING = "funds.approval_pending"
UNPAID = "funds.unpaid"
UNCONFIRMED = "funds.unconfirmed"
EXPIRY = "funds.expiry"


def threshold_minor(currency: str) -> int:
    """Above this amount a disbursement needs two coordinators and a verified case."""
    return (
        int(getattr(settings, f"FUNDS_THRESHOLD_{currency}")) * 10 ** EXPONENT[Currency(currency)]
    )


def approvals_required(amount: int, currency: str) -> int:
    return 2 if amount > threshold_minor(currency) else 1


def approval_reminder_at(now: datetime) -> datetime:
    return now + timedelta(hours=int(settings.FUNDS_APPROVAL_REMINDER_HOURS))


def unpaid_reminder_at(now: datetime) -> datetime:
    return now + timedelta(hours=int(settings.FUNDS_UNPAID_REMINDER_HOURS))


def unconfirmed_reminder_at(now: datetime) -> datetime:
    return now + timedelta(hours=int(settings.FUNDS_UNCONFIRMED_REMINDER_HOURS))


def expiry_at(now: datetime) -> datetime:
    return now + timedelta(days=int(settings.FUNDS_APPROVAL_EXPIRY_DAYS))
