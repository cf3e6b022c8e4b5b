"""An invented fund for the demo team (`manage.py demo_data`): a donation received and a request
to pay a verified demo case, waiting for a coordinator's approval."""

from __future__ import annotations

from django.utils import timezone

from cases.models import Case
from funds.models import Account, Disbursement, Donation, Earmark
from funds.money import Currency
from funds.services import disbursements, donations, ledger
from supportdesk.accounts.demo import Demo, DemoStep, register_demo

FUND = "Demo general fund"


def demo_funds(demo: Demo) -> str:
    if Account.objects.filter(team=demo.team, name=FUND).exists():
        return ""
    fund = ledger.fund_create(
        actor=demo.coordinator,
        team=demo.team,
        name=FUND,
        currency=Currency.MMK,
        earmark=Earmark.GENERAL,
    )
    donations.donation_record(
        actor=demo.coordinator,
        fund=fund,
        channel=Donation.Channel.ONLINE_PAYMENT,
        amount=2_500_000,
        received_on=timezone.localdate(),
        reference="DEMO-DONATION-1",
        donor_name="Friends of the Demo (invented)",
    )
    case = (
        Case.objects.filter(team=demo.team, verification=Case.Verification.VERIFIED)
        .order_by("created_at")
        .first()
    )
    if case is None:
        return "a fund with a donation"
    disbursements.disbursement_request(
        actor=demo.volunteer,
        case=case,
        fund=fund,
        purpose=Disbursement.Purpose.TRAVEL,
        amount=150_000,
        justification="Bus fare to the safe area (demo).",
    )
    return "a fund with a donation and a request waiting for approval"


register_demo(DemoStep(name="funds", order=30, build=demo_funds))
