"""What the case page shows from relocation (registered in RelocationConfig.ready()): the plan the
case travels by (the one under way or approved, else the newest not cancelled) with its legs in
order, their places as the plan page names them, the warnings, and the one next step this reader
may take from here (start the next leg, check in, or approve). A constant number of queries,
whatever the plan holds (the plan page's selector: `route_plan_for_case_page`)."""

from __future__ import annotations

from typing import Any

from cases.models import Case
from relocation import selectors
from relocation.labels import duration_text, leg_row
from relocation.models import RouteLeg, RoutePlan
from relocation.selectors import PlanDetail
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.audit.services import audit_record_view

L = RouteLeg.State
# What the section decrypts: the legs' places (cover stories and notes stay on the plan's page).
SECTION_VIEW_FIELDS = ["route_legs.from_place", "route_legs.to_place"]


def next_step(detail: PlanDetail, user_id: object) -> dict[str, Any] | None:
    """The journey's next step for this reader: check in on the leg under way, start the first
    leg not yet finished, or approve the plan (not its drafter's or last editor's to approve)."""
    plan = detail.plan
    current = next((leg for leg in detail.legs if leg.state in (L.PLANNED, L.UNDER_WAY)), None)
    moves = detail.leg_moves.get(current.pk, []) if current is not None else []
    if current is not None and current.state == L.UNDER_WAY and moves:
        return {"kind": "check_in", "leg": current}
    if current is not None and "start" in moves:
        return {"kind": "start", "leg": current}
    mine = user_id in (plan.drafted_by_id, plan.last_edited_by_id)
    if "approve" in detail.moves and not mine:
        return {"kind": "approve"}
    return None


def route_section(request: AuthenticatedRequest, case: Case) -> dict[str, Any] | None:
    if case.shredded_at is not None:
        return None
    detail = selectors.route_plan_for_case_page(user=request.user, case=case)
    if detail is None:
        return {"detail": None}
    # The legs' places are sealed under the case's key: shown, so recorded (as the plan page).
    audit_record_view(actor=request.user, obj=case, fields=SECTION_VIEW_FIELDS)
    plan: RoutePlan = detail.plan
    return {
        "detail": detail,
        "plan": plan,
        "rows": [leg_row(leg, detail.leg_moves.get(leg.pk)) for leg in detail.legs],
        "journey": duration_text(detail.journey_time),
        "warnings": [str(warning) for warning in detail.warnings],
        "next": next_step(detail, request.user.pk),
    }
