"""Pages: the user's inbox, and the administrators' list of follow-ups in trouble."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.followups import selectors, services

PAGE_SIZE = 50


@require_GET
def inbox_view(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.notifications_for_user(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = selectors.notifications_unread_count(user=request.user)
    return render(request, "followups/inbox.html", {"page": page, "unread": unread})


@require_POST
def notification_read_view(request: AuthenticatedRequest, notification_id: UUID) -> HttpResponse:
    notification = selectors.notification_get_for_user(
        user=request.user, notification_id=notification_id
    )
    services.notification_mark_read(actor=request.user, notification=notification)
    return redirect("followups:inbox")


@require_POST
def notifications_read_all_view(request: AuthenticatedRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=request.user)
    return redirect("followups:inbox")


@require_GET
def problems_view(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.followup_problems_for_user(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "followups/problems.html", {"page": page})


@require_POST
def followup_retry_view(request: AuthenticatedRequest, followup_id: int) -> HttpResponse:
    followup = selectors.followup_get_problem_for_user(user=request.user, followup_id=followup_id)
    try:
        services.followup_retry(actor=request.user, followup=followup)
    except services.FollowUpNotRetryable as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The follow-up will be tried again at the next sweep."))
    return redirect("followups:problems")
