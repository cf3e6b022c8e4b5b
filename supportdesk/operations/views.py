"""The administrators' backups page: the last good backup, the copies kept, recent attempts,
and a button for a backup now. Anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.operations import selectors, services


@require_GET
def backups_view(request: AuthenticatedRequest) -> HttpResponse:
    overview = selectors.backup_overview_for_user(user=request.user)
    return render(request, "operations/backups.html", {"overview": overview})


@require_POST
def backup_request_view(request: AuthenticatedRequest) -> HttpResponse:
    services.require_administrator(request.user)
    try:
        services.backup_request(actor=request.user)
    except services.BackupInProgress as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("A backup will be made in a moment. Reload to see it."))
    return redirect("operations:backups")
