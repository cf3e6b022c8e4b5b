"""Normalisers used wherever phone numbers, messaging handles and Burmese text enter the system.

The same person must match however their details were typed: `09...`, `+95 9...`, Burmese digits,
a Thai number; `@Handle` or `handle`; a name typed with the Zawgyi font encoding or in Unicode.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from myanmar import converter
from myanmartools import ZawgyiDetector

DEFAULT_REGION = "MM"
ZAWGYI_CONVERT_ABOVE = 0.95
ZAWGYI_REVIEW_ABOVE = 0.05
_DIGITS = str.maketrans("၀၁၂၃၄၅၆၇၈၉໐໑໒໓໔໕໖໗໘໙๐๑๒๓๔๕๖๗๘๙", "0123456789" * 3)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_THAI_MOBILE_PREFIX = re.compile(r"^0[689]\d{8}$")

PHONE_INVALID = _(
    "This does not look like a phone number. Write it as it is dialled, for example "
    "09 420 123456, +95 9 420 123456 or +66 81 234 5678."
)
# Refused, not dropped: a number stored without the extension someone typed would match (and
# be called as) a different line. Mobile numbers, which is what defectors use, have none.
PHONE_EXTENSION = _(
    "A phone number with an extension cannot be used: write the number without it (a mobile "
    "number has no extension)."
)


@dataclass(frozen=True)
class Normalised:
    value: str
    needs_review: bool = False  # a person should look: the encoding could not be told for sure

    def __repr__(self) -> str:  # the value is personal data: keep it out of logs
        return f"<Normalised needs_review={self.needs_review}>"


def _parse(number: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def normalise_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """E.164. Myanmar is assumed for national numbers, except a ten-digit 06/08/09 number that
    is not a Myanmar mobile but is a valid Thai one (defectors often reach Thailand)."""
    number = unicodedata.normalize("NFKC", str(raw)).translate(_DIGITS).strip()
    if not number or len(number) > 40:
        raise ValidationError(PHONE_INVALID, code="phone_invalid")
    parsed = _parse(number, region)
    digits = re.sub(r"\D", "", number)
    if not number.startswith("+") and _THAI_MOBILE_PREFIX.match(digits):
        thai = _parse(number, "TH")
        is_mm_mobile = parsed is not None and phonenumbers.number_type(parsed) in {
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        }
        if thai is not None and not is_mm_mobile:
            parsed = thai
    if parsed is None:
        raise ValidationError(PHONE_INVALID, code="phone_invalid")
    if parsed.extension:
        raise ValidationError(PHONE_EXTENSION, code="phone_extension")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise_handle(raw: str) -> str:
    """A messaging handle as its owner would be found: a Burmese name typed with the Zawgyi font
    in Unicode, NFC, case-folded, no spaces or leading @."""
    text = normalise_text(str(raw)).value
    text = re.sub(r"\s+", "", text)
    return unicodedata.normalize("NFC", text.lstrip("@").casefold())


@cache
def _detector() -> ZawgyiDetector:
    return ZawgyiDetector()


def normalise_text(raw: str) -> Normalised:
    """Burmese-aware text: Zawgyi converted to Unicode when the detector is sure, flagged for a
    person to review when it is unsure, and never converted when it is already Unicode."""
    text = _ZERO_WIDTH.sub("", str(raw))
    probability = _detector().get_zawgyi_probability(text)  # -inf without Burmese letters
    needs_review = False
    if probability > ZAWGYI_CONVERT_ABOVE:
        text = converter.convert(text, "zawgyi", "unicode")
    elif probability > ZAWGYI_REVIEW_ABOVE:
        needs_review = True
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text)).strip()
    return Normalised(value=text, needs_review=needs_review)


def normalise_alias(raw: str) -> str:
    """A name a person goes by, as they would be found by it: Burmese-aware (`normalise_text`),
    case-folded, runs of spaces made one ("Special  007" is "special 007")."""
    return " ".join(normalise_text(str(raw)).value.casefold().split())


def normalise_exact(raw: str) -> str:
    return unicodedata.normalize("NFC", str(raw)).strip()


# Blind indexes name their normaliser, so a migration records a word rather than a function.
NORMALISERS = {
    "phone": normalise_phone,
    "handle": normalise_handle,
    "text": lambda raw: normalise_text(raw).value,
    "name": lambda raw: normalise_text(raw).value.casefold(),
    "exact": normalise_exact,
    "alias": normalise_alias,
}
