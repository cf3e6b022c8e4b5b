"""The workflows of relocation (supportdesk.workflow), each one table asked by the services that
make the moves and by the pages and API that offer them: a safe house's status, a plan's approval
and a leg's progress. Their refusals sit beside them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from relocation.models import RouteLeg, RoutePlan, SafeHouse
from supportdesk.accounts.scope import is_team_coordinator
from supportdesk.errors import ApplicationError, Conflict
from supportdesk.workflow import Move, Workflow


class NotAllowed(Conflict):
    default_message = gettext_lazy("Only a coordinator of this team can do that.")


class RouteNotAllowed(Conflict):
    pass


class StaleVersion(Conflict):
    default_message = gettext_lazy(
        "Someone else changed this while you were editing it. Reload it and make your change again."
    )


def _refused(labels: dict[str, Any], sentence: Promise) -> Callable[[str, str], ApplicationError]:
    """The wrong-state refusal of a workflow: its own sentence, with the state's label."""

    def refused(state: str, name: str) -> ApplicationError:
        return RouteNotAllowed(str(sentence) % {"state": labels.get(state, state)})

    return refused


H = SafeHouse.Status
SAFE_HOUSE_STATUS = Workflow(
    "safe house status",
    [
        Move("suspend", frozenset({H.ACTIVE}), H.SUSPENDED, who=is_team_coordinator),
        Move("activate", frozenset({H.SUSPENDED}), H.ACTIVE, who=is_team_coordinator),
        # Once its address may be known to the army, a house never comes back.
        Move(
            "compromise", frozenset({H.ACTIVE, H.SUSPENDED}), H.COMPROMISED, who=is_team_coordinator
        ),
        Move(
            "retire",
            frozenset({H.ACTIVE, H.SUSPENDED, H.COMPROMISED}),
            H.RETIRED,
            who=is_team_coordinator,
        ),
    ],
    wrong_state=_refused(
        dict(H.choices),
        gettext_lazy("This safe house is “%(state)s”: that step is not possible now."),
    ),
    not_permitted=NotAllowed,
)

A = RoutePlan.Approval
PLAN_APPROVAL = Workflow(
    "route plan approval",
    [
        Move("submit", frozenset({A.DRAFT}), A.SUBMITTED),
        # A coordinator who neither drafted nor last edited the plan (the service says so).
        Move("approve", frozenset({A.SUBMITTED}), A.APPROVED, who=is_team_coordinator),
        Move("return", frozenset({A.SUBMITTED}), A.DRAFT, who=is_team_coordinator),
        Move("cancel", frozenset({A.DRAFT, A.SUBMITTED}), A.CANCELLED),
        # Once approved, only a coordinator calls a journey off before it starts.
        Move("cancel", frozenset({A.APPROVED}), A.CANCELLED, who=is_team_coordinator),
        # An edit of an approved plan sends it back; made by the edit, never offered.
        Move("reopen", frozenset({A.APPROVED}), A.SUBMITTED, offered=False),
    ],
    wrong_state=_refused(
        dict(A.choices), gettext_lazy("This plan is “%(state)s”: that step is not possible now.")
    ),
    not_permitted=NotAllowed,
)

L = RouteLeg.State
LEG_PROGRESS = Workflow(
    "route leg progress",
    [
        Move("start", frozenset({L.PLANNED}), L.UNDER_WAY),
        Move("arrive", frozenset({L.UNDER_WAY}), L.ARRIVED),
        Move("abort", frozenset({L.PLANNED, L.UNDER_WAY}), L.ABORTED),
    ],
    wrong_state=_refused(
        dict(L.choices), gettext_lazy("This leg is “%(state)s”: that step is not possible now.")
    ),
    not_permitted=NotAllowed,
)
