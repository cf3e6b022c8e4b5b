"""The Burmese translation: complete, placeholders kept, Unicode (not Zawgyi), and served."""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from myanmartools import ZawgyiDetector

from supportdesk.vault.normalise import ZAWGYI_CONVERT_ABOVE

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "locale" / "my" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# %(name)s, %(n)d, %s, %%, {name}, {0}, and HTML tags such as <strong> or </a>.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifgeExXorc]|%[sdifr%]|\{[^{}\s]*\}|</?[a-zA-Z][^>]*>"
)
BURMESE_LETTER = re.compile(r"[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")
# Code points Unicode gives to Mon, Shan and Karen letters, which Zawgyi uses for Burmese glyphs.
ZAWGYI_ONLY = re.compile(r"[\u1060-\u1097]")
# Unicode stores vowel signs and medials after their consonant and a virama before one.
ZAWGYI_ORDER = re.compile(
    r"(?:^|[^\u1000-\u109f])[\u102b-\u103e]|\u1039(?![\u1000-\u1021])|\u1031[\u103b-\u103e]"
)
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> dict[str, str]:
        return {key: value for key, value in self.fields.items() if key.startswith("msgstr")}


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file (obsolete `#~` entries are left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            key = match.group(1)
            current.fields[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"'):
            current.fields[key] += ast.literal_eval(line)
        else:
            raise AssertionError(f"{path.name}:{number}: cannot read {raw!r}")
    return [entry for entry in entries if "msgid" in entry.fields]


ENTRIES = parse_po(PO_FILE)
MESSAGES = [entry for entry in ENTRIES if entry.msgid]


def where(entry: Entry) -> str:
    return f"line {entry.line}: {entry.msgid!r}"


def test_the_po_file_has_messages_and_a_burmese_header() -> None:
    header = next(entry for entry in ENTRIES if not entry.msgid).fields["msgstr"]
    assert "Language: my\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert len(MESSAGES) > 400


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    fuzzy = [where(entry) for entry in MESSAGES if "fuzzy" in entry.flags]
    untranslated = [
        where(entry)
        for entry in MESSAGES
        if not entry.translations or not all(text.strip() for text in entry.translations.values())
    ]
    assert not fuzzy, "fuzzy translations:\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated messages:\n" + "\n".join(untranslated)


def test_plural_messages_have_exactly_one_form() -> None:
    plurals = [entry for entry in MESSAGES if "msgid_plural" in entry.fields]
    wrong = [where(entry) for entry in plurals if set(entry.translations) != {"msgstr[0]"}]
    assert not wrong, "Burmese has one plural form, msgstr[0] only:\n" + "\n".join(wrong)


def test_translations_keep_the_placeholders_of_their_message() -> None:
    problems = []
    for entry in MESSAGES:
        expected = Counter(PLACEHOLDER.findall(entry.msgid))
        if "msgid_plural" in entry.fields:
            # Burmese has a single form: it may follow either English form's placeholders.
            allowed = [expected, Counter(PLACEHOLDER.findall(entry.fields["msgid_plural"]))]
        else:
            allowed = [expected]
        for key, text in entry.translations.items():
            found = Counter(PLACEHOLDER.findall(text))
            if found not in allowed:
                missing = sorted((expected - found).elements())
                added = sorted((found - expected).elements())
                problems.append(f"{where(entry)} {key}: missing {missing}, added {added}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def looks_like_zawgyi(text: str, detector: ZawgyiDetector) -> bool:
    """True for Burmese text the detector takes for Zawgyi.

    On a word or two with no encoding-specific letters the detector has little to go on and
    rates ordinary Unicode words such as "မိဘ" (parents) as likely Zawgyi. Between 0.5 and the
    app's own "sure" threshold, a string therefore also has to show Zawgyi spelling: a vowel sign
    or medial at the start of a word, a virama not followed by a consonant, or a Zawgyi-only glyph.
    """
    if ZAWGYI_ONLY.search(text):
        return True
    probability = detector.get_zawgyi_probability(text)
    return probability > ZAWGYI_CONVERT_ABOVE or (
        probability > 0.5 and bool(ZAWGYI_ORDER.search(text))
    )


def test_the_zawgyi_check_catches_zawgyi() -> None:
    detector = ZawgyiDetector()
    assert looks_like_zawgyi("ေက်ာ္ေက်ာ္", detector)  # "Kyaw Kyaw" typed with the Zawgyi font
    assert looks_like_zawgyi("ဖုန္းနံပါတ္ကို ေရးပါ", detector)
    assert not looks_like_zawgyi("ဖုန်းနံပါတ်ကို ရေးပါ", detector)


def test_no_translation_is_written_in_zawgyi() -> None:
    detector = ZawgyiDetector()
    zawgyi = [
        f"{where(entry)} -> {text!r}"
        for entry in MESSAGES
        for text in entry.translations.values()
        if BURMESE_LETTER.search(text) and looks_like_zawgyi(text, detector)
    ]
    assert not zawgyi, "translations that look like Zawgyi:\n" + "\n".join(zawgyi)


@pytest.mark.django_db
def test_login_page_is_served_in_burmese() -> None:
    if not MO_FILE.exists():
        pytest.skip("locale/my is not compiled (needs gettext): run `make messages`")
    log_in = next(entry for entry in MESSAGES if entry.msgid == "Log in").fields["msgstr"]
    assert BURMESE_LETTER.search(log_in)

    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="my")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="my"' in page
    assert log_in in page
