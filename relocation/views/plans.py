"""A case's route plans, a plan's page (its legs, the journey's length, its warnings and the
approval steps this reader may take) and the form that adds or changes a leg."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases.selectors import case_get_for_user
from cases.services.common import require_live
from cases.views.common import FormInvalid, refusals_shown_on, valid
from cases.views.confirm import confirm_page, confirmed
from relocation import selectors
from relocation.forms import LegForm, LegRemoveForm, PlanMoveForm
from relocation.models import RouteLeg, RoutePlan
from relocation.services import plans
from relocation.views.common import (
    LEG_VIEW_FIELDS,
    PLAN_VIEW_FIELDS,
    duration_text,
    leg_row,
    refused_on_form,
)
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.api.exceptions import status_for
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_view
from supportdesk.errors import ApplicationError, NotFound

PLAN_MOVE_DONE = {
    "submit": gettext_lazy("Sent for approval."),
    "approve": gettext_lazy("Approved: the journey may start."),
    "return": gettext_lazy("Sent back to its drafters."),
    "cancel": gettext_lazy("The plan is cancelled."),
}


def plan_url(plan_id: UUID | str, anchor: str = "") -> str:
    url = reverse("relocation:plan", kwargs={"plan_id": plan_id})
    return f"{url}#{anchor}" if anchor else url


# --- A case's plans -----------------------------------------------------------------------------


@no_personal_data  # the case's reference and the plans' states only
@require_http_methods(["GET", "POST"])
def case_plans_view(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    status = 200
    if request.method == "POST":
        try:
            require_live(case)  # a shredded case's key is gone: nothing new is sealed for it
            plan = plans.route_plan_create(actor=request.user, case=case)
        except NotFound:
            raise Http404 from None
        except ApplicationError as error:
            messages.error(request, str(error.message))
            status = status_for(error)
        else:
            messages.success(request, _("A route plan is drafted. Add its legs."))
            return HttpResponseRedirect(plan_url(plan.pk))
    context = {"case": case, "plans": list(selectors.route_plans_for_case(case=case))}
    return render(request, "relocation/case_plans.html", context, status=status)


# --- A plan's page ------------------------------------------------------------------------------


def plan_page(
    request: AuthenticatedRequest,
    *,
    plan_id: UUID,
    status: int = 200,
    invalid: FormInvalid | None = None,
    open_form: str = "",
) -> HttpResponse:
    user = request.user
    detail = selectors.route_plan_detail(user=user, plan_id=plan_id)
    plan = detail.plan
    audit_record_view(actor=user, obj=plan.case, fields=PLAN_VIEW_FIELDS)
    mine = user.pk in (plan.drafted_by_id, plan.last_edited_by_id)
    context = {
        "detail": detail,
        "plan": plan,
        "case": plan.case,
        "rows": [leg_row(leg, detail.leg_moves.get(leg.pk)) for leg in detail.legs],
        "journey": duration_text(detail.journey_time),
        "warnings": [str(warning) for warning in detail.warnings],
        "moves": [m for m in detail.moves if m != "approve" or not mine],
        "approve_elsewhere": "approve" in detail.moves and mine,
        "move_form": invalid.form
        if invalid and invalid.name == "move"
        else PlanMoveForm(initial={"version": plan.version}),
        "remove_form": invalid.form if invalid and invalid.name == "remove" else None,
        "open_form": invalid.name if invalid else open_form,
    }
    return render(request, "relocation/plan.html", context, status=status)


@shows_personal_data
@require_http_methods(["GET"])
def plan_detail_view(request: AuthenticatedRequest, plan_id: UUID) -> HttpResponse:
    return plan_page(request, plan_id=plan_id)


@refusals_shown_on(plan_page, "move")
def plan_move_view(request: AuthenticatedRequest, plan_id: UUID) -> HttpResponse:
    data = valid("move", PlanMoveForm(request.POST))
    plan = selectors.route_plan_get_for_user(user=request.user, plan_id=plan_id)
    plans.route_plan_move(actor=request.user, plan=plan, **data)
    messages.success(request, str(PLAN_MOVE_DONE[data["move"]]))
    return HttpResponseRedirect(plan_url(plan_id))


# --- The leg form -------------------------------------------------------------------------------


def _leg_form(request: AuthenticatedRequest, plan: RoutePlan, initial: dict[str, Any]) -> LegForm:
    choices = selectors.leg_choices_for_case(case=plan.case)
    return LegForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        houses=choices.houses,
        areas=choices.areas,
        members=choices.members,
    )


def _leg_form_page(
    request: AuthenticatedRequest,
    form: LegForm,
    *,
    plan: RoutePlan,
    leg: RouteLeg | None,
    status: int,
) -> HttpResponse:
    if form.is_bound and status == 200:
        status = 400
    if status >= 400 and form.is_bound and form.errors:
        messages.error(request, _("Nothing was saved. Please correct what is marked below."))
    context = {"form": form, "plan": plan, "case": plan.case, "leg": leg}
    return render(request, "relocation/leg_form.html", context, status=status)


def _written(
    request: AuthenticatedRequest, form: LegForm, write: Any
) -> tuple[RouteLeg | RoutePlan | None, int]:
    """Run the service; its refusals land on the form (400) or as a sentence (409 mostly)."""
    try:
        return write(), 200
    except ValidationError as error:
        refused_on_form(form, error)
        return None, 400
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return None, status_for(error)


@no_personal_data  # a blank form, or the user's own input shown back
@require_http_methods(["GET", "POST"])
def leg_add_view(request: AuthenticatedRequest, plan_id: UUID) -> HttpResponse:
    plan = selectors.route_plan_get_for_user(user=request.user, plan_id=plan_id)
    form = _leg_form(request, plan, {"version": plan.version})
    status = 200
    if form.is_bound and form.is_valid():
        data = plans.LegInput(**form.leg_values())
        version = form.cleaned_data["version"]
        leg, status = _written(
            request,
            form,
            lambda: plans.route_leg_add(actor=request.user, plan=plan, version=version, data=data),
        )
        if isinstance(leg, RouteLeg):
            messages.success(request, _("Leg %(number)s added.") % {"number": leg.number})
            return HttpResponseRedirect(plan_url(plan.pk, f"leg-{leg.number}"))
    return _leg_form_page(request, form, plan=plan, leg=None, status=status)


def _minute(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0)
    return value


def _changes(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Only what differs, so the audit event names only the fields really changed."""
    changes = {}
    for name, value in values.items():
        if name == "escorts":
            if {user.pk for user in value} != set(current["escorts"]):
                changes[name] = value
        elif _minute(value) != _minute(current.get(name)):
            changes[name] = value
    return changes


@shows_personal_data
@require_http_methods(["GET", "POST"])
def leg_edit_view(request: AuthenticatedRequest, leg_id: UUID) -> HttpResponse:
    leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
    leg.plan.case = leg.case
    current = LegForm.initial_for(leg)
    form = _leg_form(request, leg.plan, current)
    status = 200
    if form.is_bound and form.is_valid():
        changes = _changes(current, form.leg_values())
        if not changes:
            messages.success(request, _("Nothing was changed."))
            return HttpResponseRedirect(plan_url(leg.plan_id, f"leg-{leg.number}"))
        version = form.cleaned_data["version"]
        changed, status = _written(
            request,
            form,
            lambda: plans.route_leg_update(
                actor=request.user, leg=leg, version=version, changes=changes
            ),
        )
        if changed is not None:
            messages.success(request, _("Changes saved."))
            return HttpResponseRedirect(plan_url(leg.plan_id, f"leg-{leg.number}"))
    audit_record_view(actor=request.user, obj=leg.case, fields=LEG_VIEW_FIELDS)
    return _leg_form_page(request, form, plan=leg.plan, leg=leg, status=status)


# --- Removing a leg -----------------------------------------------------------------------------


def _plan_page_of_leg(
    request: AuthenticatedRequest, *, leg_id: UUID, **options: Any
) -> HttpResponse:
    leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
    return plan_page(request, plan_id=leg.plan_id, **options)


@refusals_shown_on(_plan_page_of_leg, "remove")
def leg_remove_view(request: AuthenticatedRequest, leg_id: UUID) -> HttpResponse:
    """Remove a leg that has not started (the later legs move up); asked twice, since its cover
    story and notes go with it."""
    data = valid("remove", LegRemoveForm(request.POST))
    leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Remove leg %(number)s?") % {"number": leg.number},
            consequence=_(
                "Its places, cover story and notes are deleted, and the legs after it move up."
            ),
            button=_("Yes, remove the leg"),
            back=plan_url(leg.plan_id, f"leg-{leg.number}"),
            fields={"version": str(data["version"])},
        )
    plans.route_leg_remove(actor=request.user, leg=leg, version=data["version"])
    messages.success(request, _("Leg %(number)s was removed.") % {"number": leg.number})
    return HttpResponseRedirect(plan_url(leg.plan_id, "journey"))
