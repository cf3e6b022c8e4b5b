"""Real threads on PostgreSQL, each with its own connection: the fund's row lock and the request's
row lock hold under load."""

from __future__ import annotations

import functools
from collections import Counter

import pytest

from funds.checks import ledger_problems
from funds.models import Account, Disbursement, Transfer
from funds.services import disbursements as service
from funds.tests.conftest import give
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.errors import ApplicationError
from supportdesk.testing import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_coordinators_approving_one_request_at_once_make_one_approval(
    team, volunteer, case, fund
) -> None:
    give(fund, 100_000)
    asked = service.disbursement_request(
        actor=volunteer,
        case=case,
        fund=fund,
        purpose="medical",
        amount=40_000,
        justification="Clinic",
    )
    coordinators = [
        MembershipFactory.create(team=team, user__role=User.Role.COORDINATOR).user
        for _ in range(20)
    ]
    outcomes = at_once(
        [
            functools.partial(service.disbursement_approve, actor=c, disbursement=asked)
            for c in coordinators
        ],
        counting=ApplicationError,
        timeout=120,
    )
    assert outcomes == Counter({"ok": 1, "DisbursementRefused": 19})
    assert Transfer.objects.filter(flag="pending").count() == 1
    assert AuditEvent.objects.filter(action="disbursement.approve").count() == 1
    fund.refresh_from_db()
    assert (fund.reserved, fund.available) == (40_000, 60_000)
    assert ledger_problems() == []


@pytest.mark.parametrize("run", range(3))
def test_fifty_disbursements_worth_twice_the_fund_never_overdraw_it(
    run: int, team, volunteer, coordinator, case, fund
) -> None:
    give(fund, 250_000)
    requests = [
        service.disbursement_request(
            actor=volunteer,
            case=case,
            fund=fund,
            purpose="food",
            amount=10_000,
            justification="Rice",
        )
        for _ in range(50)
    ]

    def approve_and_pay(request: Disbursement) -> None:
        approved = service.disbursement_approve(actor=coordinator, disbursement=request)
        service.disbursement_pay(actor=volunteer, disbursement=approved, method="cash")

    outcomes = at_once(
        [functools.partial(approve_and_pay, r) for r in requests],
        counting=ApplicationError,
        timeout=120,
    )
    assert outcomes == Counter({"ok": 25, "InsufficientFunds": 25})
    fund = Account.objects.get(pk=fund.pk)
    assert (fund.balance, fund.reserved, fund.available) == (0, 0, 0)
    assert Disbursement.objects.filter(state="paid").count() == 25
    assert ledger_problems() == []
