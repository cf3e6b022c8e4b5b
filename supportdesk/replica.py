"""Reports and statistics read from a PostgreSQL streaming replica, when there is one.

`REPLICA_DATABASE_URL` adds the `replica` database alias (supportdesk/settings.py). The views
named in `REPORT_VIEWS` then run their reads there: counts over every case are the heaviest
queries the app makes, and a replica a few seconds behind is good enough for them. Everything
else reads from `default`, and every write goes there, also inside a report view (its audit
events). Without the alias the router has no opinion and Django uses `default` for everything.

The switch is per request, set once the URL is resolved (`process_view`), and covers the view
only: the session, the user and the permission checks of the middleware before it are read from
`default`, so a membership granted a moment ago is never missed on the replica. docs/scaling.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# URL names (namespace:name) whose GETs are reports: only reads, only aggregates. Add a new
# report here, and nothing that must see its own writes or take locks.
REPORT_VIEWS = frozenset({"cases:statistics", "api:case-statistics"})

_report_reads: ContextVar[bool] = ContextVar("report_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def report_reads() -> Iterator[None]:
    """Reads inside go to the replica, if configured (a command or task making a report)."""
    token = _report_reads.set(True)
    try:
        yield
    finally:
        _report_reads.reset(token)


class ReportsRouter:
    """Sends reads to the replica inside `report_reads()`; never writes, never migrations."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        if _report_reads.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        # A row read from the replica is the same row as on default: relations between them hold.
        return True if {obj1._state.db, obj2._state.db} <= {"default", REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # a replica follows its primary's schema


class ReportReadsMiddleware:
    """Runs the views of REPORT_VIEWS (GET and HEAD) inside `report_reads()`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_report_reads_token", None)
            if token is not None:
                _report_reads.reset(token)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        match = request.resolver_match
        if request.method in {"GET", "HEAD"} and match and match.view_name in REPORT_VIEWS:
            request._report_reads_token = _report_reads.set(True)  # type: ignore[attr-defined]
