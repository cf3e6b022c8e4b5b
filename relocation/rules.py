"""The rules of a journey that need no database: a plan's progress from its legs, the warnings a
plan shows, the steps of the missed-check-in ladder and their times (settings)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from relocation.models import RouteLeg, RoutePlan, Waypoint
from supportdesk.messages import Message

L = RouteLeg.State
P = RoutePlan.Progress


def progress_of(states: Sequence[str]) -> str:
    """A plan's progress follows from its legs' states (in order)."""
    if any(state == L.ABORTED for state in states):
        return P.ABORTED
    if states and all(state == L.ARRIVED for state in states):
        return P.ARRIVED
    if any(state in (L.UNDER_WAY, L.ARRIVED) for state in states):
        return P.UNDER_WAY
    return P.PLANNED


def ends_in_safe_area(legs: Sequence[RouteLeg]) -> bool:
    return bool(legs) and legs[-1].to_kind == Waypoint.SAFE_AREA


# --- The ladder ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LadderStep:
    kind: str  # the follow-up kind of this step
    rung: int  # RouteLeg.Ladder once the step has run
    setting: str  # minutes after the missed check-in was due


LADDER = (
    LadderStep(
        "relocation.checkin.escort", RouteLeg.Ladder.ESCORT, "RELOCATION_LADDER_ESCORT_MINUTES"
    ),
    LadderStep("relocation.checkin.team", RouteLeg.Ladder.TEAM, "RELOCATION_LADDER_TEAM_MINUTES"),
    LadderStep(
        "relocation.checkin.coordinators",
        RouteLeg.Ladder.COORDINATORS,
        "RELOCATION_LADDER_COORDINATORS_MINUTES",
    ),
    LadderStep(
        "relocation.checkin.overdue", RouteLeg.Ladder.OVERDUE, "RELOCATION_LADDER_OVERDUE_MINUTES"
    ),
)
LADDER_KINDS = tuple(step.kind for step in LADDER)


def step_due(step: LadderStep, missed_due_at: datetime) -> datetime:
    return missed_due_at + timedelta(minutes=int(getattr(settings, step.setting)))


def next_step(step: LadderStep) -> LadderStep | None:
    index = LADDER.index(step)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


def default_check_in_minutes() -> int:
    return int(settings.RELOCATION_CHECKIN_INTERVAL_MINUTES)


def travel_warning_limit() -> timedelta:
    return timedelta(hours=int(settings.RELOCATION_TRAVEL_WARNING_HOURS))


# --- Warnings -----------------------------------------------------------------------------------


def journey_time(legs: Sequence[RouteLeg]) -> timedelta:
    """From the first planned departure to the last planned arrival: the time on the way, waits
    between legs included ("the longer the journey, the more dangerous it is")."""
    if not legs:
        return timedelta(0)
    return max(leg.planned_arrival for leg in legs) - min(leg.planned_departure for leg in legs)


def _hours(duration: timedelta) -> int:
    return int(duration.total_seconds() // 3600)


def plan_warnings(
    legs: Sequence[RouteLeg], *, now: datetime, occupancy: dict[object, int]
) -> list[Message]:
    """What a plan's page warns about, in the reader's language. `occupancy` counts the cases
    staying at each safe house now (by house id)."""
    warnings: list[Message] = []
    total = journey_time(legs)
    if total > travel_warning_limit():
        warnings.append(
            Message(
                _(
                    "The journey is planned to take %(hours)s hours, longer than the limit of "
                    "%(limit)s hours. Shorter routes are safer."
                ),
                hours=_hours(total),
                limit=_hours(travel_warning_limit()),
            )
        )
    for before, after in itertools.pairwise(legs):
        if after.planned_departure < before.planned_arrival:
            warnings.append(
                Message(
                    _("Leg %(number)s is planned to leave before leg %(previous)s arrives."),
                    number=after.number,
                    previous=before.number,
                )
            )
        waiting = before.state == L.ARRIVED and after.state == L.PLANNED
        if waiting and now > after.planned_departure:
            warnings.append(
                Message(
                    _(
                        "Leg %(number)s should have left %(hours)s hours ago: "
                        "waiting longer than planned."
                    ),
                    number=after.number,
                    hours=_hours(now - after.planned_departure),
                )
            )
    counted: set[object] = set()
    for leg in legs:
        if leg.flagged_at is not None and leg.live:
            warnings.append(
                Message(
                    _("Leg %(number)s goes through a place marked unsafe. Change the route."),
                    number=leg.number,
                )
            )
        house = leg.to_safe_house
        if house is None or house.pk in counted or leg.state != L.PLANNED:
            continue
        counted.add(house.pk)
        if occupancy.get(house.pk, 0) + 1 > house.capacity:
            warnings.append(
                Message(
                    _(
                        "The safe house of leg %(number)s is full "
                        "(%(staying)s staying, room for %(capacity)s)."
                    ),
                    number=leg.number,
                    staying=occupancy.get(house.pk, 0),
                    capacity=house.capacity,
                )
            )
    return warnings
