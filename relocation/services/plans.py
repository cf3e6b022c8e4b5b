"""Route plans and their legs: drafted by the team, approved by a coordinator who did not draft
them (plans.PLAN_APPROVAL). Every edit bumps the plan's version (a stale one answers 409), and an
edit of an approved plan sends it back for approval."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from cases.services.common import require_live, require_member
from cases.services.lifecycle import case_locked, case_risk_refresh
from relocation.audit_actions import RouteActions
from relocation.models import Area, RouteLeg, RoutePlan, SafeHouse, Waypoint
from relocation.selectors import check_in_minutes_for
from relocation.services.common import (
    field_errors,
    houses_locked,
    leg_locked,
    plan_locked,
    require_version,
    route_event,
)
from relocation.workflows import PLAN_APPROVAL, RouteNotAllowed
from supportdesk.accounts.models import User
from supportdesk.audit.services import change_record
from supportdesk.messages import Message
from supportdesk.vault.normalise import normalise_text

A = RoutePlan.Approval
L = RouteLeg.State
LEG_TEXT_FIELDS = ("from_place", "to_place", "cover_story", "documents_notes", "risk_notes")


def _text(raw: str) -> str:
    return normalise_text(raw or "").value


# --- Plans --------------------------------------------------------------------------------------


@transaction.atomic
def route_plan_create(*, actor: User, case: Case, notes: str = "") -> RoutePlan:
    require_member(actor, case.team)
    case = case_locked(case)
    plan = RoutePlan.objects.create(
        id=uuid.uuid4(), case=case, notes=_text(notes), drafted_by=actor, last_edited_by=actor
    )
    change_record(
        actor=actor,
        action=RouteActions.PLAN_CREATE,
        obj=plan,
        fields=["notes"] if notes else [],
        timeline=[
            route_event(
                case=case, actor=actor, message=Message(gettext_lazy("A route plan was drafted."))
            )
        ],
    )
    return plan


def _require_editable(plan: RoutePlan) -> None:
    if plan.approval == A.CANCELLED:
        raise RouteNotAllowed(_("This plan was cancelled: draft a new one."))
    if plan.progress in (RoutePlan.Progress.ARRIVED, RoutePlan.Progress.ABORTED):
        raise RouteNotAllowed(_("This journey has ended: its plan can no longer be changed."))


def _edited(*, actor: User, case: Case, plan: RoutePlan) -> list[object]:
    """What every edit does to its plan: a new version, and back to approval if it was approved.
    Returns the timeline entries to record with the edit."""
    plan.version += 1
    plan.last_edited_by = actor
    entries: list[object] = []
    if plan.approval == A.APPROVED:
        PLAN_APPROVAL.check(user=actor, team=case.team, state=plan.approval, name="reopen")
        plan.approval, plan.approved_by, plan.approved_at = A.SUBMITTED, None, None
        entries.append(
            route_event(
                case=case,
                actor=actor,
                message=Message(
                    gettext_lazy(
                        "The approved route plan was changed and waits for approval again."
                    )
                ),
            )
        )
    plan.save()
    return entries


@transaction.atomic
def route_plan_update(*, actor: User, plan: RoutePlan, version: int, notes: str) -> RoutePlan:
    require_member(actor, plan.case.team)
    case, plan = plan_locked(plan)
    require_version(plan, version)
    _require_editable(plan)
    plan.notes = _text(notes)
    timeline = _edited(actor=actor, case=case, plan=plan)
    change_record(
        actor=actor,
        action=RouteActions.PLAN_UPDATE,
        obj=plan,
        fields=["notes"],
        timeline=timeline,  # type: ignore[arg-type]
    )
    return plan


def _approval_refusals(*, actor: User, case: Case, plan: RoutePlan, legs: list[RouteLeg]) -> None:
    """The rules of approving this plan, each with its sentence."""
    if actor.pk in (plan.drafted_by_id, plan.last_edited_by_id):
        raise RouteNotAllowed(
            _("You drafted or last changed this plan: another coordinator must approve it.")
        )
    if not legs:
        raise RouteNotAllowed(_("A plan needs at least one leg before it is approved."))
    if any(leg.flagged_at and leg.live for leg in legs):
        raise RouteNotAllowed(
            _("A leg goes through a place marked unsafe: change the route before approving it.")
        )
    for leg in legs:
        for house in (leg.from_safe_house, leg.to_safe_house):
            if house is not None and house.status != SafeHouse.Status.ACTIVE and leg.live:
                raise RouteNotAllowed(
                    _("Leg %(number)s goes through a safe house that is not active: change it.")
                    % {"number": leg.number}
                )
            if house is not None and case.verification != Case.Verification.VERIFIED:
                raise RouteNotAllowed(_VERIFIED_ONLY)
        for area in _areas(leg):
            if area.unsafe and leg.live:
                raise RouteNotAllowed(
                    _("Leg %(number)s goes through an area marked unsafe: change it.")
                    % {"number": leg.number}
                )
    other = RoutePlan.objects.filter(case=case, approval=A.APPROVED).exclude(pk=plan.pk)
    other = other.exclude(progress__in=[RoutePlan.Progress.ARRIVED, RoutePlan.Progress.ABORTED])
    if other.exists():
        raise RouteNotAllowed(
            _("This case already has an approved plan. Cancel it before approving another.")
        )


# Against planted defectors: an unverified "defector" routed through a house learns where it is.
_VERIFIED_ONLY = gettext_lazy(
    "Only a verified case can be routed through a safe house: someone planted by the army "
    "would learn where it is."
)


def _areas(leg: RouteLeg) -> list[Area]:
    found = [leg.from_area, leg.to_area]
    found += [h.area for h in (leg.from_safe_house, leg.to_safe_house) if h is not None]
    return [area for area in found if area is not None]


_MOVE_ACTIONS = {
    "submit": RouteActions.PLAN_SUBMIT,
    "approve": RouteActions.PLAN_APPROVE,
    "return": RouteActions.PLAN_RETURN,
    "cancel": RouteActions.PLAN_CANCEL,
}
_MOVE_MESSAGES = {
    "submit": gettext_lazy("The route plan was submitted for approval."),
    "approve": gettext_lazy("The route plan was approved."),
    "return": gettext_lazy("The route plan was sent back to its drafters."),
    "cancel": gettext_lazy("The route plan was cancelled."),
}


@transaction.atomic
def route_plan_move(
    *, actor: User, plan: RoutePlan, move: str, version: int, note: str = ""
) -> RoutePlan:
    """submit, approve (a coordinator who neither drafted nor last changed it, exactly the
    `version` they reviewed), return (back to draft) or cancel."""
    require_member(actor, plan.case.team)
    case, plan = plan_locked(plan)
    found = PLAN_APPROVAL.check(user=actor, team=case.team, state=plan.approval, name=move)
    require_version(plan, version)
    if move == "cancel" and plan.progress != RoutePlan.Progress.PLANNED:
        raise RouteNotAllowed(_("The journey has started: abort its legs instead."))
    if move == "approve":
        legs = list(
            RouteLeg.objects.filter(plan=plan)
            .select_related("from_safe_house__area", "to_safe_house__area", "from_area", "to_area")
            .order_by("position")
        )
        _approval_refusals(actor=actor, case=case, plan=plan, legs=legs)
        plan.approved_by, plan.approved_at, plan.flagged_at = actor, timezone.now(), None
    plan.approval = found.target
    plan.version += 1
    plan.save()
    change_record(
        actor=actor,
        action=_MOVE_ACTIONS[move],
        obj=plan,
        fields=["approval"],
        timeline=[
            route_event(case=case, actor=actor, message=Message(_MOVE_MESSAGES[move]), text=note)
        ],
    )
    return plan


# --- Legs ---------------------------------------------------------------------------------------


@dataclass
class LegInput:
    """A leg as drafted. Houses, areas and escorts are already resolved to records of the case's
    team (the API answers 400 on the field otherwise); the service checks them again under lock."""

    from_kind: str
    to_kind: str
    transport: str
    planned_departure: datetime
    planned_arrival: datetime
    from_safe_house: SafeHouse | None = None
    from_area: Area | None = None
    from_place: str = ""
    to_safe_house: SafeHouse | None = None
    to_area: Area | None = None
    to_place: str = ""
    escorts: list[User] = field(default_factory=list)
    cover_story: str = ""
    documents_notes: str = ""
    risk_notes: str = ""
    check_in_interval_minutes: int | None = None


LEG_INPUT_FIELDS = tuple(f.name for f in fields(LegInput))


def _waypoint_errors(
    side: str, kind: str, house: SafeHouse | None, area: Area | None, place: str, case: Case
) -> dict[str, object]:
    errors: dict[str, object] = {}
    if kind == Waypoint.SAFE_HOUSE:
        if house is None:
            errors[f"{side}_safe_house"] = gettext_lazy("Choose the safe house.")
        elif house.status != SafeHouse.Status.ACTIVE:
            errors[f"{side}_safe_house"] = gettext_lazy(
                "This safe house is not active (suspended, compromised or retired): choose another."
            )
        elif (
            house.team_id != case.team_id and not house.shared_with.filter(pk=case.team_id).exists()
        ):
            errors[f"{side}_safe_house"] = gettext_lazy("Choose a safe house your team may use.")
        elif case.verification != Case.Verification.VERIFIED:
            errors[f"{side}_safe_house"] = _VERIFIED_ONLY
        elif house.area.unsafe:
            errors[f"{side}_safe_house"] = gettext_lazy("This house is in an area marked unsafe.")
    else:
        if house is not None:
            errors[f"{side}_safe_house"] = gettext_lazy("Only a safe house waypoint names a house.")
        if area is None:
            errors[f"{side}_area"] = gettext_lazy("Choose the area.")
        elif area.team_id != case.team_id:
            errors[f"{side}_area"] = gettext_lazy("Choose one of your team's areas.")
        elif area.unsafe:
            errors[f"{side}_area"] = gettext_lazy("This area is marked unsafe: choose another.")
    return errors


def _leg_errors(case: Case, data: LegInput) -> dict[str, object]:
    errors = _waypoint_errors(
        "from", data.from_kind, data.from_safe_house, data.from_area, data.from_place, case
    )
    errors |= _waypoint_errors(
        "to", data.to_kind, data.to_safe_house, data.to_area, data.to_place, case
    )
    if data.planned_arrival <= data.planned_departure:
        errors["planned_arrival"] = gettext_lazy("The arrival must be after the departure.")
    same_house = data.from_safe_house is not None and data.from_safe_house == data.to_safe_house
    same_place = (
        data.from_kind == data.to_kind != Waypoint.SAFE_HOUSE
        and data.from_area == data.to_area
        and _text(data.from_place).casefold() == _text(data.to_place).casefold()
    )
    if same_house or same_place:
        key = "to_safe_house" if same_house else "to_place"
        errors.setdefault(key, gettext_lazy("A leg goes from one place to another, not the same."))
    members = set(
        User.objects.filter(memberships__team_id=case.team_id, is_active=True).values_list(
            "pk", flat=True
        )
    )
    if any(escort.pk not in members for escort in data.escorts):
        errors["escorts"] = gettext_lazy("Escorts are volunteers of the case's team.")
    return errors


def _checked_input(case: Case, data: LegInput) -> LegInput:
    """The input with its houses re-read under lock (after case and plan), or a 400 per field."""
    houses = houses_locked(
        [getattr(data.from_safe_house, "pk", None), getattr(data.to_safe_house, "pk", None)]
    )
    if data.from_safe_house is not None:
        data.from_safe_house = houses[data.from_safe_house.pk]
    if data.to_safe_house is not None:
        data.to_safe_house = houses[data.to_safe_house.pk]
    errors = _leg_errors(case, data)
    if errors:
        raise field_errors(errors)  # type: ignore[arg-type]
    return data


def _leg_values(data: LegInput, case: Case) -> dict[str, object]:
    values = {
        name: getattr(data, name)
        for name in LEG_INPUT_FIELDS
        if name not in ("escorts", "check_in_interval_minutes")
    }
    for name in LEG_TEXT_FIELDS:
        values[name] = _text(str(values[name]))
    values["check_in_interval_minutes"] = data.check_in_interval_minutes or check_in_minutes_for(
        case.team_id
    )
    # A house waypoint stands in its house's area.
    if data.from_safe_house is not None:
        values["from_area"] = None
    if data.to_safe_house is not None:
        values["to_area"] = None
    return values


def _filled(values: dict[str, object]) -> list[str]:
    return sorted(name for name in LEG_TEXT_FIELDS if values.get(name))


@transaction.atomic
def route_leg_add(*, actor: User, plan: RoutePlan, version: int, data: LegInput) -> RouteLeg:
    """A new leg at the end of the plan (`version` is the plan's)."""
    require_member(actor, plan.case.team)
    case, plan = plan_locked(plan)
    require_live(case)
    require_version(plan, version)
    _require_editable(plan)
    data = _checked_input(case, data)
    values = _leg_values(data, case)
    last = RouteLeg.objects.filter(plan=plan).aggregate(last=Max("position"))["last"]
    leg = RouteLeg.objects.create(
        id=uuid.uuid4(), plan=plan, case=case, position=0 if last is None else last + 1, **values
    )
    if data.escorts:
        leg.escorts.set(data.escorts)
    timeline = _edited(actor=actor, case=case, plan=plan)
    timeline.append(
        route_event(
            case=case,
            actor=actor,
            message=Message(
                gettext_lazy("Leg %(number)s was added to the route."), number=leg.number
            ),
        )
    )
    change_record(
        actor=actor,
        action=RouteActions.LEG_ADD,
        obj=leg,
        fields=_filled(values),
        timeline=timeline,  # type: ignore[arg-type]
    )
    return leg


def _require_planned(leg: RouteLeg) -> None:
    if leg.state != L.PLANNED:
        raise RouteNotAllowed(_("Only a leg that has not started can be changed."))


@transaction.atomic
def route_leg_update(
    *, actor: User, leg: RouteLeg, version: int, changes: dict[str, object]
) -> RouteLeg:
    """Change a planned leg (`version` is the leg's). `changes` holds LegInput fields."""
    require_member(actor, leg.case.team)
    case, plan, leg = leg_locked(leg)
    require_version(leg, version)
    _require_editable(plan)
    _require_planned(leg)
    current = {name: getattr(leg, name) for name in LEG_INPUT_FIELDS if name != "escorts"}
    current["escorts"] = list(leg.escorts.all())
    if current["from_safe_house"] is None and changes.get("from_kind") == Waypoint.SAFE_HOUSE:
        current["from_area"] = None
    if current["to_safe_house"] is None and changes.get("to_kind") == Waypoint.SAFE_HOUSE:
        current["to_area"] = None
    for side in ("from", "to"):
        if changes.get(f"{side}_kind", current[f"{side}_kind"]) != Waypoint.SAFE_HOUSE:
            current[f"{side}_safe_house"] = None
    data = _checked_input(case, LegInput(**{**current, **changes}))
    was_flagged = leg.flagged_at is not None
    for name, value in _leg_values(data, case).items():
        setattr(leg, name, value)
    leg.flagged_at = None  # the waypoints were checked again just now
    leg.version += 1
    leg.save()
    if "escorts" in changes:
        leg.escorts.set(data.escorts)
    if was_flagged:
        case_risk_refresh(case=case)
    timeline = _edited(actor=actor, case=case, plan=plan)
    change_record(
        actor=actor,
        action=RouteActions.LEG_UPDATE,
        obj=leg,
        fields=sorted(changes),
        timeline=timeline,  # type: ignore[arg-type]
    )
    return leg


@transaction.atomic
def route_leg_remove(*, actor: User, leg: RouteLeg, version: int) -> RoutePlan:
    require_member(actor, leg.case.team)
    case, plan, leg = leg_locked(leg)
    require_version(leg, version)
    _require_editable(plan)
    _require_planned(leg)
    number, was_flagged = leg.number, leg.flagged_at is not None
    leg.delete()
    # Close the gap from the front: each leg moves into the place just freed.
    for later in RouteLeg.objects.filter(plan=plan, position__gt=leg.position).order_by("position"):
        later.position -= 1
        later.version += 1
        later.save(update_fields=["position", "version", "updated_at"])
    if was_flagged:
        case_risk_refresh(case=case)
    timeline = _edited(actor=actor, case=case, plan=plan)
    timeline.append(
        route_event(
            case=case,
            actor=actor,
            message=Message(
                gettext_lazy("Leg %(number)s was removed from the route."), number=number
            ),
        )
    )
    change_record(
        actor=actor,
        action=RouteActions.LEG_REMOVE,
        obj=plan,
        fields=["legs"],
        timeline=timeline,  # type: ignore[arg-type]
    )
    return plan
