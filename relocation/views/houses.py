"""Safe houses: the list (code names, areas, room), a house's page, where the address, contact
and notes appear only when the selector says this reader needs to know them, and the pages its
coordinators keep it with: add, change, and the status steps (suspend, activate, retire, and
"compromised", each irreversible step asked twice)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cases.views.common import FormInvalid, refusals_shown_on, valid
from cases.views.confirm import confirm_page, confirmed
from relocation import selectors
from relocation.forms import HOUSE_FIELDS, HouseStatusForm, SafeHouseForm
from relocation.models import SAFE_HOUSE_SECRET_FIELDS, Area, SafeHouse
from relocation.services import houses
from relocation.views.common import refused_on_form, shown_text
from relocation.workflows import SAFE_HOUSE_STATUS, NotAllowed
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.scope import teams_of
from supportdesk.api.exceptions import status_for
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_view
from supportdesk.errors import ApplicationError, NotFound

PAGE_SIZE = 50
HOUSE_MOVE_DONE = {
    "suspend": gettext_lazy("The house is suspended: no new journey goes through it."),
    "activate": gettext_lazy("The house is active again."),
    "compromise": gettext_lazy(
        "The house is marked compromised. Every journey through it is being flagged, and the "
        "teams concerned are told."
    ),
    "retire": gettext_lazy("The house is retired."),
}
# Steps that cannot be undone: the page asks once more before taking them.
IRREVERSIBLE = {
    "compromise": (
        gettext_lazy("Mark safe house %(code)s compromised?"),
        gettext_lazy(
            "It can never be used again. Every planned or active journey through it is flagged "
            "and needs a new approval, and the teams concerned are told."
        ),
        gettext_lazy("Yes, mark it compromised"),
    ),
    "retire": (
        gettext_lazy("Retire safe house %(code)s?"),
        gettext_lazy("It cannot be used again, and it cannot be made active again."),
        gettext_lazy("Yes, retire it"),
    ),
}


def house_url(house_id: UUID | str) -> str:
    return reverse("relocation:house", kwargs={"house_id": house_id})


def _coordinated_teams(user: User) -> Any:
    return teams_of(user).order_by("name") if user.is_coordinator else Team.objects.none()


# --- The list -----------------------------------------------------------------------------------


def _house_list(request: AuthenticatedRequest, status: int = 200) -> HttpResponse:
    page = Paginator(selectors.safe_houses_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    cards = selectors.safe_house_cards(user=request.user, houses=page.object_list)
    context = {
        "cards": cards,
        "page": page,
        "can_add": _coordinated_teams(request.user).exists(),
    }
    return render(request, "relocation/house_list.html", context, status=status)


@no_personal_data  # code names, areas and room only: never an address
@require_GET
def safe_house_list_view(request: AuthenticatedRequest) -> HttpResponse:
    return _house_list(request)


# --- A house's page -----------------------------------------------------------------------------


def house_page(
    request: AuthenticatedRequest,
    *,
    house_id: UUID,
    status: int = 200,
    invalid: FormInvalid | None = None,
    open_form: str = "",
) -> HttpResponse:
    card = selectors.safe_house_get_for_user(user=request.user, house_id=house_id)
    house = card.house
    secrets = None
    if card.revealed:
        secrets = {name: shown_text(getattr(house, name)) for name in SAFE_HOUSE_SECRET_FIELDS}
        audit_record_view(actor=request.user, obj=house, fields=SAFE_HOUSE_SECRET_FIELDS)
    compromise = HouseStatusForm(
        initial={"move": "compromise", "version": house.version}, auto_id="compromise-%s"
    )
    if invalid is not None:
        invalid.form.auto_id = compromise.auto_id
        compromise = invalid.form  # type: ignore[assignment]
    context = {
        "card": card,
        "house": house,
        "secrets": secrets,
        "compromised": house.status == SafeHouse.Status.COMPROMISED,
        "moves": card.moves,
        "compromise_form": compromise,
        "open_form": invalid.name if invalid else open_form,
    }
    return render(request, "relocation/house_detail.html", context, status=status)


@shows_personal_data
@require_GET
def safe_house_detail_view(request: AuthenticatedRequest, house_id: UUID) -> HttpResponse:
    return house_page(request, house_id=house_id)


@refusals_shown_on(house_page, "status")
def safe_house_status_view(request: AuthenticatedRequest, house_id: UUID) -> HttpResponse:
    """Suspend, activate, retire, or mark compromised (with a reason); the last two are asked
    twice. The workflow refuses a step this reader or this state does not allow before asking."""
    form = HouseStatusForm(request.POST, auto_id="compromise-%s")
    data = valid("status", form)
    house = selectors.safe_house_get_for_coordinator(user=request.user, house_id=house_id)
    move = data["move"]
    SAFE_HOUSE_STATUS.check(user=request.user, team=house.team, state=house.status, name=move)
    if move in IRREVERSIBLE and not confirmed(request):
        question, consequence, button = IRREVERSIBLE[move]
        return confirm_page(
            request,
            question=question % {"code": house.code_name},
            consequence=consequence,
            button=button,
            back=house_url(house_id),
            fields={"move": move, "version": str(data["version"]), "reason": data["reason"]},
        )
    try:
        houses.safe_house_status_set(actor=request.user, house=house, **data)
    except ValidationError as error:
        refused_on_form(form, error)
        raise FormInvalid("status", form) from None
    messages.success(request, str(HOUSE_MOVE_DONE[move]))
    return HttpResponseRedirect(house_url(house_id))


# --- Adding and changing a house ----------------------------------------------------------------


def _form_page(
    request: AuthenticatedRequest,
    form: SafeHouseForm,
    *,
    house: SafeHouse | None,
    status: int = 200,
) -> HttpResponse:
    if status == 400:
        messages.error(request, _("Nothing was saved. Please correct what is marked below."))
    context = {"form": form, "house": house}
    return render(request, "relocation/house_form.html", context, status=status)


def _saved(request: AuthenticatedRequest, form: SafeHouseForm, write: Any) -> int:
    """Run the service: 0 when it wrote; else the status its refusal answers with."""
    try:
        write()
    except ValidationError as error:
        refused_on_form(form, error)
        return 400
    except NotFound:
        raise
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return status_for(error)
    return 0


@no_personal_data  # a blank form, or the coordinator's own input shown back
@require_http_methods(["GET", "POST"])
def safe_house_create_view(request: AuthenticatedRequest) -> HttpResponse:
    teams = _coordinated_teams(request.user)
    if not teams.exists():  # a volunteer, or a coordinator of no team
        messages.error(request, str(NotAllowed().message))
        return _house_list(request, status=409)
    form = SafeHouseForm(
        request.POST if request.method == "POST" else None,
        teams=teams,
        areas=Area.objects.filter(team__in=teams, unsafe_at__isnull=True).order_by(
            "country", "region", "township"
        ),
        others=Team.objects.order_by("name"),
    )
    if request.method == "GET":
        return _form_page(request, form, house=None)
    if not form.is_valid():
        return _form_page(request, form, house=None, status=400)
    data = {name: form.cleaned_data[name] for name in HOUSE_FIELDS}
    created: list[SafeHouse] = []
    status = _saved(
        request,
        form,
        lambda: created.append(
            houses.safe_house_create(
                actor=request.user,
                team=form.cleaned_data["team"],
                shared_with=list(form.cleaned_data["shared_with"]),
                **data,
            )
        ),
    )
    if status:
        return _form_page(request, form, house=None, status=status)
    messages.success(request, _("Safe house %(code)s added.") % {"code": created[0].code_name})
    return HttpResponseRedirect(house_url(created[0].pk))


def _changes(house: SafeHouse, initial: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Only what differs, so the audit event names only the fields really changed."""
    changes: dict[str, Any] = {}
    for name in HOUSE_FIELDS:
        before = initial.get(name)
        after = data[name].pk if name == "area" else data[name]
        if after != before:
            changes[name] = data[name]
    return changes


@shows_personal_data  # the form holds the house's address and contact
@require_http_methods(["GET", "POST"])
def safe_house_edit_view(request: AuthenticatedRequest, house_id: UUID) -> HttpResponse:
    house = selectors.safe_house_get_for_coordinator(user=request.user, house_id=house_id)
    try:
        houses.require_coordinator(request.user, house.team)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return house_page(request, house_id=house_id, status=status_for(error))
    secrets = {name: shown_text(getattr(house, name)) for name in SAFE_HOUSE_SECRET_FIELDS}
    initial = SafeHouseForm.initial_for(house, secrets)
    form = SafeHouseForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        teams=None,
        areas=Area.objects.filter(team=house.team).order_by("country", "region", "township"),
        others=Team.objects.exclude(pk=house.team_id).order_by("name"),
    )
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        data = form.cleaned_data
        changes = _changes(house, initial, data)
        shared = list(data["shared_with"])
        shared_changed = {t.pk for t in shared} != set(initial["shared_with"])
        if not changes and not shared_changed:
            messages.success(request, _("Nothing was changed."))
            return HttpResponseRedirect(house_url(house_id))
        status = _saved(
            request,
            form,
            lambda: houses.safe_house_update(
                actor=request.user,
                house=house,
                version=data["version"],
                shared_with=shared if shared_changed else None,
                **changes,
            ),
        )
        if not status:
            messages.success(request, _("Changes saved."))
            return HttpResponseRedirect(house_url(house_id))
    audit_record_view(actor=request.user, obj=house, fields=SAFE_HOUSE_SECRET_FIELDS)
    return _form_page(request, form, house=house, status=status)
