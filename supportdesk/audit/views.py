"""Audit pages for administrators: search, one object's events, one account's events, export,
alerts (acknowledge, revoke-all). Anyone else gets 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.audit import alerts as alert_services
from supportdesk.audit import selectors
from supportdesk.audit.api import EventFilterInput
from supportdesk.audit.export import events_export_csv

PAGE_SIZE = 50


def _filters(request: AuthenticatedRequest, **preset: Any) -> tuple[selectors.EventFilters, Any]:
    """The search filters from the query string, and the form errors (None when valid)."""
    selectors.require_administrator(request.user)
    serializer = EventFilterInput(data={**request.GET.dict(), **preset})
    if not serializer.is_valid():
        return selectors.EventFilters(), serializer.errors
    return selectors.EventFilters.from_data(dict(serializer.validated_data)), None


def _events_page(
    request: AuthenticatedRequest, *, title: str, preset: dict[str, str] | None = None
) -> HttpResponse:
    filters, errors = _filters(request, **(preset or {}))
    events = selectors.events_for_user(user=request.user, filters=filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.dict().items() if key != "page"}
    events_shown = list(page.object_list)
    names = selectors.actor_names(events_shown)
    for event in events_shown:
        event.actor_username = names.get(event.actor_id, "")
    context = {
        "title": title,
        "page": page,
        "events": events_shown,
        "errors": errors,
        # What the search form shows: the query, with a page's fixed filter in place.
        "form": {name: request.GET.get(name, "") for name in EventFilterInput().fields}
        | (preset or {}),
        "query_string": urlencode({**query, **(preset or {})}),
    }
    return render(request, "audit/events.html", context, status=400 if errors else 200)


@require_GET
def events_view(request: AuthenticatedRequest) -> HttpResponse:
    return _events_page(request, title=_("Audit log"))


@require_GET
def object_events_view(
    request: AuthenticatedRequest, object_type: str, object_id: str
) -> HttpResponse:
    preset = {"object_type": object_type, "object_id": object_id}
    return _events_page(request, title=_("Who touched this record"), preset=preset)


@require_GET
def actor_events_view(request: AuthenticatedRequest, actor_id: UUID) -> HttpResponse:
    return _events_page(request, title=_("What this account did"), preset={"actor": str(actor_id)})


@require_GET
def export_view(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    filters, errors = _filters(request)
    if errors:
        return _events_page(request, title=_("Audit log"))
    events = selectors.events_for_user(user=request.user, filters=filters)
    return events_export_csv(actor=request.user, events=events)


@require_GET
def alerts_view(request: AuthenticatedRequest) -> HttpResponse:
    open_only = request.GET.get("all") != "1"
    alerts = selectors.alerts_for_user(user=request.user, open_only=open_only)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/alerts.html", {"page": page, "open_only": open_only})


@require_GET
def alert_view(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get_for_user(user=request.user, alert_id=alert_id)
    subject = selectors.alert_subject(alert=alert)
    return render(request, "audit/alert.html", {"alert": alert, "subject": subject})


@require_POST
def alert_acknowledge_view(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get_for_user(user=request.user, alert_id=alert_id)
    alert_services.alert_acknowledge(actor=request.user, alert=alert)
    messages.success(request, _("Alert acknowledged."))
    return redirect("audit:alerts")


@require_POST
def alert_revoke_all_view(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get_for_user(user=request.user, alert_id=alert_id)
    subject = selectors.alert_subject_get(alert=alert)
    alert_services.alert_revoke_subject(actor=request.user, alert=alert, subject=subject)
    messages.success(request, _("All access for %(name)s has ended.") % {"name": subject.username})
    return redirect(reverse("audit:alert", args=[alert.pk]))
