"""Checks shared by page forms and API serializers (Django validators: both accept them)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def not_in_future(value: datetime.date | None) -> None:
    """A date something happened (left the army, was seen, was sent) is today at the latest, in
    the site's time zone: a date next year is a typing mistake, never stored silently."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(
            _("This date is in the future: give the day it happened."), code="future_date"
        )
