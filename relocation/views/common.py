"""What the relocation pages share: how a leg's ends are named on a page (relocation.labels, shared
with the case page's section), the fields a page's view event names, and how a service's refusal
of a field lands on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from relocation.api import CHECK_IN_VIEW_FIELDS, LEG_VIEW_FIELDS, PLAN_VIEW_FIELDS
from relocation.labels import duration_text, leg_row, shown_text, waypoint_label

__all__ = [
    "CHECK_IN_VIEW_FIELDS",
    "LEG_VIEW_FIELDS",
    "PLAN_VIEW_FIELDS",
    "duration_text",
    "leg_row",
    "shown_text",
    "waypoint_label",
]


def refused_on_form(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal of a field (found under its lock) shown at that field."""
    for name, messages in error.message_dict.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
