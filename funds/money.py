"""Money as people type it and read it: integer minor units of MMK, USD and THB.

Input accepts ASCII digits or Myanmar digits (U+1040-U+1049), and a decimal part only where the
currency has one (USD and THB: cents and satang; MMK has none, see docs/funds.md). Everything
else is refused with a sentence for the field: signs, exponents, grouping commas, spaces inside,
full-width, Arabic-Indic and other digits, empty input, zero, and amounts over the cap of the
currency (settings `FUNDS_MAX_AMOUNT_<CURRENCY>`, in major units). Amounts are never floats.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Currency(models.TextChoices):
    MMK = "MMK", gettext_lazy("Myanmar kyat")
    USD = "USD", gettext_lazy("US dollar")
    THB = "THB", gettext_lazy("Thai baht")


# Digits after the decimal point. MMK: the kyat is the smallest unit in use (docs/funds.md).
EXPONENT = {Currency.MMK: 0, Currency.USD: 2, Currency.THB: 2}
LAKH = 100_000  # kyat

_MYANMAR_DIGITS = "၀၁၂၃၄၅၆၇၈၉"
_TO_ASCII = str.maketrans(_MYANMAR_DIGITS, "0123456789")
_FROM_ASCII = str.maketrans("0123456789", _MYANMAR_DIGITS)
# Explicit ranges, never \d or str.isdigit (both accept full-width and Arabic-Indic digits).
_DIGIT = "[0-9\u1040-\u1049]"
_AMOUNT = re.compile(rf"({_DIGIT}+)(?:\.({_DIGIT}+))?")
# Longer input is refused before it is looked at.
MAX_INPUT_LENGTH = 32


def max_amount_minor(currency: str) -> int:
    """The cap of one amount, in minor units."""
    major = int(getattr(settings, f"FUNDS_MAX_AMOUNT_{currency}"))
    return major * 10 ** EXPONENT[Currency(currency)]


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="amount_invalid")


def parse_amount(raw: object, currency: str) -> int:
    """The amount in minor units, or a ValidationError with a sentence for the field."""
    if currency not in Currency.values:
        raise _invalid(_("Choose the currency: MMK, USD or THB."))
    exponent = EXPONENT[Currency(currency)]
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _invalid(_("Write the amount in digits, for example 50000."))
    text = str(raw).strip()
    if not text:
        raise _invalid(_("Enter an amount."))
    match = _AMOUNT.fullmatch(text) if len(text) <= MAX_INPUT_LENGTH else None
    if match is None:
        raise _invalid(
            _(
                "Write the amount in digits only, without commas, spaces or signs, for example "
                "50000 or ၅၀၀၀၀."
            )
        )
    whole, fraction = match.group(1).translate(_TO_ASCII), match.group(2)
    if fraction is not None and exponent == 0:
        raise _invalid(_("Kyat amounts are whole numbers: leave out the decimal part."))
    fraction = (fraction or "").translate(_TO_ASCII)
    if len(fraction) > exponent:
        raise _invalid(
            _("Write at most %(digits)s digits after the decimal point.") % {"digits": exponent}
        )
    minor = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor <= 0:
        raise _invalid(_("Enter an amount more than zero."))
    cap = max_amount_minor(currency)
    if minor > cap:
        raise _invalid(
            _("The amount is more than the limit of %(cap)s.")
            % {"cap": format_amount(cap, currency)}
        )
    return minor


def major_text(minor: int, currency: str) -> str:
    """The amount in major units as plain text with no grouping ("1250.50"): for the API."""
    exponent = EXPONENT[Currency(currency)]
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}" + (f".{fraction:0{exponent}d}" if exponent else "")


def _grouped(minor: int, currency: str) -> str:
    exponent = EXPONENT[Currency(currency)]
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")


# The kind of `supportdesk.messages.Formatted` parameter that is an amount: [minor units, currency].
MONEY = "money"


def format_money_param(value: list[object], language: str) -> str:
    """A stored sentence's amount for its reader (registered in FundsConfig.ready())."""
    minor, currency = value
    return format_amount(int(str(minor)), str(currency), language=language)


def format_amount(minor: int, currency: str, *, language: str = "en") -> str:
    """The amount for people: grouped ("1,250,000 MMK"); in Burmese with Myanmar digits, and kyat
    in lakhs and kyat (1,250,000 MMK reads "12 lakhs 50,000 kyat"), exactly (never rounded)."""
    if not language.startswith("my"):
        return f"{_grouped(minor, currency)} {currency}"
    if currency != Currency.MMK:
        return f"{_grouped(minor, currency).translate(_FROM_ASCII)} {currency}"
    sign = "-" if minor < 0 else ""
    lakhs, kyat = divmod(abs(minor), LAKH)
    parts = []
    if lakhs:
        parts.append(f"{lakhs:,} သိန်း".translate(_FROM_ASCII))
    if kyat or not lakhs:
        parts.append(f"{kyat:,} ကျပ်".translate(_FROM_ASCII))
    return sign + " ".join(parts)
