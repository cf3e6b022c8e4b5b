"""Dates, times, numbers and phones as each language writes them: the one place templates format
them (the formats themselves are in `supportdesk/formats/<language>/formats.py`).

Templates have them as filters of the same names (`supportdesk/templatetags/formatting.py`, a
builtin library in settings `TEMPLATES`, so no template loads it); code calls them from here:

    {{ event.created_at|when }}      3 Dec 2026, 14:05      ၀၃-၁၂-၂၀၂၆ ၁၄:၀၅
    {{ case.date_left|day }}         3 Dec 2026             ၀၃-၁၂-၂၀၂၆
    {{ row.first_day|month }}        Dec 2026               ၁၂-၂၀၂၆
    {{ leg.planned_arrival|clock }}  14:05                  ၁၄:၀၅
    {{ item.count|number }}          1,250                  ၁,၂၅၀
    {{ contact.phone|phone }}        +95 9 261 123 456      +၉၅ ၉ ၂၆၁ ၁၂၃ ၄၅၆
    {{ row.matched_ending|digits }}  101                    ၁၀၁
    {{ backup.size_bytes|size }}     1.2 MB                 ၁.၂ MB
    {{ backup.finished_at|ago }}     2 days                 (Django's words, the language's digits)

Machine-readable values (a `datetime=` attribute, a `tel:` link) are not for these filters: use
`|date:"c"` and `|phone_link`. Codes and references are never passed through them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cache

import phonenumbers
from django.template import defaultfilters
from django.utils import formats, translation
from django.utils.timezone import is_aware, localtime

ASCII_DIGITS = "0123456789"


@cache
def _digits_table(language: str) -> dict[int, int]:
    for module in formats.get_format_modules(language):
        digits = getattr(module, "DIGITS", None)
        if digits:
            return str.maketrans(ASCII_DIGITS, digits)
    return {}


def in_digits(text: str, language: str | None = None) -> str:
    """`text` with its ASCII digits written in the language's digits."""
    return text.translate(_digits_table(language or translation.get_language() or "en"))


def _datetime(value: object) -> datetime.datetime | datetime.date | None:
    if isinstance(value, datetime.datetime):
        return localtime(value) if is_aware(value) else value
    return value if isinstance(value, datetime.date) else None


def when(value: object) -> str:
    """A moment: date and time, in the reader's time zone."""
    moment = _datetime(value)
    if not isinstance(moment, datetime.datetime):
        return day(value)
    return in_digits(formats.date_format(moment, "DATETIME_FORMAT"))


def day(value: object) -> str:
    """A day (of a date or a moment)."""
    moment = _datetime(value)
    if moment is None:
        return ""
    return in_digits(formats.date_format(moment, "DATE_FORMAT"))


def month(value: object) -> str:
    """A month of a year: "Dec 2026", in Burmese "၁၂-၂၀၂၆" (Django has no Burmese month names)."""
    moment = _datetime(value)
    if moment is None:
        return ""
    return in_digits(formats.date_format(moment, "YEAR_MONTH_FORMAT"))


def month_alone(value: object) -> str:
    """The month without its year, as `month` writes it: "Dec", in Burmese "၁၂"."""
    moment = _datetime(value)
    if moment is None:
        return ""
    numeric = any(part in formats.get_format("YEAR_MONTH_FORMAT") for part in "mn")
    return in_digits(formats.date_format(moment, "n" if numeric else "M"))


def clock(value: object) -> str:
    """The time of day of a moment."""
    moment = _datetime(value)
    if isinstance(moment, datetime.datetime):
        return in_digits(formats.time_format(moment, "TIME_FORMAT"))
    if isinstance(value, datetime.time):
        return in_digits(formats.time_format(value, "TIME_FORMAT"))
    return ""


def number(value: object) -> str:
    """A count or a quantity, grouped by thousands."""
    if not isinstance(value, int | float | Decimal | str) or value == "":
        return "" if value is None else str(value)
    return in_digits(formats.number_format(value, force_grouping=True))


def digits(value: object) -> str:
    """Digits that are not a quantity (the last digits of a phone), ungrouped."""
    return in_digits("" if value is None else str(value))


def size(value: object) -> str:
    """A file size (1.2 MB)."""
    if not isinstance(value, int | float | str):
        return ""
    return in_digits(str(defaultfilters.filesizeformat(value)))


def ago(value: object) -> str:
    """How long ago a moment was ("2 days, 3 hours")."""
    if not isinstance(value, datetime.date):
        return ""
    return in_digits(str(defaultfilters.timesince_filter(value)))


def _parsed(value: object) -> phonenumbers.PhoneNumber | None:
    if not isinstance(value, str) or not value.startswith("+"):
        return None  # not a stored phone (blank, or a value shredded with its case)
    try:
        return phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None


def phone(value: object) -> str:
    """A stored (E.164) phone grouped the international way; anything else as it is."""
    parsed = _parsed(value)
    if parsed is None:
        return "" if value is None else str(value)
    shown = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return in_digits(shown)


def phone_link(value: object) -> str:
    """A `tel:` address to dial the phone ("" for anything that is not a phone)."""
    parsed = _parsed(value)
    if parsed is None:
        return ""
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
