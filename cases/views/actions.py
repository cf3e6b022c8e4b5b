"""The actions of a case page: each a small POST form with its own address, each calling the one
service the API calls for it (cases/api.py). `case_action` turns refused input into a 400 and a
broken rule into its sentence on the case page."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from cases import selectors
from cases.forms import (
    AssignForm,
    CdmCreateForm,
    CdmIssueForm,
    CdmSubmitForm,
    ContactAddForm,
    FamilyMemberForm,
    FlagReviewForm,
    HoldForm,
    NoteForm,
    ReasonForm,
    SecurityFlagForm,
    TextForm,
    TransitionForm,
    VouchForm,
)
from cases.models import Case, CdmRequest, FamilyMember, SecurityFlag
from cases.services import cdm, family, intake, lifecycle
from cases.views.common import FormInvalid, case_action, case_url, done, valid
from cases.views.confirm import confirm_page, confirmed
from cases.workflows import CDM_REQUEST
from supportdesk.accounts import scope
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.formatting import day


def _case(request: AuthenticatedRequest, case_id: UUID) -> Case:
    return selectors.case_get_for_user(user=request.user, case_id=case_id)


def _member(request: AuthenticatedRequest, case_id: UUID, member_id: UUID) -> FamilyMember:
    """A relative on this case (404 for one out of scope or on another case)."""
    member = selectors.family_member_get_for_user(user=request.user, member_id=member_id)
    if member.case_id != case_id:
        raise Http404
    return member


def _flag(request: AuthenticatedRequest, case_id: UUID, flag_id: UUID) -> SecurityFlag:
    """A flag of a relative on this case (404 for one out of scope or on another case)."""
    flag = selectors.security_flag_get_for_user(user=request.user, flag_id=flag_id)
    if flag.family_member.case_id != case_id:
        raise Http404
    return flag


@case_action("transition")
def case_transition_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("transition", TransitionForm(request.POST))
    case = lifecycle.case_transition(actor=request.user, case=_case(request, case_id), **data)
    return done(
        request,
        case_id,
        _("Status changed to “%(status)s”.") % {"status": case.get_status_display()},
    )


@case_action("vouch")
def case_vouch_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    form = VouchForm(request.POST)
    data = valid("vouch", form)
    case, by_case = _case(request, case_id), None
    if data["by_case"]:
        by_case = (
            selectors.cases_for_user(user=request.user)
            .filter(pk=data["by_case"], shredded_at__isnull=True)
            .first()
        )
        if by_case is None:
            form.add_error("by_case", _("Choose a verified case of your teams."))
            raise FormInvalid("vouch", form)
    lifecycle.case_vouch(actor=request.user, case=case, by_case=by_case, note=data["note"])
    return done(request, case_id, _("Vouched for."))


@case_action("verify")
def case_verify_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("verify", NoteForm(request.POST))
    lifecycle.case_verify(actor=request.user, case=_case(request, case_id), **data)
    return done(request, case_id, _("The case is verified."))


@case_action("revoke")
def case_verification_revoke_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("revoke", ReasonForm(request.POST))
    lifecycle.case_verification_revoke(actor=request.user, case=_case(request, case_id), **data)
    return done(request, case_id, _("Verification removed: the case is unverified again."))


@case_action("assign")
def case_assign_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    teams = scope.teams_of(request.user)
    data = valid("assign", AssignForm(request.POST, teams=teams))
    case = lifecycle.case_assign(actor=request.user, case=_case(request, case_id), **data)
    return done(request, case_id, _("Moved to %(team)s.") % {"team": case.team.name})


@case_action("hold")
def case_hold_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("hold", HoldForm(request.POST))
    case = lifecycle.case_hold_set(actor=request.user, case=_case(request, case_id), **data)
    if case.on_hold:
        return done(request, case_id, _("Held: this case will not be deleted when it closes."))
    return done(request, case_id, _("Hold released."))


@case_action("note")
def case_note_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("note", TextForm(request.POST))
    lifecycle.case_note_add(actor=request.user, case=_case(request, case_id), **data)
    return done(request, case_id, _("Note added."), "timeline")


@case_action("contact")
def case_contact_add_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("contact", ContactAddForm(request.POST, auto_id="contact-%s"))
    intake.case_contact_add(
        actor=request.user, case=_case(request, case_id), contact=intake.ContactInput(**data)
    )
    return done(request, case_id, _("Contact added."), "person")


@case_action("family")
def family_member_add_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("family", FamilyMemberForm(request.POST))
    family.family_member_create(actor=request.user, case=_case(request, case_id), **data)
    return done(request, case_id, _("Family member added."), "family")


@case_action()
def family_member_edit_view(
    request: AuthenticatedRequest, case_id: UUID, member_id: UUID
) -> HttpResponse:
    member = _member(request, case_id, member_id)
    current = FamilyMemberForm.initial_for(member)
    data = valid(f"member:{member.pk}", FamilyMemberForm(request.POST, initial=current))
    # Only what differs is passed on, so the audit event names only the fields really changed.
    changes = {name: value for name, value in data.items() if value != current[name]}
    if not changes:
        return done(request, case_id, _("Nothing was changed."), "family")
    family.family_member_update(actor=request.user, member=member, **changes)
    return done(request, case_id, _("Changes saved."), "family")


@case_action()
def security_flag_add_view(
    request: AuthenticatedRequest, case_id: UUID, member_id: UUID
) -> HttpResponse:
    member = _member(request, case_id, member_id)
    data = valid(f"flag:{member.pk}", SecurityFlagForm(request.POST))
    family.security_flag_add(actor=request.user, member=member, **data)
    return done(request, case_id, _("Risk recorded. The case's risk is updated."), "family")


@case_action()
def security_flag_resolve_view(
    request: AuthenticatedRequest, case_id: UUID, flag_id: UUID
) -> HttpResponse:
    flag = _flag(request, case_id, flag_id)
    if not confirmed(request):
        if flag.resolved_at is not None:
            raise family.FlagResolved()
        return confirm_page(
            request,
            question=_("Mark this risk as resolved?"),
            details=[
                _("%(kind)s: %(relation)s, recorded %(date)s")
                % {
                    "kind": flag.get_kind_display(),
                    "relation": flag.family_member.get_relation_display(),
                    "date": day(flag.observed_on),
                }
            ],
            consequence=_(
                "It will no longer count towards the case's risk or come back for review. If the "
                "danger returns, record it again."
            ),
            button=_("Yes, it is resolved"),
            back=case_url(case_id, "family"),
        )
    family.security_flag_resolve(actor=request.user, flag=flag)
    return done(request, case_id, _("Marked as resolved."), "family")


@case_action()
def security_flag_review_view(
    request: AuthenticatedRequest, case_id: UUID, flag_id: UUID
) -> HttpResponse:
    flag = _flag(request, case_id, flag_id)
    data = valid(f"review:{flag.pk}", FlagReviewForm(request.POST))
    family.security_flag_reviewed(actor=request.user, flag=flag, **data)
    return done(request, case_id, _("Checked. It comes back on the date you chose."), "family")


@case_action("cdm_create")
def cdm_request_create_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    data = valid("cdm_create", CdmCreateForm(request.POST))
    cdm.cdm_request_create(actor=request.user, case=_case(request, case_id), **data)
    return done(request, case_id, _("CDM-code request started."), "cdm")


def _cdm_request(request: AuthenticatedRequest, case_id: UUID, request_id: UUID) -> CdmRequest:
    """A CDM-code request of this case (404 for one out of scope or on another case)."""
    cdm_request = selectors.cdm_request_get_for_user(user=request.user, request_id=request_id)
    if cdm_request.case_id != case_id:
        raise Http404
    return cdm_request


@case_action()
def cdm_ready_view(request: AuthenticatedRequest, case_id: UUID, request_id: UUID) -> HttpResponse:
    cdm.cdm_request_mark_ready(
        actor=request.user, request=_cdm_request(request, case_id, request_id)
    )
    return done(request, case_id, _("Checked: the request is ready to send."), "cdm")


@case_action("cdm_submit")
def cdm_submit_view(request: AuthenticatedRequest, case_id: UUID, request_id: UUID) -> HttpResponse:
    data = valid("cdm_submit", CdmSubmitForm(request.POST))
    cdm.cdm_request_submit(
        actor=request.user,
        request=_cdm_request(request, case_id, request_id),
        submitted_on=data["submitted_on"],
        channel=data["channel"],
    )
    return done(request, case_id, _("Recorded as sent to the ministry."), "cdm")


@case_action("cdm_issue")
def cdm_issue_view(request: AuthenticatedRequest, case_id: UUID, request_id: UUID) -> HttpResponse:
    data = valid("cdm_issue", CdmIssueForm(request.POST))
    cdm.cdm_request_issue(
        actor=request.user, request=_cdm_request(request, case_id, request_id), code=data["code"]
    )
    return done(request, case_id, _("Code recorded. Pass it on safely."), "cdm")


@case_action("cdm_reject")
def cdm_reject_view(request: AuthenticatedRequest, case_id: UUID, request_id: UUID) -> HttpResponse:
    data = valid("cdm_reject", ReasonForm(request.POST))
    cdm.cdm_request_reject(
        actor=request.user,
        request=_cdm_request(request, case_id, request_id),
        reason=data["reason"],
    )
    return done(request, case_id, _("Recorded as rejected."), "cdm")


@case_action()
def cdm_withdraw_view(
    request: AuthenticatedRequest, case_id: UUID, request_id: UUID
) -> HttpResponse:
    cdm_request = _cdm_request(request, case_id, request_id)
    if not confirmed(request):
        CDM_REQUEST.check(
            user=request.user,
            team=cdm_request.case.team,
            state=cdm_request.state,
            name="withdraw",
        )
        return confirm_page(
            request,
            question=_("Withdraw this CDM-code request?"),
            details=[f"{cdm_request.get_kind_display()}: {cdm_request.get_state_display()}"],
            consequence=_(
                "A withdrawn request cannot be taken up again: a new request would have to be "
                "started and checked from the beginning."
            ),
            button=_("Yes, withdraw it"),
            back=case_url(case_id, "cdm"),
        )
    cdm.cdm_request_withdraw(actor=request.user, request=cdm_request)
    return done(request, case_id, _("Request withdrawn."), "cdm")
