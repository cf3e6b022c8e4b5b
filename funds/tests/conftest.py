"""A fund of `team` in kyat, money given into it, and a second coordinator for four eyes."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.tests.factories import CaseFactory
from funds.models import Account, Transfer
from funds.services import ledger
from funds.tests.factories import FundFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory


def give(fund: Account, amount: int) -> Transfer:
    """Money received into the fund (a posted transfer from the team's donors account)."""
    donors = ledger.counterpart(team=fund.team_id, currency=fund.currency, kind="donations")
    return ledger.transfer_create(
        debit=donors, credit=fund, amount=amount, purpose="donation", actor=None
    )


@pytest.fixture
def second_coordinator(team: Team) -> User:
    return MembershipFactory.create(
        team=team, user__username="coordinator2", user__role=User.Role.COORDINATOR
    ).user


@pytest.fixture
def fund(team: Team) -> Account:
    return FundFactory.create(team=team, name="General kyat")


@pytest.fixture
def case(team: Team) -> Case:
    return CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )
