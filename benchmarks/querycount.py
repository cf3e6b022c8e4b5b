"""Counts the SQL statements of each request, in the bench run only: the servers that
benchmarks/run.py starts put this first in their middleware; nothing else uses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

HEADER = "X-Bench-Queries"


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = [0]

        def counted(
            execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
        ) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        wrappers = [connections[alias].execute_wrapper(counted) for alias in connections]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        response[HEADER] = str(count[0])
        return response
