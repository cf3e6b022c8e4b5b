"""What the home page shows from relocation (registered in RelocationConfig.ready(); see
supportdesk.accounts.home): for a volunteer, the journeys that need them now (check-ins due, legs
under way they escort or their teams'); for a coordinator, what waits on them (plans to approve,
overdue legs, legs flagged after a compromise). Counts only, each linking to the list of those
journeys: read-only, scoped to the user's teams, one query per count."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from relocation import selectors
from relocation.selectors import JourneyList
from supportdesk.accounts.home import HomePanel, Item, Panel
from supportdesk.accounts.models import User

J = JourneyList


def _link(show: str) -> str:
    return f"{reverse('relocation:journeys')}?{urlencode({'show': show})}"


def _panel(
    user: User, title: object, items: list[tuple[str, object, bool]], empty: object
) -> Panel:
    counts = selectors.journey_counts(user=user, shows=[show for show, _label, _urgent in items])
    return Panel(
        title=title,  # type: ignore[arg-type]
        items=[
            Item(label, counts[show], _link(show), urgent=urgent)  # type: ignore[arg-type]
            for show, label, urgent in items
        ],
        empty=empty,  # type: ignore[arg-type]
    )


def journeys_now(user: User) -> Panel:
    return _panel(
        user,
        _("Journeys"),
        [
            (J.DUE, _("Check-ins due"), True),
            (J.ESCORTED, _("Legs under way you escort"), False),
            (J.UNDER_WAY, _("Legs under way in your teams"), False),
        ],
        _("No journey is under way."),
    )


def journeys_waiting(user: User) -> Panel:
    return _panel(
        user,
        _("Journeys"),
        [
            (J.OVERDUE, _("Overdue legs"), True),
            (J.FLAGGED, _("Legs through a place marked unsafe"), True),
            (J.WAITING, _("Route plans waiting for approval"), False),
        ],
        _("No journey is waiting on you."),
    )


PANELS = (
    HomePanel(
        name="relocation.journeys", roles={User.Role.VOLUNTEER}, order=15, build=journeys_now
    ),
    HomePanel(
        name="relocation.queues", roles={User.Role.COORDINATOR}, order=15, build=journeys_waiting
    ),
)
