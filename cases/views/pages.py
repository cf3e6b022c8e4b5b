"""The case list, intake, editing, a case's page and the published statistics."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases import selectors
from cases.audit_actions import CaseActions
from cases.forms import CaseCreateForm, CaseFieldsForm, CaseFilterForm
from cases.models import Case, ServiceBranch
from cases.serializers import CASE_DETAIL_FIELDS
from cases.services import intake
from cases.views.common import case_page, case_url
from supportdesk.accounts import scope
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_list_view, audit_record_view

PAGE_SIZE = 50


@shows_personal_data
@require_GET
def case_list_view(request: AuthenticatedRequest) -> HttpResponse:
    teams = scope.teams_of(request.user).order_by("name")
    form = CaseFilterForm(request.GET or None, teams=teams)
    if form.is_bound and not form.is_valid():
        context: dict[str, Any] = {"form": form, "page": None, "query_string": ""}
        return render(request, "cases/list.html", context, status=400)
    filters = selectors.CaseFilters(**form.filters()) if form.is_bound else None
    cases = selectors.case_list(user=request.user, filters=filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record_list_view(
        actor=request.user, objects=page.object_list, fields=["alias"], action=CaseActions.LIST_VIEW
    )
    query = {key: value for key, value in request.GET.dict().items() if key != "page" and value}
    context = {
        "form": form,
        "page": page,
        "filtered": bool(query),
        "query_string": urlencode(query),
    }
    return render(request, "cases/list.html", context)


@no_personal_data  # shows the user's own input back, nothing read from the vault
@require_http_methods(["GET", "POST"])
def case_create_view(request: AuthenticatedRequest) -> HttpResponse:
    teams = scope.teams_of(request.user).order_by("name")
    cases = selectors.cases_for_user(user=request.user)
    form = CaseCreateForm(request.POST or None, teams=teams, cases=cases)
    if request.method == "POST":
        if form.is_valid():
            case = intake.case_create(actor=request.user, **form.case_values())
            messages.success(request, _("The case is recorded."))
            if selectors.possible_duplicate_count(case=case):
                messages.warning(
                    request,
                    _(
                        "The same phone number or contact is already on another case. This may "
                        "be the same person: a coordinator will check. Carry on helping as usual."
                    ),
                )
            return redirect(case_url(case.pk))
        messages.error(request, _("Nothing was saved. Please correct what is marked below."))
    status = 400 if form.is_bound else 200
    context = {"form": form, "no_team": not teams.exists()}
    return render(request, "cases/form.html", context, status=status)


@shows_personal_data
@require_http_methods(["GET", "POST"])
def case_edit_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    case = selectors.case_detail(user=request.user, case_id=case_id)
    if case.shredded_at is not None:
        messages.error(request, _("This case was shredded: there is nothing left to edit."))
        return redirect(case_url(case.pk))
    form = CaseFieldsForm(request.POST or None, initial=CaseFieldsForm.initial_for(case))
    if request.method == "POST":
        if form.is_valid():
            intake.case_update(actor=request.user, case=case, **form.case_values())
            messages.success(request, _("Changes saved."))
            return redirect(case_url(case.pk))
        messages.error(request, _("Nothing was saved. Please correct what is marked below."))
    audit_record_view(actor=request.user, obj=case, fields=CASE_DETAIL_FIELDS)
    status = 400 if form.is_bound else 200
    return render(request, "cases/form.html", {"form": form, "case": case}, status=status)


@shows_personal_data
@require_GET
def case_detail_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    return case_page(request, case_id)


@no_personal_data  # counts only, small ones masked as "<5"
@require_GET
def statistics_view(request: AuthenticatedRequest) -> HttpResponse:
    figures = selectors.statistics()
    branches, statuses = dict(ServiceBranch.choices), dict(Case.Status.choices)
    context = {
        "weeks": figures["weeks"],
        "by_service_branch": [
            (branches.get(row["service_branch"], row["service_branch"]), row["cases"])
            for row in figures["by_service_branch"]
        ],
        "by_status": [
            (statuses.get(row["status"], row["status"]), row["cases"])
            for row in figures["by_status"]
        ],
    }
    return render(request, "cases/statistics.html", context)
