"""Request body parsers with limits: what the API refuses before any view sees the input.

A JSON body is at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413), strict UTF-8, nested at most
MAX_DEPTH levels, with arrays of at most MAX_ITEMS items; no string anywhere (keys included) holds
a NUL byte or a bidirectional override (`supportdesk.validators.no_hidden_controls`). Form and
multipart bodies get the text check too. Each refusal is a 400 with a message for the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers
from rest_framework.settings import api_settings

from supportdesk.validators import HIDDEN_CONTROL_REFUSED, no_hidden_controls

MAX_DEPTH = 32
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY  # a key or a whole body: not one field
MAX_ITEMS = 1000

NOT_UTF8 = _("The request body is not UTF-8 text.")
NOT_JSON = _("The request body is not valid JSON.")
TOO_DEEP = _("The request body is nested too deeply.")
TOO_MANY = _("At most %(limit)d items.")


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels (walked without recursion)."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def _refusals(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, message) for every string holding a hidden control, and every overlong array."""
    if isinstance(value, str):
        try:
            no_hidden_controls(value)
        except DjangoValidationError:
            yield path, str(HIDDEN_CONTROL_REFUSED)
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            yield path, str(TOO_MANY % {"limit": MAX_ITEMS})
            return
        for index, item in enumerate(value):
            yield from _refusals(item, f"{path}.{index}" if path else str(index))
    elif isinstance(value, Mapping):
        for key in value:
            name = str(key)
            if any(True for _ in _refusals(name)):
                yield path or NON_FIELD, str(HIDDEN_CONTROL_REFUSED)
                continue
            items = value.getlist(key) if hasattr(value, "getlist") else value[key]
            yield from _refusals(items, f"{path}.{name}" if path else name)


def refuse_bad_text(data: Any) -> None:
    """A 400 with a message for each field that holds a hidden control or too many items."""
    errors: dict[str, list[str]] = {}
    for path, message in _refusals(data):
        errors.setdefault(path or NON_FIELD, []).append(message)
    if errors:
        raise exceptions.ValidationError(errors)


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF hands over `request.body`, which Django refuses above the limit already
        # (RequestDataTooBig, answered 413 by supportdesk.api.exceptions); this holds if not.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError(NOT_UTF8) from None
        try:
            data = json.loads(text, parse_constant=_no_constant)
        except RecursionError:  # the decoder recurses: a thousand levels exhaust its stack
            raise exceptions.ParseError(TOO_DEEP) from None
        except ValueError:
            raise exceptions.ParseError(NOT_JSON) from None
        if _deeper_than(data, MAX_DEPTH):
            raise exceptions.ParseError(TOO_DEEP)
        refuse_bad_text(data)
        return data


def _no_constant(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_bad_text(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        refuse_bad_text(result.data)
        return result
