"""The second step of an action that cannot be undone (a merge, a resolved flag, a withdrawn
request): the first POST shows what will happen and asks again; only a POST that carries
`confirmed=1` acts. Plain forms, so it works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CONFIRMED = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMED) == "1"


def confirm_page(
    request: HttpRequest,
    *,
    question: StrOrPromise,
    consequence: StrOrPromise,
    button: StrOrPromise,
    back: str,
    fields: Mapping[str, str] | None = None,
    details: list[StrOrPromise] | None = None,
) -> HttpResponse:
    """Ask once more. `fields` are posted again with the answer; `back` is where "No" leads."""
    context = {
        "question": question,
        "consequence": consequence,
        "button": button,
        "back": back,
        "action": request.path,
        "fields": dict(fields or {}),
        "details": details or [],
    }
    return render(request, "cases/confirm.html", context)
