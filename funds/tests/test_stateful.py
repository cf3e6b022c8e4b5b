"""Random sequences of donations, requests, approvals, payments, withdrawals, expiries and
retried payments; the ledger's invariants are checked after every step."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from cases.tests.factories import CaseFactory
from funds.checks import ledger_problems
from funds.models import Account, Disbursement, Transfer
from funds.services import disbursements as service
from funds.tests.conftest import give
from funds.tests.factories import FundFactory
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.errors import ApplicationError
from supportdesk.testing import token_client

D = Disbursement.State
# Requests mostly within the fund (some above the threshold of 500,000), gifts larger.
requests = st.integers(min_value=1, max_value=600_000)
gifts = st.integers(min_value=1, max_value=1_500_000)


class Ledger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        team = TeamFactory.create()
        self.volunteer = MembershipFactory.create(team=team).user
        self.coordinators = [
            MembershipFactory.create(team=team, user__role=User.Role.COORDINATOR).user
            for _ in range(2)
        ]
        self.case = CaseFactory.create(team=team, verification="verified")
        self.fund = FundFactory.create(team=team)
        self.api = token_client(self.volunteer)
        self.requests: list[Disbursement] = []
        self.received = 0
        self.last_pay: tuple[Disbursement, str, dict] | None = None

    def _pick(self, index: int, *states: str) -> Disbursement | None:
        """One of the requests, preferring those in `states` (so that each move is tried where
        it can succeed, and sometimes where it cannot)."""
        if not self.requests:
            return None
        ids = {r.pk for r in self.requests}
        wanted = list(
            Disbursement.objects.filter(pk__in=ids, state__in=states).order_by("created_at")
        )
        pool = wanted if wanted and index % 4 else self.requests
        return pool[index % len(pool)]

    @rule(amount=gifts)
    def donate(self, amount: int) -> None:
        give(self.fund, amount)
        self.received += amount

    @rule(amount=requests)
    def request(self, amount: int) -> None:
        self.requests.append(
            service.disbursement_request(
                actor=self.volunteer,
                case=self.case,
                fund=self.fund,
                purpose="food",
                amount=amount,
                justification="Food",
            )
        )

    @rule(index=st.integers(0, 50), who=st.integers(0, 1))
    def approve(self, index: int, who: int) -> None:
        if (found := self._pick(index, D.REQUESTED)) is not None:
            # Wrong state, a second vote or not enough money: refused, nothing written.
            with contextlib.suppress(ApplicationError):
                service.disbursement_approve(actor=self.coordinators[who], disbursement=found)

    @rule(index=st.integers(0, 50))
    def pay(self, index: int) -> None:
        if (found := self._pick(index, D.APPROVED)) is not None:
            key, body = str(uuid.uuid4()), {"method": "cash"}
            self.api.post(
                f"/api/v1/funds/disbursements/{found.pk}/pay/",
                body,
                format="json",
                HTTP_IDEMPOTENCY_KEY=key,
            )
            self.last_pay = (found, key, body)

    @rule()
    def retry_last_payment(self) -> None:
        if self.last_pay is not None:
            found, key, body = self.last_pay
            self.api.post(
                f"/api/v1/funds/disbursements/{found.pk}/pay/",
                body,
                format="json",
                HTTP_IDEMPOTENCY_KEY=key,
            )

    @rule(index=st.integers(0, 50))
    def withdraw(self, index: int) -> None:
        if (found := self._pick(index, D.APPROVED, D.REQUESTED)) is not None:
            with contextlib.suppress(ApplicationError):
                service.disbursement_withdraw(actor=self.volunteer, disbursement=found)

    @rule(index=st.integers(0, 50))
    def expire(self, index: int) -> None:
        if (found := self._pick(index, D.APPROVED)) is not None:
            service.disbursement_expire(disbursement_id=found.pk)

    @invariant()
    def the_books_add_up(self) -> None:
        assert ledger_problems() == []
        fund = Account.objects.get(pk=self.fund.pk)
        states = dict(Disbursement.objects.filter(fund=fund).values_list("pk", "state"))
        amounts = dict(Disbursement.objects.filter(fund=fund).values_list("pk", "amount"))
        reserved = sum(amounts[pk] for pk, state in states.items() if state == D.APPROVED)
        paid = sum(amounts[pk] for pk, state in states.items() if state == D.PAID)
        assert fund.available >= 0
        assert (fund.reserved, fund.balance) == (reserved, self.received - paid)
        # Each reservation resolved at most once, and only requests that ended have resolutions.
        resolved = Transfer.objects.filter(pending__debit_account=fund).values_list(
            "pending_id", flat=True
        )
        assert len(resolved) == len(set(resolved))
        assert Transfer.objects.filter(debit_account=fund, flag="pending").count() == sum(
            state != D.REQUESTED and state != D.REJECTED for state in states.values()
        ) - sum(
            state == D.WITHDRAWN and not Disbursement.objects.get(pk=pk).reservation_id
            for pk, state in states.items()
        )


@pytest.mark.django_db
def test_random_histories_keep_the_ledger_true() -> None:
    Ledger.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Ledger.TestCase().runTest()
