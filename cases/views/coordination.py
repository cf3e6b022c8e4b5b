"""Coordinators' pages: possible duplicates to decide, and the CSV of ready CDM-code requests."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import selectors
from cases.audit_actions import CaseActions
from cases.forms import DuplicateResolveForm
from cases.models import Case, ContactChannel, DuplicateFlag
from cases.services import cdm, intake
from cases.views.common import refusals_shown_on, valid
from cases.views.confirm import confirm_page, confirmed
from supportdesk.accounts import scope
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import is_member_of
from supportdesk.audit.coverage import shows_personal_data
from supportdesk.audit.services import audit_record_list_view
from supportdesk.vault.crypto import is_shredded


def _require_coordinator(user: User) -> None:
    if not user.is_coordinator:
        raise Http404


def _matched_contact(mine: Case, theirs: Case, matched_on: str) -> ContactChannel | None:
    """The contact of the coordinator's own case that the other case shares, found by blind
    index (the other case's contacts are compared as indexes, never opened)."""
    column = "phone_index" if matched_on == "phone" else "handle_index"
    shared = {getattr(c, column) for c in theirs.contacts.all()} - {None}
    return next((c for c in mine.contacts.all() if getattr(c, column) in shared), None)


def _phone_ending(channel: ContactChannel | None) -> str:
    """The last three digits of a shared phone of the coordinator's own case: enough to tell
    which number it is, not enough to call it."""
    if channel is None or not channel.phone or is_shredded(channel.phone):
        return ""
    return str(channel.phone)[-3:]


def duplicates_page(
    request: AuthenticatedRequest,
    *,
    status: int = 200,
    flag_id: UUID | None = None,
    **_unused: object,
) -> HttpResponse:
    """Open possible duplicates of the coordinator's teams. A case's alias is shown only where
    the coordinator may see that case; the other one stays "a case of another team"."""
    user = request.user
    _require_coordinator(user)
    if flag_id is not None:  # a resolve address: another team's flag is not found, even to look
        selectors.duplicate_flag_get_for_user(user=user, flag_id=flag_id)
    mine = set(scope.teams_of(user).values_list("pk", flat=True))
    rows, shown = [], {}
    flags = selectors.duplicate_flags_for_user(user=user).prefetch_related(
        "case__contacts", "other__contacts"
    )
    for flag in flags:
        visible = [c for c in (flag.case, flag.other) if c.team_id in mine]
        shown.update({case.pk: case for case in visible})
        own = visible[0]
        matched = _matched_contact(
            own, flag.other if own is flag.case else flag.case, flag.matched_on
        )
        rows.append(
            {
                "flag": flag,
                "case_visible": flag.case.team_id in mine,
                "other_visible": flag.other.team_id in mine,
                "matched_kind": matched.get_kind_display() if matched else "",
                "matched_ending": _phone_ending(matched),
            }
        )
    audit_record_list_view(
        actor=user,
        objects=list(shown.values()),
        fields=["alias", "contacts"],
        action=CaseActions.LIST_VIEW,
    )
    return render(request, "cases/duplicates.html", {"rows": rows}, status=status)


@shows_personal_data
@require_GET
def duplicates_view(request: AuthenticatedRequest) -> HttpResponse:
    return duplicates_page(request)


def _case_line(case: Case) -> str:
    return _("%(alias)s (ref %(ref)s, %(team)s)") % {
        "alias": case.alias,
        "ref": case.ref,
        "team": case.team.name,
    }


def _resolve_confirm(
    request: AuthenticatedRequest, flag: DuplicateFlag, *, same_person: bool
) -> HttpResponse:
    """The first press: what deciding will do, and the question again. Refused now, not after
    the second press, if it could not be done (decided already, the other case out of scope)."""
    user = request.user
    if flag.state != DuplicateFlag.State.OPEN:
        raise intake.DuplicateResolved()
    case_visible = is_member_of(user, flag.case.team_id)
    other_visible = is_member_of(user, flag.other.team_id)
    if same_person and not (case_visible and other_visible):
        raise Http404
    shown = [c for c, seen in ((flag.case, case_visible), (flag.other, other_visible)) if seen]
    audit_record_list_view(
        actor=user, objects=shown, fields=["alias"], action=CaseActions.LIST_VIEW
    )
    if same_person:
        return confirm_page(
            request,
            question=_("Merge these two cases?"),
            details=[
                _("Newer case: %(case)s") % {"case": _case_line(flag.case)},
                _("Older case: %(case)s") % {"case": _case_line(flag.other)},
            ],
            consequence=_(
                "The newer case's contacts, family, timeline and CDM requests move to the older "
                "case, and the newer case is closed. This cannot be undone."
            ),
            button=_("Yes, merge them"),
            back=reverse("cases:duplicates"),
            fields={"same_person": "1"},
        )
    another = _("a case of another team")
    newer = _case_line(flag.case) if case_visible else another
    other = _case_line(flag.other) if other_visible else another
    return confirm_page(
        request,
        question=_("Record that these are not the same person?"),
        details=[
            _("Newer case: %(case)s") % {"case": newer},
            _("Older case: %(case)s") % {"case": other},
        ],
        consequence=_(
            "The possible duplicate is closed and not shown again, and the cases stay apart. "
            "This cannot be undone."
        ),
        button=_("Yes, not the same person"),
        back=reverse("cases:duplicates"),
        fields={"same_person": "0"},
    )


@refusals_shown_on(duplicates_page)
def duplicate_resolve_view(request: AuthenticatedRequest, flag_id: UUID) -> HttpResponse:
    flag = selectors.duplicate_flag_get_for_user(user=request.user, flag_id=flag_id)
    data = valid("resolve", DuplicateResolveForm(request.POST))
    if not confirmed(request):
        return _resolve_confirm(request, flag, same_person=data["same_person"])
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
