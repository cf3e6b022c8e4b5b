"""Checks shared by page forms and API serializers (Django validators: both accept them)."""

from __future__ import annotations

import datetime
import re

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


# NUL and the other C0 controls (tab, line feed and carriage return are text), and the Unicode
# controls that reorder what follows them: an override or isolate makes "Ko Aung" render as
# another name, or a handle look like someone else's. Zero-width characters are not here: Burmese
# keyboards type them, and the normalisers strip them (supportdesk/vault/normalise.py).
HIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
HIDDEN_CONTROL_REFUSED = _(
    "This text contains an invisible control character (such as a NUL byte or a right-to-left "
    "override): type it again without it."
)


def no_hidden_controls(value: str) -> None:
    if HIDDEN_CONTROLS.search(value):
        raise ValidationError(HIDDEN_CONTROL_REFUSED, code="hidden_control")
