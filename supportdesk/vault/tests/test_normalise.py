import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from myanmar import converter

from supportdesk.vault.fields import blind_index
from supportdesk.vault.normalise import (
    _detector,
    normalise_handle,
    normalise_phone,
    normalise_text,
)


def index(value: str, normaliser: str) -> bytes:
    return blind_index(value, index_name="test.index", version=1, normaliser=normaliser)


FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
SAME_PHONE = [
    "09420123456",
    "09 420 123456",
    "09-420-123-456",
    "+95 9 420 123456",
    "+959420123456",
    "00959420123456",
    "၀၉၄၂၀၁၂၃၄၅၆",
    "၀၉ ၄၂၀ ၁၂၃ ၄၅၆",
    "+၉၅၉၄၂၀၁၂၃၄၅၆",
    "09420123456".translate(FULL_WIDTH),  # full-width digits from some phone keyboards
]
SAME_THAI_PHONE = ["0812345678", "081-234-5678", "+66 81 234 5678", "+66812345678", "๐๘๑๒๓๔๕๖๗๘"]
# (Zawgyi, Unicode) spellings of the same names, as volunteers' phones send them.
NAMES = [
    ("မင္းေအာင္", "မင်းအောင်"),
    ("ေဒၚလွ", "ဒေါ်လှ"),
    ("ေမာင္ေမာင္ေက်ာ္", "မောင်မောင်ကျော်"),
    ("စစ္ကိုင္းတိုင္း", "စစ်ကိုင်းတိုင်း"),
    ("ေက်ာ္ဇင္ထြန္း", "ကျော်ဇင်ထွန်း"),
]


@pytest.mark.parametrize("spelling", SAME_PHONE)
def test_myanmar_phone_spellings_give_one_e164_and_one_index(spelling: str) -> None:
    assert normalise_phone(spelling) == "+959420123456"
    assert index(spelling, "phone") == index(SAME_PHONE[0], "phone")


@pytest.mark.parametrize("spelling", SAME_THAI_PHONE)
def test_thai_numbers_are_accepted(spelling: str) -> None:
    assert normalise_phone(spelling) == "+66812345678"
    assert index(spelling, "phone") == index(SAME_THAI_PHONE[0], "phone")


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12", "09 123", "+95 1", "09" + "1" * 30, "☎"])
def test_invalid_phones_are_refused_with_a_sentence(raw: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_phone(raw)
    assert "does not look like a phone number" in str(raised.value.messages[0])
    assert raised.value.code == "phone_invalid"


@pytest.mark.parametrize(
    "raw",
    ["09 420 123456 ext 123", "09420123456 x123", "09420123456#12", "+95 9 420 123456 ext. 5"],
)
def test_phones_with_an_extension_are_refused_not_shortened(raw: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_phone(raw)
    assert raised.value.code == "phone_extension"
    assert "extension" in str(raised.value.messages[0])


@pytest.mark.parametrize(
    "spelling", ["Special 007", "special 007", "  SPECIAL   007 ", "Special\u200b 007"]
)
def test_spellings_of_an_alias_give_one_index(spelling: str) -> None:
    assert index(spelling, "alias") == index("Special 007", "alias")
    assert index("Special 00", "alias") != index("Special 007", "alias")


@pytest.mark.parametrize(("zawgyi", "unicode"), NAMES)
def test_zawgyi_and_unicode_spellings_of_a_name_give_one_index(zawgyi: str, unicode: str) -> None:
    assert zawgyi != unicode
    result = normalise_text(zawgyi)
    assert result.value == unicode
    assert not result.needs_review
    assert index(zawgyi, "name") == index(unicode, "name")
    assert index(zawgyi, "text") == index(unicode, "text")


@pytest.mark.parametrize(("_zawgyi", "unicode"), NAMES)
def test_unicode_text_is_never_converted(_zawgyi: str, unicode: str) -> None:
    assert normalise_text(unicode).value == unicode
    assert not normalise_text(unicode).needs_review


def test_text_that_could_be_either_encoding_is_flagged_not_converted() -> None:
    result = normalise_text("ကိုကို")  # the same bytes in both encodings
    assert result.value == "ကိုကို"
    assert result.needs_review


def test_zero_width_characters_are_stripped() -> None:
    assert normalise_text("မင်း\u200bအောင်\ufeff").value == "မင်းအောင်"
    assert normalise_text("Min\u200b Aung\u200d").value == "Min Aung"


def test_text_is_nfc() -> None:
    assert normalise_text("Cafe\u0301").value == "Caf\u00e9"


@pytest.mark.parametrize("spelling", ["@MinAung", "minaung", " @minaung ", "MINAUNG", "@Min Aung"])
def test_handle_spellings_give_one_index(spelling: str) -> None:
    assert normalise_handle(spelling) == "minaung"
    assert index(spelling, "handle") == index("minaung", "handle")


def test_indexes_differ_per_index_name_and_version() -> None:
    one = blind_index("09420123456", index_name="a", version=1, normaliser="phone")
    assert one != blind_index("09420123456", index_name="b", version=1, normaliser="phone")
    assert one != blind_index("09420123456", index_name="a", version=2, normaliser="phone")


@given(st.text(alphabet=st.characters(min_codepoint=0x1000, max_codepoint=0x109F), max_size=30))
def test_text_the_detector_calls_unicode_is_never_converted(text: str) -> None:
    result = normalise_text(text)  # never raises, whatever the input
    assert unicodedata.is_normalized("NFC", result.value)
    if _detector().get_zawgyi_probability(text) <= 0.05:
        assert result.value == unicodedata.normalize("NFC", text).strip()
        assert not result.needs_review


@given(st.text(max_size=40))
def test_handles_normalise_idempotently(text: str) -> None:
    once = normalise_handle(text)
    assert normalise_handle(once) == once.lstrip("@") or once.startswith("@")


@given(st.from_regex(r"9[4-9]\d{7}", fullmatch=True))
def test_any_spelling_of_a_valid_mobile_round_trips(national: str) -> None:
    try:
        e164 = normalise_phone("0" + national)
    except ValidationError:
        return  # not every such number is allocated
    assert normalise_phone(e164) == e164
    burmese = ("0" + national).translate(str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉"))
    assert normalise_phone(burmese) == e164


def test_the_converter_round_trip_used_by_the_table_holds() -> None:
    for zawgyi, unicode in NAMES:
        assert converter.convert(unicode, "unicode", "zawgyi") == zawgyi
