"""Safe houses: the list (code names, areas, room) and a house's page, where the address, contact
and notes appear only when the selector says this reader needs to know them."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from relocation import selectors
from relocation.models import SAFE_HOUSE_SECRET_FIELDS, SafeHouse
from relocation.views.common import shown_text
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_view

MAX_HOUSES = 200


@no_personal_data  # code names, areas and room only: never an address
@require_GET
def safe_house_list_view(request: AuthenticatedRequest) -> HttpResponse:
    houses = selectors.safe_houses_for_user(user=request.user)[:MAX_HOUSES]
    cards = selectors.safe_house_cards(user=request.user, houses=houses)
    return render(request, "relocation/house_list.html", {"cards": cards})


@shows_personal_data
@require_GET
def safe_house_detail_view(request: AuthenticatedRequest, house_id: UUID) -> HttpResponse:
    card = selectors.safe_house_get_for_user(user=request.user, house_id=house_id)
    secrets = None
    if card.revealed:
        house = card.house
        secrets = {name: shown_text(getattr(house, name)) for name in SAFE_HOUSE_SECRET_FIELDS}
        audit_record_view(actor=request.user, obj=house, fields=SAFE_HOUSE_SECRET_FIELDS)
    context = {
        "card": card,
        "house": card.house,
        "secrets": secrets,
        "compromised": card.house.status == SafeHouse.Status.COMPROMISED,
    }
    return render(request, "relocation/house_detail.html", context)
