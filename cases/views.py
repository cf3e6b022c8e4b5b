"""Case pages for volunteers on phones: the list of their teams' cases and a case's page."""

from __future__ import annotations

from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases import selectors
from cases.serializers import CASE_DETAIL_FIELDS, CDM_FIELDS, FAMILY_FIELDS
from supportdesk.audit.coverage import shows_personal_data
from supportdesk.audit.services import audit_record_list_view, audit_record_view

PAGE_SIZE = 50


@shows_personal_data
@require_GET
def case_list_view(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list(user=request.user)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record_list_view(actor=request.user, objects=page.object_list, fields=["alias"])
    return render(request, "cases/list.html", {"page": page})


@shows_personal_data
@require_GET
def case_detail_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = selectors.case_detail(user=request.user, case_id=case_id)
    events = list(selectors.case_timeline(user=request.user, case=case)[:50])
    audit_record_view(
        actor=request.user,
        obj=case,
        fields=[
            *CASE_DETAIL_FIELDS,
            *(f"family.{n}" for n in FAMILY_FIELDS),
            *(f"cdm_requests.{n}" for n in CDM_FIELDS),
            "events.text",
        ],
    )
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "events": events,
            "possible_duplicates": selectors.possible_duplicate_count(case=case),
        },
    )
