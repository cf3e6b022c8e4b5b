"""Sentences the system writes for later readers, stored as their English source and parameters.

A notification or a timeline line is read days later, by people who chose different languages, so
its text cannot be translated when it is written. A `Message` keeps the source sentence (the
msgid) and its parameters; `render()` translates both in the language active when it is read.

    Message(gettext_lazy("Case %(ref)s: a relative was reported %(flag)s."), ref=case.ref,
            flag=SecurityFlag.Kind.THREATENED.label)

The sentence must be a lazy translation (`gettext_lazy`), so that makemessages finds it and a
sentence already translated into the writer's language can never be stored by mistake. Parameters
are whole numbers, written in each reader's digits (a leg number: 2, or ၂ in Burmese), plain
strings kept as they are (a case reference), lazy translations (a choice label), translated
again for each reader, or `Formatted` values another app writes for each reader (an amount of money
in lakhs for a Burmese reader), through the formatter it registered in its `ready()`:

    register_formatter("money", lambda value, language: format_amount(*value, language=language))
    Message(gettext_lazy("%(amount)s was paid."), amount=Formatted("money", [150000, "MMK"]))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from supportdesk.formatting import in_digits


@dataclass(frozen=True)
class Formatted:
    """A parameter formatted for each reader by the formatter registered as `kind`. `value` is
    stored as it is, so it holds plain JSON (numbers, strings, lists) and never personal data."""

    kind: str
    value: Any


Formatter = Callable[[Any, str], str]
_formatters: dict[str, Formatter] = {}


def register_formatter(kind: str, formatter: Formatter) -> None:
    if _formatters.get(kind, formatter) is not formatter:
        raise ImproperlyConfigured(f"A different formatter is already registered as {kind!r}.")
    _formatters[kind] = formatter


Param = str | int | Promise | Formatted


def _source(text: Promise) -> str:
    """The msgid behind a lazy translation: with no language active, gettext returns it as is."""
    with translation.override(None):
        return str(text)


class Message:
    __slots__ = ("params", "text")

    def __init__(self, text: Promise, /, **params: Param) -> None:
        if not isinstance(text, Promise):
            raise TypeError("A Message's sentence is a lazy translation (gettext_lazy).")
        self.text = _source(text)
        self.params: dict[str, Any] = {name: _stored(value) for name, value in params.items()}
        for name, value in self.params.items():
            if not isinstance(value, str | int | dict) or isinstance(value, bool):
                raise TypeError(f"Message parameter {name!r} is a string, a number or a label.")

    def render(self) -> str:
        """The sentence in the active language."""
        sentence = gettext(self.text)
        if not self.params:
            return sentence
        as_numbers = set(_NUMBER_PLACEHOLDER.findall(self.text))  # %(name)d needs the int itself
        return sentence % {
            name: value if name in as_numbers else _rendered(value)
            for name, value in self.params.items()
        }

    def __str__(self) -> str:
        return self.render()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Message({self.text!r}, {self.params!r})"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "params": self.params}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        message = cls.__new__(cls)
        message.text = str(data["text"])
        message.params = dict(data.get("params") or {})
        return message


def _stored(value: Param) -> Any:
    if isinstance(value, Promise):
        return {"t": _source(value)}
    if isinstance(value, Formatted):
        return {"f": value.kind, "v": value.value}
    return value


_NUMBER_PLACEHOLDER = re.compile(r"%\((\w+)\)d")


def _rendered(value: str | int | dict[str, Any]) -> str:
    """A parameter for the active language: a label translated, a whole number in its digits."""
    if isinstance(value, dict) and "f" in value:
        formatter = _formatters.get(value["f"])
        if formatter is None:  # the app that wrote it is gone: its value as stored
            return str(value["v"])
        return formatter(value["v"], translation.get_language() or "en")
    if isinstance(value, dict):
        return gettext(value["t"])
    if isinstance(value, int) and not isinstance(value, bool):
        return in_digits(str(value))
    return value if isinstance(value, str) else str(value)


def rendered(data: Mapping[str, Any] | None, *, fallback: str = "") -> str:
    """A stored message in the active language; rows written before messages keep their text."""
    if data and data.get("text"):
        return Message.from_json(data).render()
    return fallback
