"""Four eyes, the threshold, the whole life of a request, its follow-ups and its timeline."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cases.models import Case, CaseEvent
from cases.tests.factories import CaseFactory
from funds import rules
from funds.checks import ledger_problems
from funds.models import Account, Disbursement
from funds.services import disbursements as service
from funds.services import ledger
from funds.tests.conftest import give
from funds.tests.factories import FundFactory
from funds.workflows import DisbursementRefused, NotAllowed
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import FollowUp
from supportdesk.followups.sweep import followups_sweep

pytestmark = pytest.mark.django_db
D = Disbursement.State


def ask(volunteer, case, fund, amount=50_000, **kwargs) -> Disbursement:
    return service.disbursement_request(
        actor=volunteer,
        case=case,
        fund=fund,
        purpose="food",
        amount=amount,
        justification="Rice for a week",
        **kwargs,
    )


def pending_kinds(disbursement) -> set[str]:
    return set(
        FollowUp.objects.filter(subject_id=str(disbursement.pk), state="pending").values_list(
            "kind", flat=True
        )
    )


def test_the_whole_life_of_a_request(volunteer, coordinator, second_coordinator, case, fund):
    give(fund, 200_000)
    asked = ask(volunteer, case, fund)
    assert pending_kinds(asked) == {rules.APPROVAL_PENDING}
    approved = service.disbursement_approve(actor=coordinator, disbursement=asked)
    fund.refresh_from_db()
    assert approved.state == D.APPROVED and (fund.reserved, fund.available) == (50_000, 150_000)
    assert pending_kinds(asked) == {rules.UNPAID, rules.EXPIRY}
    paid = service.disbursement_pay(
        actor=volunteer, disbursement=asked, method="mobile_wallet", reference="WAVE-77"
    )
    fund.refresh_from_db()
    assert paid.state == D.PAID and (fund.balance, fund.reserved) == (150_000, 0)
    assert pending_kinds(asked) == {rules.UNCONFIRMED}
    service.disbursement_confirm(actor=volunteer, disbursement=asked, by="recipient")
    with pytest.raises(NotAllowed):
        service.disbursement_reconcile(actor=volunteer, disbursement=asked)
    done = service.disbursement_reconcile(actor=coordinator, disbursement=asked)
    assert done.state == D.RECONCILED and pending_kinds(asked) == set()
    kinds = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DISBURSEMENT).count()
    assert kinds == 5
    assert Disbursement.objects.get(pk=asked.pk).justification == "Rice for a week"
    assert ledger_problems() == []


def test_the_requester_never_approves_their_own_request(coordinator, case, fund):
    give(fund, 100_000)
    own = ask(coordinator, case, fund)
    with pytest.raises(DisbursementRefused, match="another coordinator must approve"):
        service.disbursement_approve(actor=coordinator, disbursement=own)
    with pytest.raises(DisbursementRefused, match="another coordinator decides"):
        service.disbursement_reject(actor=coordinator, disbursement=own, reason="no")
    assert Disbursement.objects.get(pk=own.pk).state == D.REQUESTED


def test_a_volunteer_cannot_approve(volunteer, coordinator, case, fund):
    give(fund, 100_000)
    asked = ask(coordinator, case, fund)
    with pytest.raises(NotAllowed):
        service.disbursement_approve(actor=volunteer, disbursement=asked)


def test_the_coordinator_who_paid_does_not_reconcile(
    volunteer, coordinator, second_coordinator, case, fund
):
    give(fund, 100_000)
    asked = service.disbursement_approve(actor=coordinator, disbursement=ask(volunteer, case, fund))
    service.disbursement_pay(actor=second_coordinator, disbursement=asked, method="cash")
    service.disbursement_confirm(actor=volunteer, disbursement=asked, by="witness")
    with pytest.raises(DisbursementRefused, match="You paid"):
        service.disbursement_reconcile(actor=second_coordinator, disbursement=asked)
    assert service.disbursement_reconcile(actor=coordinator, disbursement=asked).state == (
        D.RECONCILED
    )


def test_above_the_threshold_two_different_coordinators_approve(
    volunteer, coordinator, second_coordinator, case, fund
):
    give(fund, 2_000_000)
    big = ask(volunteer, case, fund, amount=500_001)
    assert big.approvals_required == 2
    first = service.disbursement_approve(actor=coordinator, disbursement=big)
    assert first.state == D.REQUESTED and first.reservation_id is None
    with pytest.raises(DisbursementRefused, match="approved this already"):
        service.disbursement_approve(actor=coordinator, disbursement=big)
    second = service.disbursement_approve(actor=second_coordinator, disbursement=big)
    assert second.state == D.APPROVED
    assert ask(volunteer, case, fund, amount=500_000).approvals_required == 1  # at the threshold


@override_settings(FUNDS_THRESHOLD_MMK=1000)
def test_only_a_verified_case_receives_more_than_the_threshold(volunteer, team, fund):
    give(fund, 100_000)
    unverified = CaseFactory.create(team=team, verification=Case.Verification.VOUCHED)
    with pytest.raises(DisbursementRefused, match="Only a verified case"):
        ask(volunteer, unverified, fund, amount=1001)
    assert ask(volunteer, unverified, fund, amount=1000).state == D.REQUESTED


def test_a_request_over_the_available_money_is_refused_at_approval(
    volunteer, coordinator, case, fund
):
    give(fund, 10_000)
    asked = ask(volunteer, case, fund, amount=20_000)
    with pytest.raises(ledger.InsufficientFunds):
        service.disbursement_approve(actor=coordinator, disbursement=asked)
    assert Disbursement.objects.get(pk=asked.pk).state == D.REQUESTED


def test_a_fund_of_another_team_cannot_pay(volunteer, case, other_team):
    with pytest.raises(Exception, match="your team's funds"):
        ask(volunteer, case, FundFactory.create(team=other_team))


def test_withdrawing_an_approved_request_releases_the_money(volunteer, coordinator, case, fund):
    give(fund, 100_000)
    asked = service.disbursement_approve(actor=coordinator, disbursement=ask(volunteer, case, fund))
    service.disbursement_withdraw(actor=volunteer, disbursement=asked)
    fund.refresh_from_db()
    assert (fund.reserved, fund.available) == (0, 100_000)
    with pytest.raises(DisbursementRefused):
        service.disbursement_pay(actor=volunteer, disbursement=asked, method="cash")
    assert pending_kinds(asked) == set()


def test_expiry_voids_the_reservation_once(volunteer, coordinator, case, fund):
    give(fund, 100_000)
    asked = service.disbursement_approve(actor=coordinator, disbursement=ask(volunteer, case, fund))
    FollowUp.objects.filter(kind=rules.EXPIRY).update(next_attempt_at="2000-01-01T00:00Z")
    followups_sweep()
    fund.refresh_from_db()
    assert Disbursement.objects.get(pk=asked.pk).state == D.EXPIRED
    assert fund.available == 100_000
    assert service.disbursement_expire(disbursement_id=asked.pk) is False
    assert AuditEvent.objects.filter(action="disbursement.expire").count() == 1
    assert ledger_problems() == []


def test_a_pending_request_reminds_the_coordinators_but_not_the_requester(
    volunteer, coordinator, second_coordinator, case, fund
):
    from supportdesk.followups.models import Notification

    ask(coordinator, case, fund)
    FollowUp.objects.filter(kind=rules.APPROVAL_PENDING).update(next_attempt_at="2000-01-01T00:00Z")
    followups_sweep()
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"coordinator2"}
    assert case.ref in Notification.objects.get().message["params"]["ref"]


def test_the_aid_account_is_one_per_team_and_currency(fund):
    a = ledger.counterpart(team=fund.team_id, currency="MMK", kind="aid")
    assert ledger.counterpart(team=fund.team_id, currency="MMK", kind="aid") == a
    assert Account.objects.filter(kind="aid").count() == 1
