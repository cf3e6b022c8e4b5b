"""The administrators' home: open access alerts (registered in AuditConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.home import HomePanel, Item, Panel
from supportdesk.accounts.models import User
from supportdesk.audit.selectors import alerts_for_user


def access_alerts(user: User) -> Panel:
    return Panel(
        title=_("Access alerts"),
        items=[
            Item(
                _("Alerts not yet acknowledged"),
                alerts_for_user(user=user, open_only=True).count(),
                reverse("audit:alerts"),
                urgent=True,
            )
        ],
        empty=_("No open access alert."),
    )


PANELS = (
    HomePanel(name="audit.alerts", roles={User.Role.ADMINISTRATOR}, order=10, build=access_alerts),
)
