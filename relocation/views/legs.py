"""A leg's page, made for a phone on a slow connection during the journey: where it goes, when
the next check-in is due, one big "Check in" button, and start / arrive / abort for those who may
press them. No script and no picture: the site's one stylesheet, cached, and a few kilobytes."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.views.common import FormInvalid, refusals_shown_on, valid
from relocation import selectors
from relocation.forms import AbortForm, CheckInForm
from relocation.services import checkins, legs
from relocation.views.common import (
    CHECK_IN_VIEW_FIELDS,
    LEG_VIEW_FIELDS,
    leg_row,
    refused_on_form,
    shown_text,
)
from supportdesk import formatting
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.audit.coverage import shows_personal_data
from supportdesk.audit.services import audit_record_view


def leg_url(leg_id: UUID | str) -> str:
    return reverse("relocation:leg", kwargs={"leg_id": leg_id})


def leg_page(
    request: AuthenticatedRequest,
    *,
    leg_id: UUID,
    status: int = 200,
    invalid: FormInvalid | None = None,
    open_form: str = "",
) -> HttpResponse:
    user = request.user
    detail = selectors.route_leg_detail(user=user, leg_id=leg_id)
    leg = detail.leg
    audit_record_view(actor=user, obj=leg.case, fields=[*LEG_VIEW_FIELDS, *CHECK_IN_VIEW_FIELDS])
    forms: dict[str, Form] = {
        "check_in": CheckInForm(auto_id="checkin-%s"),
        "abort": AbortForm(auto_id="abort-%s"),
    }
    if invalid:
        forms[invalid.name] = invalid.form
    context = {
        "detail": detail,
        "leg": leg,
        "row": leg_row(leg, detail.moves),
        "texts": {
            name: shown_text(getattr(leg, name))
            for name in ("cover_story", "documents_notes", "risk_notes", "abort_reason")
        },
        "check_ins": [(c, shown_text(c.note), shown_text(c.location)) for c in detail.check_ins],
        "late": leg.check_in_due_at is not None and leg.check_in_due_at < timezone.now(),
        "forms": forms,
        "open_form": invalid.name if invalid else open_form,
    }
    return render(request, "relocation/leg.html", context, status=status)


@shows_personal_data
@require_GET
def leg_detail_view(request: AuthenticatedRequest, leg_id: UUID) -> HttpResponse:
    return leg_page(request, leg_id=leg_id)


def _field_refused(name: str, form: CheckInForm | AbortForm, error: ValidationError) -> FormInvalid:
    refused_on_form(form, error)
    return FormInvalid(name, form)


@refusals_shown_on(leg_page, "check_in")
def leg_check_in_view(request: AuthenticatedRequest, leg_id: UUID) -> HttpResponse:
    form = CheckInForm(request.POST, auto_id="checkin-%s")
    data = valid("check_in", form)
    leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
    try:
        checkins.route_leg_check_in(actor=request.user, leg=leg, **data)
    except ValidationError as error:
        raise _field_refused("check_in", form, error) from None
    leg.refresh_from_db(fields=["check_in_due_at"])
    due = timezone.localtime(leg.check_in_due_at) if leg.check_in_due_at else None
    messages.success(
        request,
        _("Checked in. Next check-in by %(time)s.") % {"time": formatting.clock(due)}
        if due
        else _("Checked in."),
    )
    return HttpResponseRedirect(leg_url(leg_id))


@refusals_shown_on(leg_page)
def leg_start_view(request: AuthenticatedRequest, leg_id: UUID) -> HttpResponse:
    leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
    legs.route_leg_start(actor=request.user, leg=leg)
    messages.success(request, _("The leg has started. Check in on the way."))
    return HttpResponseRedirect(leg_url(leg_id))


@refusals_shown_on(leg_page)
def leg_arrive_view(request: AuthenticatedRequest, leg_id: UUID) -> HttpResponse:
    leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
    legs.route_leg_arrive(actor=request.user, leg=leg)
    messages.success(request, _("Arrived. Check-ins for this leg are finished."))
    return HttpResponseRedirect(leg_url(leg_id))


@refusals_shown_on(leg_page, "abort")
def leg_abort_view(request: AuthenticatedRequest, leg_id: UUID) -> HttpResponse:
    form = AbortForm(request.POST, auto_id="abort-%s")
    data = valid("abort", form)
    leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
    try:
        legs.route_leg_abort(actor=request.user, leg=leg, reason=data["reason"])
    except ValidationError as error:
        raise _field_refused("abort", form, error) from None
    messages.success(request, _("The leg was stopped, and the legs after it."))
    return HttpResponseRedirect(leg_url(leg_id))
