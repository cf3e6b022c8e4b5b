"""Money for a case: the request form (reached from the case page), the coordinators' approval
queue with one-tap approve and reject, and a request's page with the steps after approval
(payment, confirmation of receipt, reconciliation). Every step is a POST with its one-time key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cases.selectors import case_get_for_user
from cases.services.common import require_live
from cases.views.common import FormInvalid, refusals_shown_on, valid
from funds import rules, selectors
from funds.api import DISBURSEMENT_VIEW_FIELDS
from funds.forms import ConfirmForm, MoveForm, OnceForm, PayForm, RejectForm, RequestForm
from funds.models import DISBURSEMENT_SECRET_FIELDS, Approval, Disbursement
from funds.money import Currency
from funds.services import disbursements
from funds.views.common import disbursement_url, once
from funds.workflows import DISBURSEMENT
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import is_coordinator_of
from supportdesk.api.exceptions import status_for
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_view
from supportdesk.errors import ApplicationError, NotFound
from supportdesk.vault.crypto import is_shredded

D = Disbursement.State
QUEUE_LENGTH = 100
OWN_REQUEST = gettext_lazy("You asked for this money: another coordinator must approve it.")
APPROVED_ALREADY = gettext_lazy(
    "You approved this already: a second, different coordinator must approve it too."
)
PAID_BY_YOU = gettext_lazy("You paid this money: another coordinator reconciles it.")
DONE = {
    "approve": gettext_lazy("Approved."),
    "reject": gettext_lazy("Rejected. The person who asked is told why on the case."),
    "withdraw": gettext_lazy("The request is withdrawn."),
    "pay": gettext_lazy("The payment is recorded."),
    "confirm": gettext_lazy("Receipt is confirmed."),
    "reconcile": gettext_lazy("The payment is reconciled."),
}
REPLAYED = gettext_lazy("This was done already: nothing was done twice.")
FORMS: dict[str, type[OnceForm]] = {
    "approve": MoveForm,
    "reject": RejectForm,
    "withdraw": MoveForm,
    "pay": PayForm,
    "confirm": ConfirmForm,
    "reconcile": MoveForm,
}


def thresholds() -> list[tuple[int, str]]:
    """The two-approver rule, one amount per currency (minor units, for the money filter)."""
    return [(rules.threshold_minor(currency), currency) for currency in Currency.values]


def shown(value: object) -> str:
    return str(value) if is_shredded(value) else str(value or "")


# --- Requesting money ---------------------------------------------------------------------------


@no_personal_data  # the case's reference, the team's funds and the user's own input
@require_http_methods(["GET", "POST"])
def request_money_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_get_for_user(user=user, case_id=case_id)
    funds = selectors.funds_for_user(user=user).filter(team_id=case.team_id)
    form = RequestForm(request.POST if request.method == "POST" else None, funds=funds)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            fund = data["fund"]
            body = {
                "case": str(case.pk),
                "fund": str(fund.pk),
                "purpose": data["purpose"],
                "amount": data["amount"],
                "justification": data["justification"],
            }

            def run() -> dict[str, Any]:
                require_live(case)
                asked = disbursements.disbursement_request(
                    actor=user,
                    case=case,
                    fund=fund,
                    purpose=data["purpose"],
                    amount=data["amount"],
                    justification=data["justification"],
                )
                return {"id": str(asked.pk), "state": asked.state}

            try:
                answer, replayed = once(
                    request, form, route="page-disbursement-request", body=body, run=run
                )
            except NotFound:
                raise Http404 from None
            except ApplicationError as error:
                messages.error(request, str(error.message))
                status = status_for(error)
            else:
                messages.success(
                    request,
                    str(REPLAYED)
                    if replayed
                    else _("Your request is sent. A coordinator of the team decides."),
                )
                return HttpResponseRedirect(disbursement_url(answer["id"]))
        else:
            messages.error(request, _("Nothing was saved. Please correct what is marked."))
    context = {
        "case": case,
        "form": form,
        "has_funds": funds.exists(),
        "thresholds": thresholds(),
    }
    return render(request, "funds/request.html", context, status=status)


# --- The approval queue -------------------------------------------------------------------------


@no_personal_data  # references, purposes, amounts and who asked: never a justification
@require_GET
def approval_queue_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.is_coordinator:
        raise Http404
    waiting = list(
        selectors.disbursements_for_user(
            user=user, filters=selectors.DisbursementFilters(state=D.REQUESTED)
        )
        .select_related("requested_by")
        .annotate(
            approved_by_me=Exists(
                Approval.objects.filter(disbursement=OuterRef("pk"), coordinator=user)
            )
        )
        .order_by("created_at", "pk")[:QUEUE_LENGTH]
    )
    late = timezone.now() - timedelta(hours=int(settings.FUNDS_APPROVAL_REMINDER_HOURS))
    rows = [
        {
            "d": d,
            "own": d.requested_by_id == user.pk,
            "approved_by_me": d.approved_by_me,
            "late": d.created_at <= late,
            "approve": MoveForm(auto_id=f"approve-{d.pk.hex[:8]}-%s"),
            "reject": RejectForm(auto_id=f"reject-{d.pk.hex[:8]}-%s"),
        }
        for d in waiting
    ]
    context = {"rows": rows, "thresholds": thresholds(), "own_request": OWN_REQUEST}
    return render(request, "funds/queue.html", context)


LIST_FILTERS = (D.REQUESTED, D.APPROVED, D.PAID, D.CONFIRMED)


@no_personal_data  # references, purposes, amounts and states
@require_GET
def disbursement_list_view(request: AuthenticatedRequest) -> HttpResponse:
    """The team's requests in one state (the home page links here), optionally the user's own."""
    user = request.user
    state = request.GET.get("state", "")
    if state not in LIST_FILTERS:
        state = D.APPROVED
    mine = request.GET.get("mine") == "1"
    rows = selectors.disbursements_for_user(
        user=user, filters=selectors.DisbursementFilters(state=state)
    )
    if mine:
        rows = rows.filter(requested_by=user)
    labels = dict(D.choices)
    context = {
        "rows": list(rows.order_by("created_at", "pk")[:QUEUE_LENGTH]),
        "state": state,
        "mine": mine,
        "states": [(name, labels[name]) for name in LIST_FILTERS],
    }
    return render(request, "funds/disbursements.html", context)


# --- A request's page and its steps -------------------------------------------------------------


def _moves(user: User, d: Disbursement) -> tuple[list[str], list[str]]:
    """The steps offered to the user, and the sentences saying why a step is not theirs."""
    team = d.case.team
    names = [m.name for m in DISBURSEMENT.available(user=user, team=team, state=d.state)]
    refusals: list[str] = []
    if d.requested_by_id == user.pk and "approve" in names:
        names = [n for n in names if n not in ("approve", "reject")]
        refusals.append(str(OWN_REQUEST))
    elif "approve" in names and d.approvals.filter(coordinator=user).exists():
        names.remove("approve")
        refusals.append(str(APPROVED_ALREADY))
    if "withdraw" in names and d.requested_by_id != user.pk and not is_coordinator_of(user, team):
        names.remove("withdraw")
    if "reconcile" in names and d.paid_by_id == user.pk:
        names.remove("reconcile")
        refusals.append(str(PAID_BY_YOU))
    if d.state == D.REQUESTED and not is_coordinator_of(user, team):
        refusals.append(_("A coordinator of the team approves or rejects it."))
    if d.state == D.CONFIRMED and not is_coordinator_of(user, team):
        refusals.append(_("A coordinator who did not pay it reconciles it."))
    return names, refusals


def disbursement_page(
    request: AuthenticatedRequest,
    *,
    disbursement_id: UUID,
    status: int = 200,
    invalid: FormInvalid | None = None,
    open_form: str = "",
) -> HttpResponse:
    user = request.user
    d = selectors.disbursement_get_for_user(user=user, disbursement_id=disbursement_id)
    names, refusals = _moves(user, d)
    forms: dict[str, OnceForm] = {
        name: FORMS[name](auto_id=f"{name}-%s") for name in names if name in FORMS
    }
    if invalid is not None:
        forms[invalid.name] = invalid.form  # type: ignore[assignment]
    audit_record_view(actor=user, obj=d.case, fields=DISBURSEMENT_VIEW_FIELDS)
    approvals = list(d.approvals.select_related("coordinator").order_by("created_at"))
    context = {
        "d": d,
        "case": d.case,
        "texts": {name: shown(getattr(d, name)) for name in DISBURSEMENT_SECRET_FIELDS},
        "approvals": approvals,
        "forms": forms,
        "refusals": refusals,
        "threshold": rules.threshold_minor(d.currency),
        "open_form": invalid.name if invalid else open_form,
        "paid_by": d.paid_by.username if d.paid_by else "",
        "reversed_by": d.reversed_by.username if d.reversed_by else "",
        "requested_by": d.requested_by.username if d.requested_by else "",
    }
    return render(request, "funds/disbursement.html", context, status=status)


@shows_personal_data
@require_GET
def disbursement_detail_view(request: AuthenticatedRequest, disbursement_id: UUID) -> HttpResponse:
    return disbursement_page(request, disbursement_id=disbursement_id)


def _back(request: AuthenticatedRequest, disbursement_id: UUID) -> str:
    if request.POST.get("back") == "queue":
        return reverse("funds:approvals")
    return disbursement_url(disbursement_id)


def _step(name: str) -> Any:
    def view(request: AuthenticatedRequest, disbursement_id: UUID) -> HttpResponse:
        form = FORMS[name](request.POST, auto_id=f"{name}-%s")
        data = valid(name, form)
        data.pop("once")
        user = request.user
        found = selectors.disbursement_get_for_user(user=user, disbursement_id=disbursement_id)
        move = getattr(disbursements, f"disbursement_{name}")

        def run() -> dict[str, Any]:
            moved = move(actor=user, disbursement=found, **data)
            return {"id": str(moved.pk), "state": moved.state}

        body = {**data, "disbursement": str(found.pk)}
        _answer, replayed = once(
            request, form, route=f"page-disbursement-{name}", body=body, run=run
        )
        messages.success(request, str(REPLAYED if replayed else DONE[name]))
        return HttpResponseRedirect(_back(request, disbursement_id))

    view.__name__ = view.__qualname__ = f"disbursement_{name}_view"
    view.__doc__ = f"The {name} step of a request (POST; GET shows the request's page)."
    return refusals_shown_on(disbursement_page, name)(view)


disbursement_approve_view = _step("approve")
disbursement_reject_view = _step("reject")
disbursement_withdraw_view = _step("withdraw")
disbursement_pay_view = _step("pay")
disbursement_confirm_view = _step("confirm")
disbursement_reconcile_view = _step("reconcile")
