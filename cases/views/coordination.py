"""Coordinators' pages: possible duplicates to decide, and the CSV of ready CDM-code requests."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import selectors
from cases.audit_actions import CaseActions
from cases.forms import DuplicateResolveForm
from cases.services import cdm, intake
from cases.views.common import refusals_shown_on, valid
from supportdesk.accounts import scope
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import User
from supportdesk.audit.coverage import shows_personal_data
from supportdesk.audit.services import audit_record_list_view


def _require_coordinator(user: User) -> None:
    if not user.is_coordinator:
        raise Http404


def duplicates_page(
    request: AuthenticatedRequest, *, status: int = 200, **_unused: object
) -> HttpResponse:
    """Open possible duplicates of the coordinator's teams. A case's alias is shown only where
    the coordinator may see that case; the other one stays "a case of another team"."""
    user = request.user
    _require_coordinator(user)
    mine = set(scope.teams_of(user).values_list("pk", flat=True))
    rows, shown = [], {}
    for flag in selectors.duplicate_flags_for_user(user=user):
        visible = [c for c in (flag.case, flag.other) if c.team_id in mine]
        shown.update({case.pk: case for case in visible})
        rows.append({"flag": flag, "other_visible": flag.other.team_id in mine})
    audit_record_list_view(
        actor=user, objects=list(shown.values()), fields=["alias"], action=CaseActions.LIST_VIEW
    )
    return render(request, "cases/duplicates.html", {"rows": rows}, status=status)


@shows_personal_data
@require_GET
def duplicates_view(request: AuthenticatedRequest) -> HttpResponse:
    return duplicates_page(request)


@refusals_shown_on(duplicates_page)
def duplicate_resolve_view(request: AuthenticatedRequest, flag_id: UUID) -> HttpResponse:
    flag = selectors.duplicate_flag_get_for_user(user=request.user, flag_id=flag_id)
    data = valid("resolve", DuplicateResolveForm(request.POST))
    intake.duplicate_resolve(actor=request.user, flag=flag, **data)
    if data["same_person"]:
        messages.success(request, _("Merged: the newer case was moved into the older one."))
    else:
        messages.success(request, _("Recorded: not the same person."))
    return redirect("cases:duplicates")


@shows_personal_data
@require_GET
def cdm_export_view(request: AuthenticatedRequest) -> HttpResponse:
    _require_coordinator(request.user)
    requests = selectors.cdm_requests_ready_for_export(user=request.user)
    body = cdm.cdm_requests_export(actor=request.user, requests=requests)  # audits the export
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cdm-requests.csv"'
    return response
