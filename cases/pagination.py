"""The case list's pages: keyset pagination in the list's own order, riskiest first.

A page is the next `page_size` cases after a cursor, read straight off the index
`case_risk_created` (risk, then recording time, newest first; the id breaks ties), so page 1 and
page 1,000 cost the same and nothing counts the whole table. The cursor is the last case shown as
(risk, recorded at, id): no personal data, and a case added meanwhile is neither shown twice nor
skipped over.

`count` is exact up to COUNT_LIMIT matching cases, read with one bounded query (it stops at
COUNT_LIMIT + 1 rows); above that it is null: "more than COUNT_LIMIT".
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from collections import OrderedDict
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from cases.models import Case

COUNT_LIMIT = 1000
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# The list's order, and the cursor's comparison, on (risk, created_at, id) descending.
ORDERING = ("-risk", "-created_at", "-id")


def bad_cursor_message() -> str:
    return _("This page link is not valid: start again from the first page.")


def _bad(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


def cursor_encode(case: Case) -> str:
    raw = json.dumps([case.risk, case.created_at.isoformat(), case.pk.hex])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[int, datetime.datetime, uuid.UUID]:
    """The (risk, created_at, id) a cursor names; a 400 on `cursor` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        risk, created_at, case_id = json.loads(raw)
        decoded = (int(risk), datetime.datetime.fromisoformat(created_at), uuid.UUID(case_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad("cursor", bad_cursor_message()) from None
    if decoded[1].tzinfo is None:
        raise _bad("cursor", bad_cursor_message())
    return decoded


def page_size_of(request: Request) -> int:
    value = request.query_params.get("page_size")
    if value is None:
        return PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        raise _bad("page_size", _("Enter a whole number.")) from None
    if size < 1:
        raise _bad("page_size", _("Enter a whole number."))
    return min(size, MAX_PAGE_SIZE)


class CaseListPagination:
    """Keyset pages of a case queryset: `paginate_queryset`, then `get_paginated_response`."""

    def __init__(self) -> None:
        self.count: int | None = None
        self.next_cursor: str | None = None
        self.request: Request | None = None

    def paginate_queryset(self, cases: QuerySet[Case], request: Request) -> list[Case]:
        self.request = request
        size = page_size_of(request)
        ordered = cases.order_by(*ORDERING)
        cursor = request.query_params.get("cursor")
        page_query = ordered
        if cursor:
            decoded = cursor_decode(cursor)
            # (risk, created_at, id) < the cursor's: a row comparison PostgreSQL reads as a
            # range of the index; SQLite gets the same condition spelled out.
            after = TupleLessThan(Tuple(F("risk"), F("created_at"), F("id")), decoded)
            page_query = ordered.filter(after)
        rows = list(page_query[: size + 1])
        page, more = rows[:size], len(rows) > size
        if more:
            self.next_cursor = cursor_encode(page[-1])
        if not cursor and not more:
            self.count = len(page)  # the whole list is on this page: nothing more to count
        else:
            bounded = ordered.order_by().values("pk")[: COUNT_LIMIT + 1].count()
            self.count = bounded if bounded <= COUNT_LIMIT else None
        return page

    def next_link(self) -> str | None:
        if self.next_cursor is None or self.request is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        return replace_query_param(url, "cursor", self.next_cursor)

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(
            OrderedDict([("count", self.count), ("next", self.next_link()), ("results", data)])
        )
