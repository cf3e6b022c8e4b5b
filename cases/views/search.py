"""The search page: one box, sent by POST (the header of every page has the same box)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from cases import search
from cases.forms import SearchForm
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.api.exceptions import status_for
from supportdesk.audit.coverage import shows_personal_data


@shows_personal_data
@require_http_methods(["GET", "POST"])
def case_search_view(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "hits": None}
    if not form.is_bound:
        return render(request, "cases/search.html", context)
    if not form.is_valid():
        return render(request, "cases/search.html", context, status=400)
    try:
        context["hits"] = search.cases_search(actor=request.user, query=form.cleaned_data["q"])
    except search.SearchTooOften as error:
        messages.error(request, str(error.message))
        return render(request, "cases/search.html", context, status=status_for(error))
    return render(request, "cases/search.html", context)  # no-store, as every page
