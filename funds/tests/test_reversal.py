"""A correction of a donation or of a payment: the reversing transfer marks its record reversed
(when, by whom, why) in the same transaction, once; a reversed payment is on the case's timeline,
takes no further step, and leaves the reports; the API and the pages show it."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.urls import reverse

from cases.models import CaseEvent
from funds import selectors
from funds.audit_actions import DisbursementActions, DonationActions
from funds.checks import ledger_problems
from funds.models import Account, Disbursement, Donation, Transfer
from funds.services import corrections, donations, ledger
from funds.services import disbursements as service
from funds.tests.conftest import give
from funds.workflows import DisbursementRefused
from supportdesk.audit.models import AuditEvent
from supportdesk.errors import ApplicationError
from supportdesk.testing import token_client, verified_client

pytestmark = pytest.mark.django_db
API = "/api/v1/funds/"
D = Disbursement.State
TODAY = datetime.date.today()


def gift(coordinator, fund: Account, amount: int = 40_000, reference: str = "BANK-1") -> Donation:
    return donations.donation_record(
        actor=coordinator,
        fund=fund,
        channel="bank_transfer",
        amount=amount,
        received_on=TODAY,
        reference=reference,
    )


def paid(volunteer, coordinator, case, fund: Account, amount: int = 30_000) -> Disbursement:
    asked = service.disbursement_request(
        actor=volunteer,
        case=case,
        fund=fund,
        purpose="food",
        amount=amount,
        justification="Rice for a week",
    )
    service.disbursement_approve(actor=coordinator, disbursement=asked)
    return service.disbursement_pay(actor=volunteer, disbursement=asked, method="cash")


def payment_of(disbursement: Disbursement) -> Transfer:
    return Transfer.objects.get(pending_id=disbursement.reservation_id, flag="post_pending")


def aid_paid(user) -> int:
    return sum(int(row["total"]) for row in selectors.aid_per_case(user=user))  # type: ignore[call-overload]


def money_in(user) -> int:
    return sum(int(row["total"]) for row in selectors.money_in_by_month(user=user))  # type: ignore[call-overload]


def test_reversing_a_donation_marks_it_reversed_once(coordinator, fund):
    donation = gift(coordinator, fund)
    give(fund, 10_000)  # money not tied to a donation record
    assert money_in(coordinator) == 40_000
    reversal = corrections.transfer_reverse(
        actor=coordinator, transfer=donation.transfer, reason="Recorded in the wrong fund"
    )
    donation.refresh_from_db()
    assert donation.reversed_at is not None and donation.reversed_by == coordinator
    assert donation.reversal_reason == "Recorded in the wrong fund"
    assert reversal.reverses_id == donation.transfer_id
    assert AuditEvent.objects.filter(action=DonationActions.REVERSE).count() == 1
    fund.refresh_from_db()
    assert fund.balance == 10_000
    assert money_in(coordinator) == 0  # the reports leave it out, as the books do
    assert ledger_problems() == []
    with pytest.raises(donations.DonationReversed):
        corrections.transfer_reverse(actor=coordinator, transfer=donation.transfer, reason="Again")
    assert Transfer.objects.filter(purpose="reversal").count() == 1
    assert AuditEvent.objects.filter(action=DonationActions.REVERSE).count() == 1


def test_a_correction_says_why(coordinator, fund):
    donation = gift(coordinator, fund)
    with pytest.raises(ApplicationError, match="Say why"):
        corrections.transfer_reverse(actor=coordinator, transfer=donation.transfer, reason="  ")
    donation.refresh_from_db()
    assert donation.reversed_at is None and not Transfer.objects.filter(purpose="reversal")


def test_a_donation_already_spent_stays_unreversed(volunteer, coordinator, case, fund):
    donation = gift(coordinator, fund, amount=30_000)
    paid(volunteer, coordinator, case, fund, amount=20_000)
    with pytest.raises(ledger.InsufficientFunds):
        corrections.transfer_reverse(
            actor=coordinator, transfer=donation.transfer, reason="Mistake"
        )
    donation.refresh_from_db()
    assert donation.reversed_at is None and not donation.reversal_reason
    assert ledger_problems() == []


@pytest.mark.parametrize("then", ["paid", "confirmed", "reconciled"])
def test_reversing_a_payment_marks_the_request_reversed(
    volunteer, coordinator, second_coordinator, case, fund, then
):
    give(fund, 100_000)
    d = paid(volunteer, coordinator, case, fund)
    if then in ("confirmed", "reconciled"):
        service.disbursement_confirm(actor=volunteer, disbursement=d, by="recipient")
    if then == "reconciled":
        service.disbursement_reconcile(actor=second_coordinator, disbursement=d)
    assert aid_paid(coordinator) == 30_000
    steps = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DISBURSEMENT).count()
    corrections.transfer_reverse(
        actor=coordinator, transfer=payment_of(d), reason="Paid to the wrong"
    )
    d.refresh_from_db()
    assert d.state == D.REVERSED and d.reversed_by == coordinator and d.reversed_at
    assert d.reversal_reason == "Paid to the wrong"
    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DISBURSEMENT)
    assert events.count() == steps + 1
    assert AuditEvent.objects.filter(action=DisbursementActions.REVERSE).count() == 1
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved) == (100_000, 0)
    assert aid_paid(coordinator) == 0
    assert sum(int(r["total"]) for r in selectors.money_out_by_month(user=coordinator)) == 0  # type: ignore[call-overload]
    assert ledger_problems() == []


def test_a_reversed_payment_is_not_reversed_twice_nor_paid_or_confirmed(
    volunteer, coordinator, case, fund
):
    give(fund, 100_000)
    d = paid(volunteer, coordinator, case, fund)
    payment = payment_of(d)
    corrections.transfer_reverse(actor=coordinator, transfer=payment, reason="Cash never left")
    with pytest.raises(DisbursementRefused, match="“Reversed”: that step is not possible now"):
        corrections.transfer_reverse(actor=coordinator, transfer=payment, reason="Again")
    with pytest.raises(DisbursementRefused, match="“Reversed”"):
        service.disbursement_pay(actor=volunteer, disbursement=d, method="cash")
    with pytest.raises(DisbursementRefused, match="“Reversed”"):
        service.disbursement_confirm(actor=volunteer, disbursement=d, by="witness")
    assert Transfer.objects.filter(purpose="reversal").count() == 1
    assert Disbursement.objects.get(pk=d.pk).state == D.REVERSED
    assert ledger_problems() == []


def test_a_volunteer_cannot_reverse_a_payment(volunteer, coordinator, case, fund):
    give(fund, 100_000)
    d = paid(volunteer, coordinator, case, fund)
    with pytest.raises(ApplicationError, match="coordinator"):
        corrections.transfer_reverse(actor=volunteer, transfer=payment_of(d), reason="Mistake")
    assert Disbursement.objects.get(pk=d.pk).state == D.PAID


def test_the_api_reverses_and_shows_it(volunteer, coordinator, case, fund):
    api = token_client(coordinator)
    donation = gift(coordinator, fund, amount=100_000)
    d = paid(volunteer, coordinator, case, fund)
    path = f"{API}transfers/{payment_of(d).pk}/reverse/"
    missing = api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="rev-0")
    assert missing.status_code == 400 and "reason" in str(missing.json())
    answer = api.post(path, {"reason": "Wrong family"}, format="json", HTTP_IDEMPOTENCY_KEY="rev-1")
    assert answer.status_code == 201 and answer.json()["purpose"] == "reversal"
    again = api.post(path, {"reason": "Wrong family"}, format="json", HTTP_IDEMPOTENCY_KEY="rev-2")
    assert again.status_code == 409 and "Reversed" in str(again.json())
    shown = api.get(f"{API}disbursements/{d.pk}/").json()
    assert shown["state"] == "reversed" and shown["reversed_at"]
    assert shown["reversal_reason"] == "Wrong family"
    gift_path = f"{API}transfers/{donation.transfer_id}/reverse/"
    assert (
        api.post(
            gift_path, {"reason": "Test entry"}, format="json", HTTP_IDEMPOTENCY_KEY="rev-3"
        ).status_code
        == 201
    )
    listed = api.get(f"{API}donations/").json()["results"]
    assert [(row["reversed"], bool(row["reversed_at"])) for row in listed] == [(True, True)]
    detail = api.get(f"{API}donations/{donation.pk}/").json()
    assert detail["reversal_reason"] == "Test entry"
    assert api.get(f"{API}reports/aid-per-case/").json() == []
    assert ledger_problems() == []


def test_the_pages_show_reversed_with_when_and_why(volunteer, coordinator, case, fund):
    donation = gift(coordinator, fund, amount=100_000)
    d = paid(volunteer, coordinator, case, fund)
    before = unescape(
        verified_client(volunteer)
        .get(reverse("funds:disbursement", kwargs={"disbursement_id": d.pk}))
        .content.decode()
    )
    assert "Reversed" not in before
    corrections.transfer_reverse(actor=coordinator, transfer=payment_of(d), reason="Wrong family")
    corrections.transfer_reverse(actor=coordinator, transfer=donation.transfer, reason="Test entry")
    page = unescape(
        verified_client(volunteer)
        .get(reverse("funds:disbursement", kwargs={"disbursement_id": d.pk}))
        .content.decode()
    )
    assert "Reversed" in page and "Wrong family" in page and "Reversed by" in page
    assert "/pay/" not in page and "/confirm/" not in page
    gift_page = unescape(
        verified_client(coordinator)
        .get(reverse("funds:donation", kwargs={"donation_id": donation.pk}))
        .content.decode()
    )
    assert "Reversed" in gift_page and "Test entry" in gift_page and "coordinator" in gift_page
