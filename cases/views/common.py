"""What every case page shares: the case page itself (shown by the detail view, by every action
when its input or a rule fails, and by an action's own address on GET) and `case_action`, the one
place where broken rules become a sentence on that page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import selectors
from cases.audit_actions import CaseActions
from cases.forms import (
    LANGUAGE_CHOICES,
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
from cases.models import Case, CaseEvent, CdmRequest, FamilyMember
from cases.sections import case_sections
from cases.serializers import CASE_DETAIL_FIELDS, CDM_FIELDS, FAMILY_FIELDS
from cases.services.common import require_live
from cases.workflows import CASE_STATUS, CDM_OPEN_STATES, CDM_REQUEST, VERIFICATION
from supportdesk.accounts import scope
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import is_coordinator_of
from supportdesk.api.exceptions import status_for
from supportdesk.audit.coverage import shows_personal_data
from supportdesk.audit.services import audit_record_list_view, audit_record_view
from supportdesk.errors import ApplicationError, NotFound
from supportdesk.vault.crypto import is_shredded
from supportdesk.workflow import Workflow

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Every decrypted field the case page shows: its view event names exactly these.
CASE_PAGE_FIELDS = (
    *CASE_DETAIL_FIELDS,
    *(f"family.{name}" for name in FAMILY_FIELDS),
    *(f"cdm_requests.{name}" for name in CDM_FIELDS),
    "events.text",
    "events.message",
)
TIMELINE_LENGTH = 50
VOUCHER_CHOICES = 100


class FormInvalid(Exception):
    """An action's input was refused: the case page shows the form again with its messages."""

    def __init__(self, name: str, form: forms.Form) -> None:
        self.name, self.form = name, form
        super().__init__(name)


def valid(name: str, form: forms.Form) -> dict[str, Any]:
    if not form.is_valid():
        raise FormInvalid(name, form)
    return dict(form.cleaned_data)


def case_url(case_id: UUID | str, anchor: str = "") -> str:
    url = reverse("cases:detail", kwargs={"case_id": case_id})
    return f"{url}#{anchor}" if anchor else url


def done(request: HttpRequest, case_id: UUID, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(case_url(case_id, anchor))


def status_moves(user: User, case: Case) -> list[tuple[str, StrOrPromise]]:
    """The status moves the user may make from here (cases.workflows.CASE_STATUS)."""
    labels = dict(Case.Status.choices)
    offered = {m.name for m in CASE_STATUS.available(user=user, team=case.team, state=case.status)}
    return [(status, labels[status]) for status in Case.Status.values if status in offered]


def move_names(workflow: Workflow, user: User, case: Case, state: str) -> set[str]:
    return {m.name for m in workflow.available(user=user, team=case.team, state=state)}


def _voucher_cases(user: User, case: Case) -> list[Case]:
    return list(
        selectors.cases_for_user(user=user)
        .filter(verification=Case.Verification.VERIFIED, shredded_at__isnull=True)
        .exclude(pk=case.pk)
        .order_by("-created_at")[:VOUCHER_CHOICES]
    )


def _case_forms(
    user: User, case: Case, coordinator: bool, moves: list[tuple[str, StrOrPromise]]
) -> dict[str, Any]:
    """The small forms of the case page: those the workflows let the user use on this case now."""
    if case.shredded_at is not None:
        return {}
    found: dict[str, Any] = {
        "transition": TransitionForm(moves=moves),
        "note": TextForm(),
        "contact": ContactAddForm(auto_id="contact-%s"),
        "family": FamilyMemberForm(auto_id="family-%s"),
    }
    verification = move_names(VERIFICATION, user, case, case.verification)
    if "vouch" in verification:
        found["vouch"] = VouchForm(cases=_voucher_cases(user, case))
    if "verify" in verification:
        found["verify"] = NoteForm(auto_id="verify-%s")
    if "revoke" in verification:
        found["revoke"] = ReasonForm(auto_id="revoke-%s")
    if coordinator:
        teams = scope.teams_of(user).exclude(pk=case.team_id)
        if teams.exists():
            found["assign"] = AssignForm(teams=teams)
        found["hold"] = HoldForm(initial={"on_hold": "0" if case.on_hold else "1"})
    open_request = next((r for r in case.cdm_requests.all() if r.state in CDM_OPEN_STATES), None)
    cdm = move_names(CDM_REQUEST, user, case, open_request.state) if open_request else set()
    if open_request is None:
        kind = CdmRequest.Kind.PRE_CDM if case.still_serving else CdmRequest.Kind.CDM
        found["cdm_create"] = CdmCreateForm(initial={"kind": kind})
    if "submit" in cdm:
        found["cdm_submit"] = CdmSubmitForm()
    if "issue" in cdm:
        found["cdm_issue"] = CdmIssueForm()
    if "reject" in cdm:
        found["cdm_reject"] = ReasonForm(auto_id="reject-%s")
    found["cdm_open"] = open_request
    found["cdm_moves"] = cdm
    return found


def _timeline(user: User, case: Case) -> list[CaseEvent]:
    events = list(selectors.case_timeline(user=user, case=case)[:TIMELINE_LENGTH])
    labels = dict(Case.Status.choices)
    for event in events:
        event.from_label = labels.get(event.from_status, event.from_status)  # type: ignore[attr-defined]
        event.to_label = labels.get(event.to_status, event.to_status)  # type: ignore[attr-defined]
    return events


# Forms of one relative or one flag on the case page: named "<kind>:<id>" when refused.
RECORD_FORMS = ("flag:", "member:", "review:")


def _record_form(
    record: Any, attr: str, name: str, blank: forms.Form, invalid: FormInvalid | None
) -> None:
    """Put `blank` on `record` as `attr`, or the refused form of that name, opened."""
    setattr(record, attr, blank)
    if invalid and invalid.name == name:
        invalid.form.auto_id = blank.auto_id
        setattr(record, attr, invalid.form)
        setattr(record, f"{attr}_open", True)


def _family(case: Case, invalid: FormInvalid | None) -> list[FamilyMember]:
    """The relatives, each with a form to change their details and one to record a risk, and
    each open flag with a form to record a check (ids unique on the page)."""
    family = list(case.family.all())
    if case.shredded_at is not None:
        return family
    for member in family:
        short = member.pk.hex[:8]
        edit = FamilyMemberForm(
            initial=FamilyMemberForm.initial_for(member), auto_id=f"member-{short}-%s"
        )
        _record_form(member, "edit_form", f"member:{member.pk}", edit, invalid)
        flag_form = SecurityFlagForm(auto_id=f"flag-{short}-%s")
        _record_form(member, "flag_form", f"flag:{member.pk}", flag_form, invalid)
        for flag in member.flags.all():  # the prefetched flags the template shows
            if flag.resolved_at is None:
                review = FlagReviewForm(auto_id=f"review-{flag.pk.hex[:8]}-%s")
                _record_form(flag, "review_form", f"review:{flag.pk}", review, invalid)
    return family


def _put_back(invalid: FormInvalid, case_forms: dict[str, Any], moves: list[Any]) -> None:
    """A refused form takes the place of the blank one, offering the same choices."""
    if isinstance(invalid.form, VouchForm):
        offered = case_forms.get("vouch")
        invalid.form.offer(offered.vouchers if offered is not None else [])
    if isinstance(invalid.form, TransitionForm):
        invalid.form.offer(moves)
    case_forms[invalid.name] = invalid.form


def _language_names(case: Case) -> list[str]:
    if is_shredded(case.languages):
        return [str(case.languages)]
    names = dict(LANGUAGE_CHOICES)
    return [str(names.get(code, code)) for code in case.languages or []]


def _referrer(user: User, case: Case) -> Case | None:
    """The case that referred this one, if the user may open it (shown by its reference only)."""
    if case.referred_by_id is None:
        return None
    return selectors.cases_for_user(user=user).filter(pk=case.referred_by_id).only("id").first()


def _merged_into(user: User, case: Case) -> Case | None:
    """The case this one was merged into, if the user may open it (shown by its reference)."""
    if case.merged_into_id is None:
        return None
    return selectors.cases_for_user(user=user).filter(pk=case.merged_into_id).only("id").first()


def case_page(
    request: AuthenticatedRequest,
    case_id: UUID,
    *,
    status: int = 200,
    invalid: FormInvalid | None = None,
    open_form: str = "",
) -> HttpResponse:
    """The case page. `invalid` puts a refused form back, with its messages, where it was."""
    user = request.user
    case = selectors.case_detail(user=user, case_id=case_id)
    coordinator = is_coordinator_of(user, case.team)
    moves = status_moves(user, case) if case.shredded_at is None else []
    case_forms = _case_forms(user, case, coordinator, moves)
    if invalid and not invalid.name.startswith(RECORD_FORMS):
        _put_back(invalid, case_forms, moves)
    context = {
        "case": case,
        "family": _family(case, invalid),
        "languages": _language_names(case),
        "events": _timeline(user, case),
        "forms": case_forms,
        "coordinator": coordinator,
        "has_moves": bool(moves),
        "open_form": invalid.name if invalid else open_form,
        "possible_duplicates": selectors.possible_duplicate_count(case=case),
        "referrer": _referrer(user, case),
        "merged_into": _merged_into(user, case),
    }
    audit_record_view(actor=user, obj=case, fields=CASE_PAGE_FIELDS)
    context["sections"] = case_sections(request, case)
    if "vouch" in case_forms:  # the aliases of the verified cases offered as vouchers
        vouchers = case_forms["vouch"].vouchers
        audit_record_list_view(
            actor=user, objects=vouchers, fields=["alias"], action=CaseActions.LIST_VIEW
        )
    return render(request, "cases/detail.html", context, status=status)


View = Callable[..., HttpResponse]


def refusals_shown_on(page: View, form_name: str = "") -> Callable[[View], View]:
    """An action with its own address whose form lives on `page`. POST runs the view; refused
    input comes back on the page with 400, a broken rule with its sentence and status (409
    mostly), anything out of the user's scope is 404. GET shows the page with the form open.
    `page(request, status=, invalid=, open_form=, **url_kwargs)` renders the page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def action(request: AuthenticatedRequest, **kwargs: Any) -> HttpResponse:
            if request.method != "POST":
                return page(request, open_form=form_name, **kwargs)
            try:
                return view(request, **kwargs)
            except FormInvalid as invalid:
                messages.error(request, _("Nothing was saved. Please correct what is marked."))
                return page(request, status=400, invalid=invalid, **kwargs)
            except NotFound:
                raise Http404 from None
            except ApplicationError as error:
                messages.error(request, str(error.message))
                return page(request, status=status_for(error), open_form=form_name, **kwargs)

        return shows_personal_data(require_http_methods(["GET", "POST"])(action))

    return decorate


def _case_page_of(request: AuthenticatedRequest, *, case_id: UUID, **kwargs: Any) -> HttpResponse:
    options = {name: kwargs[name] for name in ("status", "invalid", "open_form") if name in kwargs}
    return case_page(request, case_id, **options)


def case_action(form_name: str = "") -> Callable[[View], View]:
    """An action of the case page (see `refusals_shown_on`). A shredded case takes none: its
    data key is gone, so nothing new could be sealed for it."""

    def decorate(view: View) -> View:
        @wraps(view)
        def on_live_case(
            request: AuthenticatedRequest, case_id: UUID, **kwargs: Any
        ) -> HttpResponse:
            require_live(selectors.case_get_for_user(user=request.user, case_id=case_id))
            return view(request, case_id=case_id, **kwargs)

        return refusals_shown_on(_case_page_of, form_name)(on_live_case)

    return decorate
