"""The administrators' home: the last good backup, and a warning when a night was missed
(registered in OperationsConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.home import HomePanel, Item, Panel
from supportdesk.accounts.models import User
from supportdesk.operations.selectors import backup_overview_for_user


def last_backup(user: User) -> Panel:
    overview = backup_overview_for_user(user=user)
    return Panel(
        title=_("Backups"),
        items=[
            Item(
                _("No good backup in the last day: look at the backups page"),
                int(overview.stale),
                reverse("operations:backups"),
                urgent=True,
            )
        ],
        template="operations/_home_backup.html",
        context={"last_good": overview.last_good},
    )


PANELS = (
    HomePanel(
        name="operations.backup", roles={User.Role.ADMINISTRATOR}, order=25, build=last_backup
    ),
)
