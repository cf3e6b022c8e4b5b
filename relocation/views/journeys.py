"""Lists of journeys the home panel links to: legs under way, check-ins due, the legs the reader
escorts, overdue legs, legs flagged after a compromise, and plans waiting for approval. Cases are
named by reference and legs by number and state: no place, no note."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from relocation import selectors
from relocation.forms import JourneyListForm
from relocation.selectors import JourneyList
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.audit.coverage import no_personal_data

PAGE_SIZE = 50


@no_personal_data  # references, numbers, states and times only
@require_GET
def journeys_view(request: AuthenticatedRequest) -> HttpResponse:
    form = JourneyListForm({"show": request.GET.get("show", JourneyList.UNDER_WAY)})
    if not form.is_valid():
        context: dict[str, Any] = {"form": form, "page": None, "show": ""}
        return render(request, "relocation/journeys.html", context, status=400)
    show = form.cleaned_data["show"]
    rows = (
        selectors.plans_waiting_for_approval(user=request.user)
        if show == JourneyList.WAITING
        else selectors.legs_listed(user=request.user, show=show)
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    title = dict(form.fields["show"].choices)[show]  # type: ignore[attr-defined]
    context = {"form": form, "page": page, "show": show, "title": title}
    return render(request, "relocation/journeys.html", context)
