"""The workflows of case work, each one table (supportdesk.workflow) asked by the services that
make the moves and by the pages and API that offer them: a case's status, its verification, and
its CDM-code requests. Their refusals are here too, so the sentence sits beside its rule."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rules import Predicate

from cases.models import Case, CdmRequest
from cases.rules import COORDINATOR_ONLY, TRANSITIONS
from supportdesk.accounts.scope import is_team_coordinator, is_team_member
from supportdesk.errors import ApplicationError, Conflict
from supportdesk.workflow import Move, Workflow, moves


class NotAllowed(Conflict):
    default_message = gettext_lazy("Only a coordinator of this case's team can do that.")


class TransitionNotAllowed(Conflict):
    def __init__(self, from_status: str, to_status: str) -> None:
        labels = dict(Case.Status.choices)
        super().__init__(
            _("A case that is “%(from)s” cannot move to “%(to)s”.")
            % {"from": labels[from_status], "to": labels.get(to_status, to_status)}
        )


class VerificationNotAllowed(Conflict):
    pass


class CdmNotAllowed(Conflict):
    pass


def _status_who(target: str) -> Predicate:
    """Coordinators alone accept, decline, close and reopen; any member makes the other moves."""
    return is_team_coordinator if target in COORDINATOR_ONLY else is_team_member


CASE_STATUS = Workflow(
    "case status",
    [
        *moves(
            TRANSITIONS,
            who=lambda target: (
                is_team_coordinator if target in COORDINATOR_ONLY else is_team_member
            ),
        ),
        # Closing a case found to be the same person as another, from wherever it stands; made by
        # resolving the duplicate (cases.services.intake.case_merge), never offered as a status.
        Move(
            "merge",
            frozenset(Case.Status.values),
            Case.Status.CLOSED,
            who=is_team_coordinator,
            offered=False,
        ),
    ],
    wrong_state=TransitionNotAllowed,
    not_permitted=NotAllowed,
)

V = Case.Verification
_VERIFICATION_REFUSALS = {
    "vouch": gettext_lazy("This case has already been vouched for."),
    "verify": gettext_lazy("A case must be vouched for before it is verified."),
}


def _verification_refused(state: str, name: str) -> ApplicationError:
    return VerificationNotAllowed(_VERIFICATION_REFUSALS.get(name))


VERIFICATION = Workflow(
    "verification",
    [
        Move("vouch", frozenset({V.UNVERIFIED}), V.VOUCHED),
        # Against planted defectors: a coordinator interviews the person (and is not the voucher).
        Move("verify", frozenset({V.VOUCHED}), V.VERIFIED, who=is_team_coordinator),
        # Doubt about who this person is. From unverified it changes nothing, so it is not offered.
        Move("revoke", frozenset(V.values), V.UNVERIFIED, who=is_team_coordinator),
    ],
    wrong_state=_verification_refused,
    not_permitted=NotAllowed,
)

R = CdmRequest.State
# A request may be open (draft, ready or submitted) at most once per case.
CDM_OPEN_STATES = (R.DRAFT, R.READY, R.SUBMITTED)


def _cdm_refused(state: str, name: str) -> ApplicationError:
    label = dict(R.choices)[state]
    return CdmNotAllowed(
        _("This request is “%(state)s”: that step is not possible now.") % {"state": label}
    )


CDM_REQUEST = Workflow(
    "CDM-code request",
    [
        # The second person's check (not the drafter: the service says so).
        Move("ready", frozenset({R.DRAFT}), R.READY),
        Move("submit", frozenset({R.READY}), R.SUBMITTED, who=is_team_coordinator),
        Move("issue", frozenset({R.SUBMITTED}), R.ISSUED, who=is_team_coordinator),
        Move("reject", frozenset({R.SUBMITTED}), R.REJECTED, who=is_team_coordinator),
        Move("withdraw", frozenset({R.DRAFT, R.READY}), R.WITHDRAWN),
        # Once sent to the ministry, only a coordinator takes it back.
        Move("withdraw", frozenset({R.SUBMITTED}), R.WITHDRAWN, who=is_team_coordinator),
    ],
    wrong_state=_cdm_refused,
    not_permitted=NotAllowed,
)
