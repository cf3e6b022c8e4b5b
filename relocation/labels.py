"""How a journey is named where people read it (the plan page, the leg page, the case page): a
leg's ends without an address, its escorts, a journey's length. Pure presentation, so the case
page's section and the app's own pages share it."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from relocation.models import RouteLeg, Waypoint
from supportdesk import formatting
from supportdesk.vault.crypto import is_shredded


def shown_text(value: object) -> str:
    return str(value) if is_shredded(value) else str(value or "")


def waypoint_label(leg: RouteLeg, side: str) -> str:
    """ "Safe house Mango (Monywa, Sagaing)", or "Bus station, Monywa, Sagaing": never an
    address (a house's address is on its own page, for those who need to know it)."""
    kind = getattr(leg, f"{side}_kind")
    house = getattr(leg, f"{side}_safe_house")
    if kind == Waypoint.SAFE_HOUSE and house is not None:
        return _("Safe house %(code)s (%(area)s)") % {
            "code": house.code_name,
            "area": house.area.label,
        }
    area = getattr(leg, f"{side}_area")
    parts = [shown_text(getattr(leg, f"{side}_place")), area.label if area is not None else ""]
    place = ", ".join(part for part in parts if part)
    return f"{Waypoint(kind).label}: {place}" if place else str(Waypoint(kind).label)


def leg_row(leg: RouteLeg, moves: list[str] | None = None) -> dict[str, object]:
    return {
        "leg": leg,
        "from": waypoint_label(leg, "from"),
        "to": waypoint_label(leg, "to"),
        "escorts": ", ".join(user.username for user in leg.escorts.all()),
        "moves": moves or [],
    }


def duration_text(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    return _("%(hours)s h %(minutes)s min") % {
        "hours": formatting.number(minutes // 60),
        "minutes": formatting.number(minutes % 60),
    }
