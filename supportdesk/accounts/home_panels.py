"""The administrators' home: recent sign-ins and failed attempts (AccountsConfig.ready())."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.audit_actions import AccountActions
from supportdesk.accounts.home import HomePanel, Item, Panel
from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditEvent

RECENT_SIGN_INS = 10


def sign_ins(user: User) -> Panel:
    """Who signed in lately, and how many attempts failed in the last day (events hold ids only:
    the names come from the accounts)."""
    recent = list(
        AuditEvent.objects.filter(action=AccountActions.LOGIN, actor_id__isnull=False)
        .order_by("-id")
        .values("actor_id", "occurred_at", "ip")[:RECENT_SIGN_INS]
    )
    names = dict(
        User.objects.filter(pk__in={row["actor_id"] for row in recent}).values_list(
            "id", "username"
        )
    )
    since = timezone.now() - timedelta(days=1)
    failed = AuditEvent.objects.filter(
        action__in=(AccountActions.LOGIN_FAILED, AccountActions.OTP_FAILED), occurred_at__gte=since
    ).count()
    events = reverse("audit:events")
    return Panel(
        title=_("Sign-ins"),
        items=[
            Item(
                _("Failed sign-in attempts in the last 24 hours"),
                failed,
                f"{events}?{urlencode({'action': AccountActions.LOGIN_FAILED})}",
            )
        ],
        template="accounts/_home_sign_ins.html",
        context={
            "sign_ins": [
                {**row, "username": names.get(row["actor_id"] or uuid.UUID(int=0), "?")}
                for row in recent
            ]
        },
    )


PANELS = (
    HomePanel(name="accounts.sign_ins", roles={User.Role.ADMINISTRATOR}, order=30, build=sign_ins),
)
