"""Reads for relocation, always scoped to the user asking: out of scope is not found (404).

Need to know for safe houses is decided here, not in templates: `SafeHouseCard.revealed` says
whether this reader may see the address, contact and notes (coordinators of the owning team
always; anyone else on a team that may use the house only while one of their team's cases has a
leg to or from it that is under way, or planned in an approved plan). Readers who may use a house
but not see it get its code name and area; everyone else gets 404.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Case
from relocation.models import (
    Area,
    CheckIn,
    RouteLeg,
    RoutePlan,
    SafeHouse,
    TeamRelocationSettings,
)
from relocation.rules import default_check_in_minutes, journey_time, plan_warnings
from relocation.workflows import LEG_PROGRESS, PLAN_APPROVAL, SAFE_HOUSE_STATUS
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.scope import get_in_scope, in_scope, one_question, teams_of
from supportdesk.errors import NotFound
from supportdesk.messages import Message

L = RouteLeg.State
A = RoutePlan.Approval
RECENT_CHECK_INS = 10


# --- Areas --------------------------------------------------------------------------------------


def areas_for_user(*, user: User) -> QuerySet[Area]:
    return in_scope(Area, user=user, team_path="team").order_by("country", "region", "township")


def area_get_for_user(*, user: User, area_id: UUID, coordinator: bool = False) -> Area:
    return get_in_scope(Area, user=user, pk=area_id, team_path="team", coordinator=coordinator)


# --- Safe houses --------------------------------------------------------------------------------


def _revealing_legs(user: User) -> QuerySet[RouteLeg]:
    """Legs that give the user's teams a need to know the house they go to or from."""
    return RouteLeg.objects.filter(case__team__in=teams_of(user)).filter(
        Q(state=L.UNDER_WAY) | Q(state=L.PLANNED, plan__approval=A.APPROVED)
    )


def safe_houses_usable(*, user: User) -> QuerySet[SafeHouse]:
    """Houses the user's teams run or may use, with `revealed` and `own` annotated."""
    teams = teams_of(user)
    legs = _revealing_legs(user).filter(
        Q(from_safe_house=OuterRef("pk")) | Q(to_safe_house=OuterRef("pk"))
    )
    shared = SafeHouse.shared_with.through.objects.filter(safehouse=OuterRef("pk"), team__in=teams)
    return (
        SafeHouse.objects.filter(Q(team__in=teams) | Exists(shared))
        .annotate(
            own=Exists(SafeHouse.objects.filter(pk=OuterRef("pk"), team__in=teams)),
            leg_need=Exists(legs),
        )
        .select_related("team", "area")
    )


@dataclass
class SafeHouseCard:
    """A house as this reader may see it. Read the secret fields only when `revealed` (and
    record the read: `relocation.api` does, with a `safehouse.view` event)."""

    house: SafeHouse
    revealed: bool
    own: bool
    occupancy: int
    moves: list[str] = field(default_factory=list)


def occupancy_of(house_ids: Iterable[object]) -> dict[object, int]:
    """Cases staying at each house now: legs that arrived there whose journey has not moved on
    (no later leg of the same plan has started). One query for any number of houses."""
    moved_on = RouteLeg.objects.filter(
        plan=OuterRef("plan"),
        position__gt=OuterRef("position"),
        state__in=[L.UNDER_WAY, L.ARRIVED],
    )
    rows = (
        RouteLeg.objects.filter(to_safe_house__in=list(house_ids), state=L.ARRIVED)
        .exclude(Exists(moved_on))
        .values_list("to_safe_house_id", "case_id")
        .distinct()
    )
    return dict(Counter(house_id for house_id, _case in rows))


def _revealed(user: User, house: SafeHouse) -> bool:
    """Coordinators of the owning team always; anyone else with a leg there (annotated)."""
    own, leg_need = house.own, house.leg_need  # type: ignore[attr-defined]
    return bool(leg_need or (own and user.is_coordinator))


def _cards(user: User, houses: list[SafeHouse]) -> list[SafeHouseCard]:
    occupancy = occupancy_of(h.pk for h in houses)
    with one_question():
        return [
            SafeHouseCard(
                house=h,
                revealed=_revealed(user, h),
                own=bool(h.own),  # type: ignore[attr-defined]
                occupancy=occupancy.get(h.pk, 0),
                moves=[
                    m.name
                    for m in SAFE_HOUSE_STATUS.available(user=user, team=h.team, state=h.status)
                ]
                if h.own  # type: ignore[attr-defined]
                else [],
            )
            for h in houses
        ]


def safe_houses_for_user(*, user: User, status: str | None = None) -> QuerySet[SafeHouse]:
    houses = safe_houses_usable(user=user)
    if status:
        houses = houses.filter(status=status)
    return houses.order_by("code_name", "id")


def safe_house_cards(*, user: User, houses: Iterable[SafeHouse]) -> list[SafeHouseCard]:
    """A page of houses (from `safe_houses_for_user`) as cards, occupancy in one query."""
    return _cards(user, list(houses))


def safe_house_get_for_user(*, user: User, house_id: UUID) -> SafeHouseCard:
    house = safe_houses_usable(user=user).filter(pk=house_id).first()
    if house is None:
        raise NotFound()
    return _cards(user, [house])[0]


def safe_house_get_for_coordinator(*, user: User, house_id: UUID) -> SafeHouse:
    """A house of a team the user coordinates, for its writes (members who are not coordinators
    are refused by the service with a sentence; everyone else gets 404)."""
    return get_in_scope(SafeHouse, user=user, pk=house_id, team_path="team")


def safe_house_usable_by_team(*, team: Team, house_id: UUID) -> SafeHouse | None:
    """A house the case's team runs or may use (leg input), or None."""
    return (
        SafeHouse.objects.filter(Q(team=team) | Q(shared_with=team), pk=house_id)
        .select_related("area")
        .first()
    )


# --- Team settings ------------------------------------------------------------------------------


def check_in_minutes_for(team: Team | UUID) -> int:
    team_id = team.pk if isinstance(team, Team) else team
    found = TeamRelocationSettings.objects.filter(team_id=team_id).first()
    return found.check_in_interval_minutes if found else default_check_in_minutes()


def team_for_user(*, user: User, team_id: UUID) -> Team:
    team = teams_of(user).filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


# --- Plans and legs -----------------------------------------------------------------------------


def _legs_queryset() -> QuerySet[RouteLeg]:
    return (
        RouteLeg.objects.select_related(
            "from_safe_house__area", "to_safe_house__area", "from_area", "to_area"
        )
        .prefetch_related(Prefetch("escorts", queryset=User.objects.order_by("username")))
        .order_by("position")
    )


def route_plans_for_case(*, case: Case) -> QuerySet[RoutePlan]:
    """The plans of a case already fetched in the user's scope (cases.selectors)."""
    return (
        RoutePlan.objects.filter(case=case)
        .select_related("drafted_by", "approved_by")
        .order_by("-created_at")
    )


def route_plan_get_for_user(*, user: User, plan_id: UUID) -> RoutePlan:
    plans = RoutePlan.objects.select_related("case")
    return get_in_scope(plans, user=user, pk=plan_id, team_path="case__team")


def route_leg_get_for_user(*, user: User, leg_id: UUID) -> RouteLeg:
    legs = RouteLeg.objects.select_related("plan", "case")
    return get_in_scope(legs, user=user, pk=leg_id, team_path="case__team")


@dataclass
class PlanDetail:
    """A plan with what its page shows: legs in order (waypoints and escorts loaded), warnings in
    the reader's language, the journey's planned length, and the moves this reader may make now
    (`moves` for the plan's approval, `leg_moves[leg.pk]` per leg, `editable`)."""

    plan: RoutePlan
    legs: list[RouteLeg]
    warnings: list[Message]
    journey_time: timedelta
    moves: list[str]
    leg_moves: dict[UUID, list[str]]
    editable: bool
    occupancy: dict[object, int]


def plan_editable(plan: RoutePlan) -> bool:
    return plan.approval != A.CANCELLED and plan.progress in (
        RoutePlan.Progress.PLANNED,
        RoutePlan.Progress.UNDER_WAY,
    )


def plan_detail_for(*, user: User, plan: RoutePlan) -> PlanDetail:
    """`route_plan_detail` for a plan already in scope (a service's answer)."""
    legs = list(_legs_queryset().filter(plan=plan))
    houses = {leg.to_safe_house_id for leg in legs if leg.to_safe_house_id}
    occupancy = occupancy_of(houses) if houses else {}
    team = plan.case.team_id
    with one_question():
        moves = [m.name for m in PLAN_APPROVAL.available(user=user, team=team, state=plan.approval)]
        leg_moves = {
            leg.pk: [m.name for m in LEG_PROGRESS.available(user=user, team=team, state=leg.state)]
            for leg in legs
        }
    if plan.approval != A.APPROVED:  # a journey starts only on an approved plan
        for names in leg_moves.values():
            if "start" in names:
                names.remove("start")
    return PlanDetail(
        plan=plan,
        legs=legs,
        warnings=plan_warnings(legs, now=timezone.now(), occupancy=occupancy),
        journey_time=journey_time(legs),
        moves=moves,
        leg_moves=leg_moves,
        editable=plan_editable(plan) and bool(moves or leg_moves or user.is_coordinator),
        occupancy=occupancy,
    )


def route_plan_detail(*, user: User, plan_id: UUID) -> PlanDetail:
    """A plan with its legs, warnings and moves, in a fixed number of queries (five: the plan,
    its legs with their waypoints, their escorts, the occupancy of the houses they go to, and
    the reader's membership for the moves)."""
    plans = RoutePlan.objects.select_related("case", "drafted_by", "approved_by")
    plan = get_in_scope(plans, user=user, pk=plan_id, team_path="case__team")
    return plan_detail_for(user=user, plan=plan)


def route_plan_for_case_page(*, user: User, case: Case) -> PlanDetail | None:
    """The plan a case page shows: the one under way or approved, else the newest not cancelled."""
    plans = route_plans_for_case(case=case).exclude(approval=A.CANCELLED)
    live = plans.filter(
        Q(progress=RoutePlan.Progress.UNDER_WAY)
        | Q(approval=A.APPROVED, progress=RoutePlan.Progress.PLANNED)
    ).first()
    plan = live or plans.first()
    if plan is None:
        return None
    plan.case = case
    return plan_detail_for(user=user, plan=plan)


@dataclass
class LegDetail:
    """A leg as its page shows it: the moves this reader may make, whether a check-in is
    possible now, and the latest check-ins (newest first)."""

    leg: RouteLeg
    moves: list[str]
    can_check_in: bool
    check_ins: list[CheckIn]


def route_leg_detail(*, user: User, leg_id: UUID) -> LegDetail:
    legs = _legs_queryset().select_related("plan", "case")
    leg = get_in_scope(legs, user=user, pk=leg_id, team_path="case__team")
    return leg_detail_for(user=user, leg=leg)


def leg_detail_for(*, user: User, leg: RouteLeg) -> LegDetail:
    moves = [
        m.name for m in LEG_PROGRESS.available(user=user, team=leg.case.team_id, state=leg.state)
    ]
    if leg.plan.approval != A.APPROVED and "start" in moves:
        moves.remove("start")
    return LegDetail(
        leg=leg,
        moves=moves,
        can_check_in=leg.state == L.UNDER_WAY and bool(moves),
        check_ins=list(check_ins_for_leg(leg=leg)[:RECENT_CHECK_INS]),
    )


def check_ins_for_leg(*, leg: RouteLeg) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(leg=leg).select_related("by").order_by("-created_at")


@dataclass
class LegChoices:
    """What a leg form of a case offers: the active houses the case's team runs or may use, the
    team's areas that are not marked unsafe, and the team's active members as escorts."""

    houses: QuerySet[SafeHouse]
    areas: QuerySet[Area]
    members: QuerySet[User]


def leg_choices_for_case(*, case: Case) -> LegChoices:
    """For a case already fetched in the user's scope (cases.selectors)."""
    team = case.team_id
    houses = (
        SafeHouse.objects.filter(
            Q(team_id=team) | Q(shared_with=team), status=SafeHouse.Status.ACTIVE
        )
        .filter(area__unsafe_at__isnull=True)
        .select_related("area")
        .distinct()
        .order_by("code_name", "id")
    )
    areas = Area.objects.filter(team_id=team, unsafe_at__isnull=True).order_by(
        "country", "region", "township"
    )
    members = (
        User.objects.filter(memberships__team_id=team, is_active=True)
        .distinct()
        .order_by("username")
    )
    return LegChoices(houses=houses, areas=areas, members=members)


# --- Lists of journeys (the home panel and the list it links to) --------------------------------


class JourneyList:
    """What a journeys list may show (`?show=`): legs under way, check-ins due, the legs the
    reader escorts, overdue legs, flagged legs; or plans waiting for approval."""

    UNDER_WAY = "under_way"
    DUE = "due"
    ESCORTED = "escorted"
    OVERDUE = "overdue"
    FLAGGED = "flagged"
    WAITING = "waiting"
    LEG_LISTS = (UNDER_WAY, DUE, ESCORTED, OVERDUE, FLAGGED)
    ALL = (*LEG_LISTS, WAITING)


def legs_listed(*, user: User, show: str) -> QuerySet[RouteLeg]:
    """Legs of the user's teams' cases for one of `JourneyList.LEG_LISTS`, most urgent first.
    Plain columns only (states and times): no place, no note."""
    legs = in_scope(RouteLeg, user=user, team_path="case__team").exclude(plan__approval=A.CANCELLED)
    if show == JourneyList.FLAGGED:
        legs = legs.filter(state__in=[L.PLANNED, L.UNDER_WAY], flagged_at__isnull=False)
    else:
        legs = legs.filter(state=L.UNDER_WAY)
    if show == JourneyList.DUE:
        legs = legs.filter(check_in_due_at__lte=timezone.now())
    elif show == JourneyList.ESCORTED:
        legs = legs.filter(escorts=user)
    elif show == JourneyList.OVERDUE:
        legs = legs.filter(overdue_at__isnull=False)
    return legs.select_related("case", "plan").order_by(
        "check_in_due_at", "planned_departure", "id"
    )


def plans_waiting_for_approval(*, user: User) -> QuerySet[RoutePlan]:
    """Plans of the user's teams' cases that wait for a coordinator's approval, oldest first."""
    return (
        in_scope(RoutePlan, user=user, team_path="case__team")
        .filter(approval=A.SUBMITTED)
        .select_related("case", "drafted_by")
        .order_by("updated_at", "id")
    )


def journey_counts(*, user: User, shows: Iterable[str]) -> dict[str, int]:
    """How many rows each list would show: one query per list, whatever the teams hold."""
    return {
        show: (
            plans_waiting_for_approval(user=user)
            if show == JourneyList.WAITING
            else legs_listed(user=user, show=show)
        )
        .order_by()
        .count()
        for show in shows
    }
