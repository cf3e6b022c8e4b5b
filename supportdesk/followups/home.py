"""The administrators' home: follow-ups that failed or are overdue (FollowupsConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.home import HomePanel, Item, Panel
from supportdesk.accounts.models import User
from supportdesk.followups.selectors import followup_problems_for_user


def followup_problems(user: User) -> Panel:
    return Panel(
        title=_("Follow-up problems"),
        items=[
            Item(
                _("Follow-ups failed or overdue"),
                followup_problems_for_user(user=user).count(),
                reverse("followups:problems"),
                urgent=True,
            )
        ],
        empty=_("Every follow-up ran on time."),
    )


PANELS = (
    HomePanel(
        name="followups.problems",
        roles={User.Role.ADMINISTRATOR},
        order=20,
        build=followup_problems,
    ),
)
