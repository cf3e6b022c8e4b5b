"""What the case page shows from funds (registered in FundsConfig.ready()): the case's requests
for money (purpose, amount, state; no justification) and, for the case's team, a link to ask
for more."""

from __future__ import annotations

from typing import Any

from cases.models import Case
from funds import selectors
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.scope import is_member_of

SHOWN = 20


def money_section(request: AuthenticatedRequest, case: Case) -> dict[str, Any] | None:
    if case.shredded_at is not None:
        return None
    user = request.user
    rows = list(
        selectors.disbursements_for_user(
            user=user, filters=selectors.DisbursementFilters(case=case.pk)
        )[:SHOWN]
    )
    return {"disbursements": rows, "may_request": is_member_of(user, case.team_id)}
