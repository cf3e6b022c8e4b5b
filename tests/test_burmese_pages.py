"""Burmese with no English left over: every page, as each of the three roles, every sentence the
system stores for later readers (notifications, timeline lines) and every kind of timeline entry.

Pages are found from the URL resolver (tests/page_walk.py) and filled with the demo data; the
sentences are found in the source (every `Message(gettext_lazy("..."))`); the timeline kinds are
`CaseEvent.Kind`. What may stay in Latin letters: what people typed (names, places, notes: every
text value stored in the database), references and codes, phones, and the few names below. A
failure lists each page's leftovers and the catalogue's untranslated msgids they come from.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import translation

from cases.models import Case, CaseEvent
from supportdesk.accounts.models import User
from supportdesk.followups.models import Notification
from supportdesk.messages import Message
from supportdesk.testing import verified_client
from tests.page_walk import DEMO_USERS, Route, compiled_catalogue, demo_data, path_of, routes
from tests.test_translations import BURMESE_LETTER, PO_FILE, parse_po

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("supportdesk", "cases", "relocation", "funds")

# Names that are the same in every language: the product, currencies, services people use, the
# language switch's own "English", and abbreviations Burmese readers use as they are.
KEPT = frozenset(
    {"supportdesk", "English", "MMK", "USD", "THB", "CDM", "ID", "OTP", "TOTP", "CSV", "API"}
    | {"Signal", "WhatsApp", "Viber", "Telegram", "Facebook", "Messenger", "Aegis", "FreeOTP"}
    | {"Google", "Authenticator", "otpauth", "KB", "MB", "GB", "UTC", "Zawgyi", "Unicode"}
)
# Not words: references and ids, phones, addresses, paths, setting names, action names
# ("case.view"), date patterns to type ("YYYY-MM-DD"), quoted examples of aliases, and any
# token with a digit in it (a code, an id, "DEMO-301").
CODES = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|\b[0-9A-F]{8}\b|\+[\d ]+|\S+@\S+|https?://\S+|\b[\w.-]+\.(?:py|md|csv|json)\b"
    r"|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|(?:\b[\w.-]+)?(?:/[\w.-]+)+/?"
    r"|\b[a-z_]+(?:\.[a-z_]+)+\b|\bY{4}-MM-DD(?: HH:MM)?|“[^”]*\d[^”]*”|[\w-]*\d[\w-]*",
    re.IGNORECASE,
)
# Not shown, or shown as codes (`<code>`: a key to type, an action or field name of the log).
HIDDEN = re.compile(r"<(script|style|template|code)\b.*?</\1>|<!--.*?-->", re.DOTALL | re.I)
SHOWN_ATTRIBUTE = re.compile(r"""\b(?:placeholder|title|aria-label|alt)="([^"]*)\"""")
TAG = re.compile(r"<[^>]+>")
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'\u2019]+(?:[\s,.:;()/-]+[A-Za-z][A-Za-z'\u2019]*)*")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{?\s*\w+\s*\}?\}")


@pytest.fixture(autouse=True)
def burmese_catalogue(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """locale/my compiled into a temporary folder (locale/ itself is left as it is)."""
    folder = compiled_catalogue(tmp_path_factory.getbasetemp() / "locale")
    if folder is None:
        pytest.skip("gettext is not installed (apt-get install gettext): msgfmt is needed")
    settings.LOCALE_PATHS = [folder]


def kept_by_the_catalogue() -> frozenset[str]:
    """Latin words the Burmese translations themselves keep ("authenticator", "key"): the
    translator's choice for technical terms, not English left over."""
    kept = set()
    for entry in parse_po(PO_FILE):
        for text in entry.translations.values():
            if BURMESE_LETTER.search(text):
                kept.update(re.findall(r"[A-Za-z'\u2019]+", PLACEHOLDER.sub(" ", text)))
    return frozenset(kept)


KEPT_TOO = kept_by_the_catalogue()


def typed_values() -> list[str]:
    """Every text stored in the project's tables: what people typed (and the demo invented)."""
    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith(SOURCES):
            continue
        fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField) and not field.choices
        ]
        for row in model._default_manager.all() if fields else ():
            values.update(str(getattr(row, name) or "") for name in fields)
    return sorted((value for value in values if value.strip()), key=len, reverse=True)


def shown_text(page: str) -> str:
    page = HIDDEN.sub(" ", page)
    attributes = " ".join(SHOWN_ATTRIBUTE.findall(page))
    return html.unescape(TAG.sub(" ", page) + " " + attributes)


def english_left(text: str, typed: Iterable[str]) -> list[str]:
    """Runs of English words in `text`, once typed values, codes and kept names are removed."""
    for value in typed:
        text = text.replace(value, " ")
    text = CODES.sub(" ", text)
    left = []
    for run in ENGLISH.findall(text):
        words = re.findall(r"[A-Za-z'\u2019]+", run)
        if any(len(word) > 1 and word not in KEPT | KEPT_TOO for word in words):
            left.append(run.strip())
    return left


def untranslated_msgids() -> list[str]:
    return [
        entry.msgid
        for entry in parse_po(PO_FILE)
        if entry.msgid and ("fuzzy" in entry.flags or not any(entry.translations.values()))
    ]


def explained(leftovers: dict[str, list[str]]) -> str:
    """The leftovers of each place, and the untranslated msgids they come from."""
    missing = untranslated_msgids()
    known = [PLACEHOLDER.sub("", entry.msgid).lower() for entry in parse_po(PO_FILE)]
    lines, sources, absent = [], set(), set()
    for place, runs in sorted(leftovers.items()):
        lines.append(f"{place}: {sorted(set(runs))}")
        for run in {" ".join(run.split()) for run in runs}:
            found = {m for m in missing if run.lower() in PLACEHOLDER.sub("", m).lower()}
            sources.update(found)
            if not found and not any(run.lower() in msgid for msgid in known):
                absent.add(run)
    lines.append("untranslated msgids in locale/my: " + repr(sorted(sources)))
    lines.append("not in locale/my at all (new strings): " + repr(sorted(absent)))
    return "\n".join(lines)


def get_in_burmese(client: Client, path: str) -> tuple[int, str, str]:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="my")
    kind = response.get("Content-Type", "")
    return response.status_code, kind, response.content.decode(errors="replace")


def every_kind_on_the_timeline() -> Case:
    """The demo's case with the most on its timeline, given one line of each kind it lacks."""
    case = Case.objects.filter(route_plans__isnull=False).first() or Case.objects.first()
    assert case is not None
    have = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    for kind in CaseEvent.Kind:
        if kind not in have:
            CaseEvent.objects.create(case=case, kind=kind)
    return case


def test_every_page_reads_in_burmese_for_each_role() -> None:
    demo_data()
    every_kind_on_the_timeline()
    typed = typed_values()
    leftovers: dict[str, list[str]] = {}
    rendered: set[Route] = set()
    unfilled = []
    for username in DEMO_USERS:
        client = verified_client(User.objects.get(username=username))
        for route in routes():
            path = path_of(route)
            if path is None:
                unfilled.append(route.pattern)
                continue
            status, kind, page = get_in_burmese(client, path)
            assert status < 500, f"{path} as {username} answered {status}"
            if status != 200 or not kind.startswith("text/html"):
                continue  # an action (POST only), or out of this role's scope
            rendered.add(route)
            assert '<html lang="my"' in page, f"{path} is not in Burmese"
            left = english_left(shown_text(page), typed)
            if left:
                leftovers[f"{path} ({username})"] = left
        status, _kind, page = search_in_burmese(client)
        if status == 200:
            left = english_left(shown_text(page), typed)
            if left:
                leftovers[f"search results ({username})"] = left
    assert len(rendered) >= 30, f"only {len(rendered)} pages: {sorted(r.pattern for r in rendered)}"
    assert {"home", "cases:list", "cases:detail", "cases:duplicates", "cases:statistics"} <= {
        route.name for route in rendered
    }
    assert {"audit:events", "accounts:people", "operations:backups"} <= {
        route.name for route in rendered
    }
    assert not leftovers, "English left in Burmese pages:\n" + explained(leftovers)


def search_in_burmese(client: Client) -> tuple[int, str, str]:
    """The search results page (POST only: a search is never in a URL)."""
    response = client.post("/cases/search/", {"q": "09 450 000 101"}, HTTP_ACCEPT_LANGUAGE="my")
    return response.status_code, response.get("Content-Type", ""), response.content.decode()


def test_the_timeline_shows_every_kind_of_entry_in_burmese() -> None:
    demo_data()
    case = every_kind_on_the_timeline()
    _status, _kind, page = get_in_burmese(
        verified_client(User.objects.get(username="volunteer")), f"/cases/{case.pk}/"
    )
    timeline = page[page.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    with translation.override("my"):
        for kind in CaseEvent.Kind:
            assert str(kind.label) in timeline, f"timeline kind {kind.value!r} not shown"
    left = english_left(shown_text(timeline), typed_values())
    assert not left, "English left in the timeline:\n" + explained({"timeline": left})


def stored_sentences() -> Iterator[tuple[str, str]]:
    """(where, msgid) of every `Message(gettext_lazy("..."))` in the source."""
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Message":
                    sentence = node.args[0] if node.args else None
                    if isinstance(sentence, ast.Call) and sentence.args:
                        text = sentence.args[0]
                        if isinstance(text, ast.Constant) and isinstance(text.value, str):
                            where = f"{path.relative_to(ROOT)}:{node.lineno}"
                            yield where, text.value


def test_every_stored_sentence_reads_in_burmese() -> None:
    sentences = list(stored_sentences())
    assert len(sentences) >= 20  # the scan finds the system's sentences
    leftovers = {}
    with translation.override("my"):
        for where, msgid in sentences:
            params = {name: "8BC9B35A" for name in re.findall(r"%\((\w+)\)", msgid)}
            shown = Message.from_json({"text": msgid, "params": params}).render()
            left = english_left(shown, ())
            if left:
                leftovers[f"{where} {msgid!r}"] = left
    assert not leftovers, "stored sentences not in Burmese:\n" + explained(leftovers)


def test_every_notification_the_demo_sent_reads_in_burmese() -> None:
    demo_data()
    notices = list(Notification.objects.all())
    assert {notice.kind for notice in notices} >= {"case.duplicate", "case.alarm"}
    leftovers = {}
    with translation.override("my"):
        for notice in notices:
            left = english_left(notice.sentence, typed_values())
            if left:
                leftovers[notice.kind] = left
    assert not leftovers, "notifications not in Burmese:\n" + explained(leftovers)
