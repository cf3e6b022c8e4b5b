"""What the home page shows from funds (registered in FundsConfig.ready(); see
supportdesk.accounts.home): for coordinators, the requests waiting for their approval (urgent once
they waited longer than the reminder time) and payments not confirmed yet; for volunteers, their
own requests approved but not paid."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from funds import selectors
from funds.models import Disbursement
from supportdesk.accounts.home import HomePanel, Item, Panel
from supportdesk.accounts.models import User

D = Disbursement.State


def _list(**filters: str) -> str:
    return f"{reverse('funds:disbursements')}?{urlencode(filters)}"


def coordinator_money(user: User) -> Panel:
    late = timezone.now() - datetime.timedelta(hours=int(settings.FUNDS_APPROVAL_REMINDER_HOURS))
    mine = Q(requested_by=user)
    counts = selectors.disbursements_for_user(user=user).aggregate(
        waiting=Count("pk", filter=Q(state=D.REQUESTED) & ~mine, distinct=True),
        late=Count("pk", filter=Q(state=D.REQUESTED, created_at__lte=late) & ~mine, distinct=True),
        unconfirmed=Count("pk", filter=Q(state=D.PAID), distinct=True),
    )
    queue = reverse("funds:approvals")
    return Panel(
        title=_("Money"),
        items=[
            Item(
                _("Requests waiting too long for approval"),
                counts["late"],
                queue,
                urgent=True,
            ),
            Item(_("Requests waiting for approval"), counts["waiting"] - counts["late"], queue),
            Item(
                _("Paid, receipt not confirmed yet"),
                counts["unconfirmed"],
                _list(state=D.PAID),
            ),
        ],
        empty=_("No money is waiting on you."),
    )


def volunteer_money(user: User) -> Panel:
    unpaid = (
        selectors.disbursements_for_user(user=user)
        .filter(state=D.APPROVED, requested_by=user)
        .count()
    )
    return Panel(
        title=_("Money"),
        items=[
            Item(
                _("Your requests approved, not paid yet"), unpaid, _list(state=D.APPROVED, mine="1")
            )
        ],
        empty=_("None of your requests for money is waiting to be paid."),
    )


PANELS = (
    HomePanel(
        name="funds.coordinator", roles={User.Role.COORDINATOR}, order=25, build=coordinator_money
    ),
    HomePanel(name="funds.volunteer", roles={User.Role.VOLUNTEER}, order=25, build=volunteer_money),
)
