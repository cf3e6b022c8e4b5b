"""Donations, for the team's coordinators: the list (no donor on it), recording one, a donation's
page (its reference and donor, each read recorded) where a donor can be forgotten, and the CSV
import: a preview row by row, then the confirmation that records it all or nothing."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.views.common import FormInvalid, refusals_shown_on, valid
from funds import selectors
from funds.api import DONATION_VIEW_FIELDS
from funds.audit_actions import DonationActions
from funds.forms import DonationForm, ImportConfirmForm, ImportForm, MoveForm, encoded
from funds.models import Account
from funds.services import donations
from funds.views.common import donation_url, once
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import User
from supportdesk.api.exceptions import status_for
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_view
from supportdesk.errors import ApplicationError, NotFound
from supportdesk.vault.crypto import is_shredded

LIST_LENGTH = 100


def coordinated_funds(user: User) -> QuerySet[Account]:
    """The funds whose donations the user records: their teams', if they coordinate."""
    if not user.is_coordinator:
        raise Http404
    return selectors.funds_for_user(user=user)


def _list_page(
    request: AuthenticatedRequest, form: DonationForm, *, status: int = 200
) -> HttpResponse:
    funds = coordinated_funds(request.user)
    rows = list(selectors.donations_for_user(user=request.user)[:LIST_LENGTH])
    context = {"rows": rows, "form": form, "has_funds": funds.exists()}
    return render(request, "funds/donations.html", context, status=status)


@no_personal_data  # amounts, channels, dates and funds: never a reference or a donor
@require_GET
def donation_list_view(request: AuthenticatedRequest) -> HttpResponse:
    funds = coordinated_funds(request.user)
    return _list_page(request, DonationForm(funds=funds))


@no_personal_data  # the user's own input shown back
@require_POST
def donation_record_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = DonationForm(request.POST, funds=coordinated_funds(user))
    if not form.is_valid():
        messages.error(request, _("Nothing was saved. Please correct what is marked."))
        return _list_page(request, form, status=400)
    data = dict(form.cleaned_data)
    data.pop("once")
    fund = data.pop("fund")
    body = {**data, "fund": str(fund.pk)}

    def run() -> dict[str, Any]:
        donation = donations.donation_record(actor=user, fund=fund, **data)
        return {"id": str(donation.pk)}

    try:
        _answer, replayed = once(request, form, route="page-donation-record", body=body, run=run)
    except donations.DuplicateReference as error:
        form.add_error("reference", str(error.message))
        messages.error(request, _("Nothing was saved. Please correct what is marked."))
        return _list_page(request, form, status=400)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _list_page(request, form, status=status_for(error))
    messages.success(
        request,
        _("This was done already: nothing was done twice.")
        if replayed
        else _("The donation is recorded."),
    )
    return HttpResponseRedirect(reverse("funds:donations"))


# --- One donation -------------------------------------------------------------------------------


def shown(value: object) -> str:
    return str(value) if is_shredded(value) else str(value or "")


def donation_page(
    request: AuthenticatedRequest,
    *,
    donation_id: UUID,
    status: int = 200,
    invalid: FormInvalid | None = None,
    open_form: str = "",
) -> HttpResponse:
    user = request.user
    donation = selectors.donation_get_for_user(user=user, donation_id=donation_id)
    audit_record_view(actor=user, obj=donation, fields=DONATION_VIEW_FIELDS)
    donor = donation.donor
    forgotten = donor is not None and (is_shredded(donor.name) or is_shredded(donor.contact))
    if donor is not None and not forgotten:
        audit_record_view(
            actor=user, obj=donor, fields=["name", "contact"], action=DonationActions.DONOR_VIEW
        )
    forget = invalid.form if invalid else MoveForm(auto_id="forget-%s")
    context = {
        "donation": donation,
        "reference": shown(donation.reference),
        "reversal_reason": shown(donation.reversal_reason),
        "reversed_by": donation.reversed_by.username if donation.reversed_by else "",
        "donor": donor,
        "forgotten": forgotten,
        "donor_name": "" if forgotten or donor is None else shown(donor.name),
        "donor_contact": "" if forgotten or donor is None else shown(donor.contact),
        "forget": forget,
        "open_form": invalid.name if invalid else open_form,
    }
    return render(request, "funds/donation.html", context, status=status)


@shows_personal_data
@require_GET
def donation_detail_view(request: AuthenticatedRequest, donation_id: UUID) -> HttpResponse:
    return donation_page(request, donation_id=donation_id)


@refusals_shown_on(donation_page, "forget")
def donor_forget_view(request: AuthenticatedRequest, donation_id: UUID) -> HttpResponse:
    form = MoveForm(request.POST, auto_id="forget-%s")
    valid("forget", form)
    donation = selectors.donation_get_for_user(user=request.user, donation_id=donation_id)
    if donation.donor is None:
        raise donations.DonorForgotten(
            _("This donation is anonymous: there is no donor to forget.")
        )
    donor = donation.donor
    body = {"donor": str(donor.pk)}

    def run() -> dict[str, Any]:
        donations.donor_forget(actor=request.user, donor=donor)
        return {"id": str(donor.pk)}

    _answer, replayed = once(request, form, route="page-donor-forget", body=body, run=run)
    messages.success(
        request,
        _("This was done already: nothing was done twice.")
        if replayed
        else _("The donor's name and contact are forgotten for good. The donation stays."),
    )
    return HttpResponseRedirect(donation_url(donation_id))


# --- CSV import ---------------------------------------------------------------------------------


def _import_page(
    request: AuthenticatedRequest,
    form: ImportForm,
    *,
    status: int = 200,
    preview: donations.ImportPreview | None = None,
    confirm: ImportConfirmForm | None = None,
    fund: Account | None = None,
) -> HttpResponse:
    context = {"form": form, "preview": preview, "confirm": confirm, "fund": fund}
    return render(request, "funds/import.html", context, status=status)


@no_personal_data  # row numbers, states, amounts and messages: never a reference or a donor
@require_http_methods(["GET", "POST"])
def donation_import_view(request: AuthenticatedRequest) -> HttpResponse:
    """GET: the upload form. POST: the preview of the file, writing nothing."""
    user = request.user
    funds = coordinated_funds(user)
    if request.method != "POST":
        return _import_page(request, ImportForm(funds=funds))
    form = ImportForm(request.POST, request.FILES, funds=funds)
    if not form.is_valid():
        messages.error(request, _("Nothing was read. Please correct what is marked."))
        return _import_page(request, form, status=400)
    fund, content = form.cleaned_data["fund"], form.cleaned_data["file"]
    try:
        preview = donations.donations_import_preview(actor=user, fund=fund, content=content)
    except donations.MalformedFile as error:
        form.add_error("file", str(error.message))
        messages.error(request, _("Nothing was read. Please correct what is marked."))
        return _import_page(request, form, status=400)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _import_page(request, form, status=status_for(error))
    confirm = None
    if preview.ok and not preview.errors:
        confirm = ImportConfirmForm(
            initial={"fund": fund.pk, "content": encoded(content)}, funds=funds
        )
    return _import_page(request, form, preview=preview, confirm=confirm, fund=fund)


@no_personal_data  # answers with counts, then the list
@require_POST
def donation_import_confirm_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    funds = coordinated_funds(user)
    confirm = ImportConfirmForm(request.POST, funds=funds)
    if not confirm.is_valid():
        for error in confirm.non_field_errors():
            messages.error(request, str(error))
        return _import_page(request, ImportForm(funds=funds), status=400)
    fund, content = confirm.cleaned_data["fund"], confirm.cleaned_data["content"]
    body = {"fund": str(fund.pk), "file": hashlib.sha256(content).hexdigest()}

    def run() -> dict[str, Any]:
        result = donations.donations_import(actor=user, fund=fund, content=content)
        return {"recorded": len(result.ok), "duplicates": len(result.duplicates)}

    try:
        answer, replayed = once(request, confirm, route="page-donation-import", body=body, run=run)
    except (ValidationError, donations.MalformedFile):
        messages.error(
            request, _("The file has rows with mistakes: nothing was recorded. Preview it again.")
        )
        return _import_page(request, ImportForm(funds=funds), status=400)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _import_page(request, ImportForm(funds=funds), status=status_for(error))
    if replayed:
        messages.success(request, _("This was done already: nothing was done twice."))
    else:
        messages.success(
            request,
            _("%(recorded)s donations recorded; %(duplicates)s duplicates skipped.")
            % {"recorded": answer["recorded"], "duplicates": answer["duplicates"]},
        )
    return HttpResponseRedirect(reverse("funds:donations"))
