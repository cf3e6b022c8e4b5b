"""Compromise propagation: within one follow-up sweep of a house marked compromised (or an area
marked unsafe), every planned or active leg through it is flagged, its plan goes back for
approval, its case's risk goes up and its timeline says so, and the escorts and the members of
the teams concerned (coordinators included) are told, each once. Nobody else hears of it.

The mark itself (services.houses) only locks the house and writes the row; this handler, in the
sweep's own transaction, locks each affected case before its plans and legs, as every writer
does."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.models import Case, Risk
from cases.services.common import CaseShredded
from cases.services.lifecycle import case_locked, case_risk_refresh
from relocation.audit_actions import RouteActions
from relocation.models import Area, RouteLeg, RoutePlan, SafeHouse
from relocation.services.common import route_event
from supportdesk.accounts.models import Membership, User
from supportdesk.audit.services import change_record
from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import notify_users
from supportdesk.messages import Message

L = RouteLeg.State
LIVE = (L.PLANNED, L.UNDER_WAY)


def _through_house(house_id: object) -> Q:
    return Q(from_safe_house_id=house_id) | Q(to_safe_house_id=house_id)


def _through_area(area_id: object) -> Q:
    return (
        Q(from_area_id=area_id)
        | Q(to_area_id=area_id)
        | Q(from_safe_house__area_id=area_id)
        | Q(to_safe_house__area_id=area_id)
    )


def _live_legs(through: Q) -> Q:
    return through & Q(state__in=LIVE) & ~Q(plan__approval=RoutePlan.Approval.CANCELLED)


def house_compromised(followup: FollowUp) -> None:
    house = SafeHouse.objects.filter(
        pk=followup.subject_pk, status=SafeHouse.Status.COMPROMISED
    ).first()
    if house is not None:
        _propagate(
            followup=followup,
            through=_through_house(house.pk),
            line=gettext_lazy("A safe house on this route was marked compromised (leg %(legs)s)."),
        )


def area_unsafe(followup: FollowUp) -> None:
    area = Area.objects.filter(pk=followup.subject_pk, unsafe_at__isnull=False).first()
    if area is not None:
        _propagate(
            followup=followup,
            through=_through_area(area.pk),
            line=gettext_lazy("An area on this route was marked unsafe (leg %(legs)s)."),
        )


def _propagate(*, followup: FollowUp, through: Q, line: object) -> None:
    now = timezone.now()
    case_ids = sorted(
        set(RouteLeg.objects.filter(_live_legs(through)).values_list("case_id", flat=True)), key=str
    )
    concerned: dict[object, set[str]] = defaultdict(set)  # user id -> case references
    teams: dict[object, set[str]] = defaultdict(set)  # team id -> case references
    for case_id in case_ids:
        try:
            case = case_locked(Case(pk=case_id))
        except CaseShredded:
            continue
        legs = _flag_case(case=case, through=through, now=now, line=line)
        teams[case.team_id].add(case.ref)
        for leg in legs:
            for escort in leg.escorts.all():
                concerned[escort.pk].add(case.ref)
    members = Membership.objects.filter(team_id__in=list(teams), user__is_active=True)
    for user_id, team_id in members.values_list("user_id", "team_id"):
        concerned[user_id] |= teams.get(team_id, set())
    users: dict[object, User] = {
        user.pk: user for user in User.objects.filter(pk__in=list(concerned), is_active=True)
    }
    for reader, refs in concerned.items():
        if reader not in users or not refs:
            continue
        notify_users(
            users=[users[reader]],
            kind="relocation.compromise",
            message=Message(
                gettext_lazy(
                    "A place on the route of case %(refs)s was marked unsafe. The route needs a "
                    "new approval before anyone moves."
                ),
                refs=", ".join(sorted(refs)),
            ),
            link="/notifications/",
            dedupe_key=f"followup:{followup.pk}",
        )


def _flag_case(*, case: Case, through: Q, now: datetime, line: object) -> list[RouteLeg]:
    plans = {
        plan.pk: plan
        for plan in RoutePlan.objects.select_for_update()
        .filter(
            case=case,
            pk__in=RouteLeg.objects.filter(_live_legs(through), case=case).values("plan_id"),
        )
        .order_by("pk")
    }
    legs = list(
        RouteLeg.objects.select_for_update(of=("self",))
        .filter(_live_legs(through), case=case)
        .order_by("plan_id", "position")
    )
    by_plan: dict[object, list[RouteLeg]] = defaultdict(list)
    for leg in legs:
        by_plan[leg.plan_id].append(leg)
        if leg.flagged_at is None:
            leg.flagged_at = now
            leg.version += 1
            leg.save(update_fields=["flagged_at", "version", "updated_at"])
    for plan_id, plan_legs in by_plan.items():
        plan = plans[plan_id]
        plan.flagged_at = now
        if plan.approval == RoutePlan.Approval.APPROVED:
            plan.approval, plan.approved_by, plan.approved_at = (
                RoutePlan.Approval.SUBMITTED,
                None,
                None,
            )
        plan.version += 1
        plan.save(update_fields=["flagged_at", "approval", "approved_by", "approved_at", "version"])
        numbers = ", ".join(str(leg.number) for leg in plan_legs)
        change_record(
            actor=None,
            action=RouteActions.PLAN_FLAG,
            obj=plan,
            fields=["approval", "flagged_at", "legs.flagged_at"],
            timeline=[route_event(case=case, actor=None, message=Message(line, legs=numbers))],  # type: ignore[arg-type]
        )
    case_risk_refresh(case=case)
    return list(
        RouteLeg.objects.filter(pk__in=[leg.pk for leg in legs]).prefetch_related("escorts")
    )


def route_risk(case: Case) -> list[int]:
    """Risk source (cases.rules): a live leg through a place marked unsafe puts the case at high
    risk until the route is changed."""
    flagged = RouteLeg.objects.filter(case=case, state__in=LIVE, flagged_at__isnull=False)
    return [Risk.HIGH] if flagged.exists() else []
