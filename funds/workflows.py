"""The disbursement workflow (supportdesk.workflow): asked by the services that make each move and
by the API that offers them. Its refusals sit beside it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from funds.models import Disbursement
from supportdesk.accounts.scope import is_team_coordinator
from supportdesk.errors import ApplicationError, Conflict
from supportdesk.workflow import Move, Workflow


class NotAllowed(Conflict):
    default_message = gettext_lazy("Only a coordinator of this team can do that.")


class DisbursementRefused(Conflict):
    pass


def _wrong_state(state: str, name: str) -> ApplicationError:
    label = dict(Disbursement.State.choices).get(state, state)
    return DisbursementRefused(
        gettext_lazy("This request is “%(state)s”: that step is not possible now.")
        % {"state": label}
    )


D = Disbursement.State
DISBURSEMENT = Workflow(
    "disbursement",
    [
        # A coordinator who did not request it; above the threshold, two of them (the service).
        Move("approve", frozenset({D.REQUESTED}), D.APPROVED, who=is_team_coordinator),
        Move("reject", frozenset({D.REQUESTED}), D.REJECTED, who=is_team_coordinator),
        # The requester or a coordinator (the service says which).
        Move("withdraw", frozenset({D.REQUESTED, D.APPROVED}), D.WITHDRAWN),
        Move("pay", frozenset({D.APPROVED}), D.PAID),
        Move("confirm", frozenset({D.PAID}), D.CONFIRMED),
        Move("reconcile", frozenset({D.CONFIRMED}), D.RECONCILED, who=is_team_coordinator),
        # A coordinator reverses the payment's transfer
        # (funds.services.corrections.transfer_reverse): the money is back in the fund; nothing
        # follows. Never offered on its own.
        Move(
            "reverse",
            frozenset({D.PAID, D.CONFIRMED, D.RECONCILED}),
            D.REVERSED,
            who=is_team_coordinator,
            offered=False,
        ),
        # Approved and not paid in time: made by the expiry follow-up, never offered.
        Move("expire", frozenset({D.APPROVED}), D.EXPIRED, offered=False),
    ],
    wrong_state=_wrong_state,
    not_permitted=NotAllowed,
)
