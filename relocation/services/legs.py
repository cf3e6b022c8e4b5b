"""A leg's progress (planned -> under way -> arrived, or aborted with a reason), the plan's
progress that follows from its legs, and the case's status that follows from the journey: the
first leg started moves the case to "in transit", arriving at the end of a route into a safe area
moves it to "in a safe area", both through the cases' own `case_transition` (its timeline entry,
audit row, risk and alerts)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from cases.services.common import require_member
from cases.services.lifecycle import case_transition
from relocation.audit_actions import RouteActions
from relocation.models import RouteLeg, RoutePlan
from relocation.rules import ends_in_safe_area, progress_of
from relocation.services.common import field_error, leg_locked, route_event
from relocation.workflows import LEG_PROGRESS, RouteNotAllowed
from supportdesk.accounts.models import User
from supportdesk.audit.services import change_record
from supportdesk.followups.services import followup_cancel
from supportdesk.messages import Message
from supportdesk.vault.normalise import normalise_text

L = RouteLeg.State


def _plan_progress_sync(plan: RoutePlan) -> list[RouteLeg]:
    """Store the plan's progress as its legs say; returns the legs in order."""
    legs = list(RouteLeg.objects.filter(plan=plan).order_by("position"))
    progress = progress_of([leg.state for leg in legs])
    if progress != plan.progress:
        plan.progress = progress
        plan.version += 1
        plan.save(update_fields=["progress", "version", "updated_at"])
    return legs


def _ladder_stopped(leg: RouteLeg) -> None:
    """No check-ins are expected any more: the ladder's pending steps go."""
    if leg.ladder:
        followup_cancel(subject=leg)
    leg.check_in_due_at, leg.ladder, leg.overdue_at = None, RouteLeg.Ladder.NONE, None


def _case_moved(*, actor: User, case: Case, to_status: str, reason: str) -> Case:
    """The case moved through the case lifecycle (its timeline and audit), as it now is."""
    if case.status == to_status:
        return case
    return case_transition(actor=actor, case=case, to_status=to_status, reason=reason)


@transaction.atomic
def route_leg_start(*, actor: User, leg: RouteLeg) -> RouteLeg:
    require_member(actor, leg.case.team)
    case, plan, leg = leg_locked(leg)
    LEG_PROGRESS.check(user=actor, team=case.team, state=leg.state, name="start")
    if plan.approval != RoutePlan.Approval.APPROVED:
        raise RouteNotAllowed(_("This plan must be approved before its journey starts."))
    earlier = RouteLeg.objects.filter(plan=plan, position__lt=leg.position)
    waiting = earlier.exclude(state=L.ARRIVED).order_by("position").first()
    if waiting is not None:
        raise RouteNotAllowed(
            _("Leg %(number)s has not arrived yet: start the legs in order.")
            % {"number": waiting.number}
        )
    now = timezone.now()
    first = not earlier.exists()
    leg.state, leg.started_at = L.UNDER_WAY, now
    leg.check_in_due_at = now + timedelta(minutes=leg.check_in_interval_minutes)
    leg.ladder, leg.last_check_in_at = RouteLeg.Ladder.NONE, None
    leg.version += 1
    leg.save()
    _plan_progress_sync(plan)
    change_record(
        actor=actor,
        action=RouteActions.LEG_START,
        obj=leg,
        fields=["state"],
        timeline=[
            route_event(
                case=case,
                actor=actor,
                message=Message(
                    gettext_lazy("Leg %(number)s started (%(transport)s)."),
                    number=leg.number,
                    transport=RouteLeg.Transport(leg.transport).label,
                ),
            )
        ],
    )
    if first:
        leg.case = _case_moved(actor=actor, case=case, to_status=Case.Status.IN_TRANSIT, reason="")
    return leg


@transaction.atomic
def route_leg_arrive(*, actor: User, leg: RouteLeg) -> RouteLeg:
    require_member(actor, leg.case.team)
    case, plan, leg = leg_locked(leg)
    LEG_PROGRESS.check(user=actor, team=case.team, state=leg.state, name="arrive")
    leg.state, leg.arrived_at = L.ARRIVED, timezone.now()
    _ladder_stopped(leg)
    leg.version += 1
    leg.save()
    legs = _plan_progress_sync(plan)
    change_record(
        actor=actor,
        action=RouteActions.LEG_ARRIVE,
        obj=leg,
        fields=["state"],
        timeline=[
            route_event(
                case=case,
                actor=actor,
                message=Message(gettext_lazy("Leg %(number)s arrived."), number=leg.number),
            )
        ],
    )
    if plan.progress == RoutePlan.Progress.ARRIVED and ends_in_safe_area(legs):
        leg.case = _case_moved(actor=actor, case=case, to_status=Case.Status.SAFE_AREA, reason="")
    return leg


@transaction.atomic
def route_leg_abort(*, actor: User, leg: RouteLeg, reason: str) -> RouteLeg:
    """Stop a leg (and the legs after it, which can no longer follow)."""
    require_member(actor, leg.case.team)
    case, plan, leg = leg_locked(leg)
    LEG_PROGRESS.check(user=actor, team=case.team, state=leg.state, name="abort")
    reason = normalise_text(reason or "").value
    if not reason.strip():
        raise field_error("reason", gettext_lazy("Say why the leg was stopped."))
    leg.state, leg.abort_reason = L.ABORTED, reason
    _ladder_stopped(leg)
    leg.version += 1
    leg.save()
    later = RouteLeg.objects.select_for_update().filter(
        plan=plan, position__gt=leg.position, state=L.PLANNED
    )
    for following in later.order_by("position"):
        following.state = L.ABORTED
        following.version += 1
        following.save(update_fields=["state", "version", "updated_at"])
    _plan_progress_sync(plan)
    change_record(
        actor=actor,
        action=RouteActions.LEG_ABORT,
        obj=leg,
        fields=["state", "abort_reason"],
        timeline=[
            route_event(
                case=case,
                actor=actor,
                text=reason,
                message=Message(gettext_lazy("Leg %(number)s was aborted."), number=leg.number),
            )
        ],
    )
    return leg
