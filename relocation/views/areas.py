"""Waypoint areas: the teams' areas (townships, never a house or a person), a coordinator's form to
add one, and "mark unsafe", asked twice because it cannot be undone: at once no plan may go
through the area, and the next sweep flags every journey that does."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.views.common import FormInvalid, refusals_shown_on, valid
from cases.views.confirm import confirm_page, confirmed
from relocation import selectors
from relocation.forms import AreaForm, AreaUnsafeForm
from relocation.services import houses
from relocation.views.common import refused_on_form
from relocation.workflows import NotAllowed
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.scope import teams_of
from supportdesk.audit.coverage import no_personal_data
from supportdesk.errors import NotFound


def areas_url(anchor: str = "") -> str:
    url = reverse("relocation:areas")
    return f"{url}#{anchor}" if anchor else url


def areas_page(
    request: AuthenticatedRequest,
    *,
    status: int = 200,
    invalid: FormInvalid | None = None,
    open_form: str = "",
    area_id: UUID | None = None,
) -> HttpResponse:
    user = request.user
    coordinated = teams_of(user).order_by("name") if user.is_coordinator else None
    areas = list(selectors.areas_for_user(user=user).select_related("team"))
    if area_id is not None and all(area.pk != area_id for area in areas):
        raise NotFound()  # an action's address with another team's area: not even its form
    add_form: AreaForm | None = AreaForm(teams=coordinated) if coordinated is not None else None
    unsafe_form: Any = AreaUnsafeForm(auto_id="unsafe-%s")
    if invalid is not None and invalid.name == "add":
        add_form = invalid.form  # type: ignore[assignment]
    if invalid is not None and invalid.name == "unsafe":
        unsafe_form = invalid.form
    context = {
        "areas": areas,
        "add_form": add_form,
        "unsafe_form": unsafe_form,
        "open_area": str(area_id or ""),
        "open_form": invalid.name if invalid else open_form,
    }
    return render(request, "relocation/areas.html", context, status=status)


@no_personal_data  # townships, regions and countries: plain, naming no house and no person
@require_GET
def areas_view(request: AuthenticatedRequest) -> HttpResponse:
    return areas_page(request)


@no_personal_data
@refusals_shown_on(areas_page, "add")
def area_add_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.is_coordinator:
        raise NotAllowed()
    form = AreaForm(request.POST, teams=teams_of(user))
    data = valid("add", form)
    try:
        area = houses.area_create(actor=user, **data)
    except ValidationError as error:
        refused_on_form(form, error)
        raise FormInvalid("add", form) from None
    messages.success(request, _("Area %(area)s added.") % {"area": area.label})
    return HttpResponseRedirect(areas_url(f"area-{area.pk}"))


@no_personal_data  # the page names areas only; the reason is sealed and never shown back
@refusals_shown_on(areas_page, "unsafe")
def area_unsafe_view(request: AuthenticatedRequest, area_id: UUID) -> HttpResponse:
    form = AreaUnsafeForm(request.POST, auto_id="unsafe-%s")
    data = valid("unsafe", form)
    area = selectors.area_get_for_user(user=request.user, area_id=area_id)
    houses.require_coordinator(request.user, area.team)  # refused before asking twice
    if area.unsafe_at is not None:
        messages.success(request, _("This area is already marked unsafe."))
        return HttpResponseRedirect(areas_url(f"area-{area.pk}"))
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Mark %(area)s unsafe?") % {"area": area.label},
            consequence=_(
                "No journey may go through it from now on. Every planned or active journey "
                "through it is flagged and needs a new approval, and the teams concerned are told."
            ),
            button=_("Yes, mark it unsafe"),
            back=areas_url(f"area-{area.pk}"),
            fields={"reason": data["reason"]},
        )
    houses.area_mark_unsafe(actor=request.user, area=area, reason=data["reason"])
    messages.success(
        request,
        _("%(area)s is marked unsafe. Journeys through it are being flagged.")
        % {"area": area.label},
    )
    return HttpResponseRedirect(areas_url(f"area-{area.pk}"))
