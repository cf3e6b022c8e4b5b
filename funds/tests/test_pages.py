"""Funds pages for each persona: money requested from the case page, the approval queue with its
one-tap approve and reject, a request's steps (payment, confirmation, reconciliation), donations
with the CSV import and forgetting a donor, the balances and charts, and the home panels. Refused
input answers 400 with a message per field and writes nothing; another team gets 404; a form
sent twice does its work once."""

from __future__ import annotations

import datetime
import uuid
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Case
from cases.tests.factories import CaseFactory
from funds.models import Account, Approval, Disbursement, Donation, Donor, Transfer
from funds.services import disbursements as service
from funds.services import donations
from funds.tests.conftest import give
from funds.tests.factories import FundFactory
from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()
D = Disbursement.State
OWN = "You asked for this money: another coordinator must approve it."


def html_of(response: Any) -> str:
    return unescape(response.content.decode())


def url(name: str, **kwargs: object) -> str:
    return reverse(f"funds:{name}", kwargs=kwargs)


def once() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def funded(fund: Account) -> Account:
    give(fund, 2_000_000)
    return fund


def ask(volunteer: User, case: Case, fund: Account, amount: int = 50_000) -> Disbursement:
    return service.disbursement_request(
        actor=volunteer,
        case=case,
        fund=fund,
        purpose="medical",
        amount=amount,
        justification="Clinic visit",
    )


def approved(volunteer: User, coordinator: User, case: Case, fund: Account) -> Disbursement:
    return service.disbursement_approve(actor=coordinator, disbursement=ask(volunteer, case, fund))


def request_form(chosen: Account, **overrides: object) -> dict[str, object]:
    form = {
        "fund": str(chosen.pk),
        "purpose": "medical",
        "amount": "50000",
        "justification": "Clinic visit",
        "once": once(),
    }
    return {**form, **overrides}


# --- The case page and the request form ---------------------------------------------------------


def test_the_case_page_lists_the_case_money_and_links_the_request_form(
    volunteer: User, case: Case, funded: Account
) -> None:
    ask(volunteer, case, funded, amount=1_250_000)
    html = html_of(verified_client(volunteer).get(reverse("cases:detail", args=[case.pk])))
    assert 'id="money"' in html
    assert "1,250,000 MMK" in html and "Medical" in html and "Waiting for approval" in html
    assert f'href="{url("request", case_id=case.pk)}"' in html
    assert "Clinic visit" not in html.split('id="money"')[1].split("</section>")[0]


def test_the_case_page_shows_amounts_in_lakhs_in_burmese(
    volunteer: User, case: Case, funded: Account
) -> None:
    ask(volunteer, case, funded, amount=1_250_000)
    client = verified_client(volunteer)
    html = html_of(client.get(reverse("cases:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="my"))
    assert "၁၂ သိန်း ၅၀,၀၀၀ ကျပ်" in html  # noqa: RUF001 - Myanmar digits


def test_the_timeline_and_the_reminder_give_the_amount_in_the_readers_language(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    from django.utils import translation

    from cases.models import CaseEvent
    from supportdesk.followups.models import FollowUp, Notification

    disbursement = ask(volunteer, case, funded, amount=1_250_000)
    event = CaseEvent.objects.filter(case=case).order_by("-created_at").first()
    assert event is not None
    reminder = FollowUp.objects.get(subject_id=str(disbursement.pk), kind="funds.approval_pending")
    service.approval_pending_remind(reminder)
    notice = Notification.objects.get(user=coordinator)
    with translation.override("en"):
        assert event.sentence == "1,250,000 MMK was requested for Medical."
        assert "1,250,000 MMK" in notice.sentence
    with translation.override("my"):
        assert "၁၂ သိန်း ၅၀,၀၀၀ ကျပ်" in event.sentence  # noqa: RUF001 - Myanmar digits
        assert "၁၂ သိန်း ၅၀,၀၀၀ ကျပ်" in notice.sentence  # noqa: RUF001
        assert "1,250,000" not in event.sentence + notice.sentence


def test_a_volunteer_requests_money_from_the_case_page_once_however_often_they_tap(
    volunteer: User, case: Case, funded: Account
) -> None:
    client = verified_client(volunteer)
    page = client.get(url("request", case_id=case.pk))
    assert page.status_code == 200 and 'name="once"' in html_of(page)
    form = request_form(funded)
    first = client.post(url("request", case_id=case.pk), form)
    asked = Disbursement.objects.get(case=case)
    assert first.status_code == 302 and first["Location"] == url(
        "disbursement", disbursement_id=asked.pk
    )
    assert asked.amount == 50_000 and asked.requested_by == volunteer and asked.state == D.REQUESTED
    again = client.post(url("request", case_id=case.pk), form, follow=True)
    assert Disbursement.objects.filter(case=case).count() == 1
    assert "This was done already: nothing was done twice." in html_of(again)


def test_two_renders_of_the_form_are_two_requests(
    volunteer: User, case: Case, funded: Account
) -> None:
    client = verified_client(volunteer)
    client.post(url("request", case_id=case.pk), request_form(funded))
    client.post(url("request", case_id=case.pk), request_form(funded))
    assert Disbursement.objects.filter(case=case).count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "1,000", "without commas, spaces or signs"),
        ("amount", "1e3", "without commas, spaces or signs"),
        ("amount", "-5", "without commas, spaces or signs"),
        ("amount", "", "This field is required."),
        ("amount", "50000.5", "Kyat amounts are whole numbers"),
        ("amount", "999999999999", "more than the limit"),
        ("justification", "", "This field is required."),
        ("purpose", "holiday", "Select a valid choice."),
        ("fund", str(uuid.uuid4()), "Choose one of your team's funds."),
        ("once", "", "This form is out of date"),
    ],
)
def test_refused_input_answers_400_with_the_message_and_writes_nothing(
    volunteer: User, case: Case, funded: Account, field: str, value: str, message: str
) -> None:
    events = AuditEvent.objects.count()
    response = verified_client(volunteer).post(
        url("request", case_id=case.pk), request_form(funded, **{field: value})
    )
    assert response.status_code == 400
    assert message in html_of(response)
    assert "Nothing was saved. Please correct what is marked." in html_of(response)
    assert not Disbursement.objects.exists()
    assert AuditEvent.objects.filter(id__gt=events).exclude(action__endswith="view").count() == 0


def test_more_than_the_threshold_for_an_unverified_case_is_refused_with_the_rule(
    volunteer: User, team: Any, funded: Account
) -> None:
    case = CaseFactory.create(team=team, status="accepted", verification="unverified")
    response = verified_client(volunteer).post(
        url("request", case_id=case.pk), request_form(funded, amount="600000")
    )
    assert response.status_code == 409
    assert "Only a verified case may receive more than 500,000 MMK at once" in html_of(response)
    assert not Disbursement.objects.exists()


def test_another_team_cannot_reach_the_request_form(
    outsider: User, case: Case, funded: Account
) -> None:
    client = verified_client(outsider)
    assert client.get(url("request", case_id=case.pk)).status_code == 404
    assert client.post(url("request", case_id=case.pk), request_form(funded)).status_code == 404
    assert not Disbursement.objects.exists()


def test_a_fund_of_another_team_is_not_offered_nor_taken(
    volunteer: User, case: Case, funded: Account, other_team: Any
) -> None:
    theirs = FundFactory.create(team=other_team, name="Theirs")
    give(theirs, 1_000_000)
    client = verified_client(volunteer)
    assert "Theirs" not in html_of(client.get(url("request", case_id=case.pk)))
    response = client.post(url("request", case_id=case.pk), request_form(theirs))
    assert response.status_code == 400 and not Disbursement.objects.exists()


# --- The approval queue -------------------------------------------------------------------------


def test_the_queue_offers_one_tap_approve_and_reject_and_shows_the_threshold(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(volunteer, case, funded)
    response = verified_client(coordinator).get(url("approvals"))
    html = html_of(response)
    assert response.status_code == 200
    assert f'action="{url("approve", disbursement_id=asked.pk)}"' in html
    assert f'action="{url("reject", disbursement_id=asked.pk)}"' in html
    assert "50,000 MMK" in html and case.ref in html
    assert "Above these amounts two different coordinators must approve:" in html
    assert "500,000 MMK" in html and "250.00 USD" in html
    assert "Clinic visit" not in html  # the justification is on the request's own page


def test_a_coordinators_own_request_shows_the_refusal_and_no_approve_button(
    coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(coordinator, case, funded)
    html = html_of(verified_client(coordinator).get(url("approvals")))
    assert OWN in html
    assert url("approve", disbursement_id=asked.pk) not in html
    page = verified_client(coordinator).get(url("disbursement", disbursement_id=asked.pk))
    detail = html_of(page)
    assert OWN in detail and url("approve", disbursement_id=asked.pk) not in detail


def test_the_queue_is_for_coordinators(volunteer: User, outsider: User) -> None:
    assert verified_client(volunteer).get(url("approvals")).status_code == 404


def test_another_teams_coordinator_sees_an_empty_queue(
    volunteer: User, case: Case, funded: Account, other_team: Any
) -> None:
    from supportdesk.accounts.tests.factories import MembershipFactory

    theirs = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    ask(volunteer, case, funded)
    html = html_of(verified_client(theirs).get(url("approvals")))
    assert "No request is waiting for approval." in html and case.ref not in html


def test_approve_from_the_queue_reserves_the_money_once_for_a_double_tap(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(volunteer, case, funded)
    client = verified_client(coordinator)
    form = {"once": once(), "back": "queue"}
    first = client.post(url("approve", disbursement_id=asked.pk), form)
    assert first.status_code == 302 and first["Location"] == url("approvals")
    second = client.post(url("approve", disbursement_id=asked.pk), form, follow=True)
    asked.refresh_from_db()
    assert asked.state == D.APPROVED and asked.reservation is not None
    assert Approval.objects.filter(disbursement=asked).count() == 1
    assert Transfer.objects.filter(flag=Transfer.Flag.PENDING).count() == 1
    assert AuditEvent.objects.filter(action="disbursement.approve").count() == 1
    assert "This was done already" in html_of(second)


def test_a_second_approval_with_a_new_form_is_refused_by_the_state(
    volunteer: User, coordinator: User, second_coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(volunteer, case, funded)
    verified_client(coordinator).post(url("approve", disbursement_id=asked.pk), {"once": once()})
    response = verified_client(second_coordinator).post(
        url("approve", disbursement_id=asked.pk), {"once": once()}
    )
    assert response.status_code == 409
    assert "that step is not possible now" in html_of(response)
    assert Transfer.objects.filter(flag=Transfer.Flag.PENDING).count() == 1


def test_a_volunteer_cannot_approve(volunteer: User, case: Case, funded: Account) -> None:
    asked = ask(volunteer, case, funded)
    other = CaseFactory.create(team=case.team, verification="verified")
    theirs = ask(volunteer, other, funded)
    from supportdesk.accounts.tests.factories import MembershipFactory

    colleague = MembershipFactory.create(team=case.team).user
    for user, target in ((volunteer, asked), (colleague, theirs)):
        response = verified_client(user).post(
            url("approve", disbursement_id=target.pk), {"once": once()}
        )
        assert response.status_code == 409
        assert "Only a coordinator of this team can do that." in html_of(response)
    assert not Approval.objects.exists()
    assert Disbursement.objects.filter(state=D.REQUESTED).count() == 2


def test_a_coordinator_approving_their_own_request_is_refused_with_the_sentence(
    coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(coordinator, case, funded)
    response = verified_client(coordinator).post(
        url("approve", disbursement_id=asked.pk), {"once": once()}
    )
    assert response.status_code == 409 and OWN in html_of(response)
    asked.refresh_from_db()
    assert asked.state == D.REQUESTED and not Approval.objects.exists()


def test_above_the_threshold_two_coordinators_approve(
    volunteer: User, coordinator: User, second_coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(volunteer, case, funded, amount=600_000)
    verified_client(coordinator).post(url("approve", disbursement_id=asked.pk), {"once": once()})
    asked.refresh_from_db()
    assert asked.state == D.REQUESTED
    html = html_of(verified_client(coordinator).get(url("disbursement", disbursement_id=asked.pk)))
    assert "You approved this already" in html
    assert url("approve", disbursement_id=asked.pk) not in html
    assert "1 of 2 approvals" in html
    assert "More than 500,000 MMK: two different coordinators must approve." in html
    verified_client(second_coordinator).post(
        url("approve", disbursement_id=asked.pk), {"once": once()}
    )
    asked.refresh_from_db()
    assert asked.state == D.APPROVED


def test_reject_needs_a_reason(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(volunteer, case, funded)
    client = verified_client(coordinator)
    refused = client.post(url("reject", disbursement_id=asked.pk), {"once": once(), "reason": ""})
    assert refused.status_code == 400 and "This field is required." in html_of(refused)
    asked.refresh_from_db()
    assert asked.state == D.REQUESTED
    done = client.post(
        url("reject", disbursement_id=asked.pk), {"once": once(), "reason": "Paid by family"}
    )
    assert done.status_code == 302
    asked.refresh_from_db()
    assert asked.state == D.REJECTED and asked.decision_reason == "Paid by family"


def test_a_get_of_a_step_shows_the_page_and_writes_nothing(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(volunteer, case, funded)
    response = verified_client(coordinator).get(url("approve", disbursement_id=asked.pk))
    assert response.status_code == 200
    asked.refresh_from_db()
    assert asked.state == D.REQUESTED and not Approval.objects.exists()


def test_a_step_without_the_csrf_token_is_refused(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = ask(volunteer, case, funded)
    client = verified_client(coordinator)
    client.handler.enforce_csrf_checks = True
    response = client.post(url("approve", disbursement_id=asked.pk), {"once": once()})
    assert response.status_code == 403
    assert not Approval.objects.exists()


def test_the_steps_of_another_team_answer_404(
    volunteer: User, coordinator: User, outsider: User, case: Case, funded: Account
) -> None:
    asked = approved(volunteer, coordinator, case, funded)
    client = verified_client(outsider)
    assert client.get(url("disbursement", disbursement_id=asked.pk)).status_code == 404
    for name, body in (
        ("approve", {}),
        ("reject", {"reason": "no"}),
        ("withdraw", {}),
        ("pay", {"method": "cash"}),
        ("confirm", {"by": "recipient"}),
        ("reconcile", {}),
    ):
        response = client.post(url(name, disbursement_id=asked.pk), {"once": once(), **body})
        assert response.status_code == 404, name
    asked.refresh_from_db()
    assert asked.state == D.APPROVED


# --- Payment, confirmation, reconciliation ------------------------------------------------------


def test_a_payment_is_recorded_once_confirmed_and_reconciled(
    volunteer: User, coordinator: User, second_coordinator: User, case: Case, funded: Account
) -> None:
    asked = approved(volunteer, coordinator, case, funded)
    client = verified_client(volunteer)
    page = html_of(client.get(url("disbursement", disbursement_id=asked.pk)))
    assert 'id="pay"' in page and "Clinic visit" in page
    pay = {"once": once(), "method": "mobile_wallet", "reference": "KPAY-778"}
    assert client.post(url("pay", disbursement_id=asked.pk), pay).status_code == 302
    twice = client.post(url("pay", disbursement_id=asked.pk), pay)
    assert twice.status_code == 302
    asked.refresh_from_db()
    assert asked.state == D.PAID and asked.paid_by == volunteer
    assert asked.payment_reference == "KPAY-778"
    assert Transfer.objects.filter(flag=Transfer.Flag.POST_PENDING).count() == 1
    funded.refresh_from_db()
    assert funded.balance == 2_000_000 - 50_000 and funded.reserved == 0
    again = client.post(url("pay", disbursement_id=asked.pk), {**pay, "once": once()})
    assert again.status_code == 409 and "that step is not possible now" in html_of(again)
    assert Transfer.objects.filter(flag=Transfer.Flag.POST_PENDING).count() == 1

    html = html_of(client.get(url("disbursement", disbursement_id=asked.pk)))
    assert "KPAY-778" in html and "Mobile wallet" in html and volunteer.username in html
    confirmed = client.post(
        url("confirm", disbursement_id=asked.pk), {"once": once(), "by": "witness"}
    )
    assert confirmed.status_code == 302
    asked.refresh_from_db()
    assert asked.state == D.CONFIRMED and asked.confirmed_by == "witness"
    html = html_of(client.get(url("disbursement", disbursement_id=asked.pk)))
    assert "A coordinator who did not pay it reconciles it." in html
    verified_client(second_coordinator).post(
        url("reconcile", disbursement_id=asked.pk), {"once": once()}
    )
    asked.refresh_from_db()
    assert asked.state == D.RECONCILED and asked.reconciled_by == second_coordinator


def test_the_payer_cannot_reconcile_and_is_told_why(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = approved(volunteer, coordinator, case, funded)
    asked = service.disbursement_pay(actor=coordinator, disbursement=asked, method="cash")
    asked = service.disbursement_confirm(actor=coordinator, disbursement=asked, by="recipient")
    client = verified_client(coordinator)
    html = html_of(client.get(url("disbursement", disbursement_id=asked.pk)))
    assert "You paid this money: another coordinator reconciles it." in html
    assert url("reconcile", disbursement_id=asked.pk) not in html
    refused = client.post(url("reconcile", disbursement_id=asked.pk), {"once": once()})
    assert refused.status_code == 409
    asked.refresh_from_db()
    assert asked.state == D.CONFIRMED


def test_a_payment_with_a_bad_method_answers_400_and_pays_nothing(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = approved(volunteer, coordinator, case, funded)
    response = verified_client(volunteer).post(
        url("pay", disbursement_id=asked.pk), {"once": once(), "method": "gold", "reference": ""}
    )
    assert response.status_code == 400 and "Select a valid choice." in html_of(response)
    asked.refresh_from_db()
    assert asked.state == D.APPROVED
    assert not Transfer.objects.filter(flag=Transfer.Flag.POST_PENDING).exists()


def test_the_same_form_key_with_other_values_is_refused_naming_them(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = approved(volunteer, coordinator, case, funded)
    client = verified_client(volunteer)
    key = once()
    client.post(url("pay", disbursement_id=asked.pk), {"once": key, "method": "cash"})
    other = client.post(url("pay", disbursement_id=asked.pk), {"once": key, "method": "bank"})
    assert other.status_code == 409 and "method differ" in html_of(other)
    asked.refresh_from_db()
    assert asked.payment_method == "cash"


def test_the_requester_withdraws_and_the_money_is_free_again(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = approved(volunteer, coordinator, case, funded)
    response = verified_client(volunteer).post(
        url("withdraw", disbursement_id=asked.pk), {"once": once()}
    )
    assert response.status_code == 302
    funded.refresh_from_db()
    asked.refresh_from_db()
    assert asked.state == D.WITHDRAWN and funded.reserved == 0


def test_the_list_of_requests_in_a_state(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    asked = approved(volunteer, coordinator, case, funded)
    html = html_of(verified_client(volunteer).get(url("disbursements") + "?state=approved&mine=1"))
    assert url("disbursement", disbursement_id=asked.pk) in html
    html = html_of(verified_client(volunteer).get(url("disbursements") + "?state=paid"))
    assert url("disbursement", disbursement_id=asked.pk) not in html


# --- Donations ----------------------------------------------------------------------------------


def donation_form(chosen: Account, **overrides: object) -> dict[str, object]:
    form = {
        "fund": str(chosen.pk),
        "channel": "bank_transfer",
        "amount": "၅၀၀၀၀",
        "received_on": TODAY,
        "reference": "KBZ-1",
        "donor_name": "Daw Hla",
        "donor_contact": "",
        "once": once(),
    }
    return {**form, **overrides}


def test_donations_are_for_coordinators(volunteer: User, fund: Account) -> None:
    client = verified_client(volunteer)
    assert client.get(url("donations")).status_code == 404
    assert client.post(url("donation_record"), donation_form(fund)).status_code == 404
    assert client.get(url("donation_import")).status_code == 404
    assert not Donation.objects.exists()


def test_a_coordinator_records_a_donation_once_and_the_list_shows_no_donor(
    coordinator: User, fund: Account
) -> None:
    client = verified_client(coordinator)
    form = donation_form(fund)
    assert client.post(url("donation_record"), form).status_code == 302
    assert client.post(url("donation_record"), form).status_code == 302
    donation = Donation.objects.get()
    assert donation.amount == 50_000 and donation.donor is not None
    html = html_of(client.get(url("donations")))
    assert "50,000 MMK" in html and "Bank transfer" in html
    assert "Daw Hla" not in html and "KBZ-1" not in html


def test_a_reference_recorded_before_is_refused_on_its_field(
    coordinator: User, fund: Account
) -> None:
    client = verified_client(coordinator)
    client.post(url("donation_record"), donation_form(fund))
    response = client.post(url("donation_record"), donation_form(fund, reference="kbz-1"))
    assert response.status_code == 400
    assert "A donation with this reference was recorded already." in html_of(response)
    assert Donation.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "1 000", "without commas, spaces or signs"),
        ("amount", "NaN", "without commas, spaces or signs"),
        ("amount", "\uff11\uff10\uff10\uff10", "without commas, spaces or signs"),  # full-width
        ("received_on", "2999-01-01", "The date is in the future."),
        ("received_on", "yesterday", "Enter a valid date."),
        ("channel", "crypto", "Select a valid choice."),
    ],
)
def test_a_refused_donation_answers_400_and_writes_nothing(
    coordinator: User, fund: Account, field: str, value: str, message: str
) -> None:
    response = verified_client(coordinator).post(
        url("donation_record"), donation_form(fund, **{field: value})
    )
    assert response.status_code == 400 and message in html_of(response)
    assert not Donation.objects.exists() and not Donor.objects.exists()


def test_a_donation_page_records_its_reads_and_forgets_the_donor(
    coordinator: User, fund: Account
) -> None:
    donation = donations.donation_record(
        actor=coordinator,
        fund=fund,
        channel="cash",
        amount=20_000,
        received_on=datetime.date.today(),
        reference="CASH-9",
        donor_name="U Ba",
        donor_contact="09 777",
    )
    client = verified_client(coordinator)
    html = html_of(client.get(url("donation", donation_id=donation.pk)))
    assert "U Ba" in html and "CASH-9" in html
    assert AuditEvent.objects.filter(action="donor.view", actor_id=coordinator.pk).exists()
    response = client.post(url("donor_forget", donation_id=donation.pk), {"once": once()})
    assert response.status_code == 302
    html = html_of(client.get(url("donation", donation_id=donation.pk)))
    assert "U Ba" not in html and "Forgotten at the donor's request." in html
    assert "20,000 MMK" in html
    donor = Donor.objects.get(pk=donation.donor_id)
    assert str(donor.name) == "[shredded]"
    assert AuditEvent.objects.filter(action="donor.forget", object_id=donor.pk.hex).count() == 1
    again = client.post(url("donor_forget", donation_id=donation.pk), {"once": once()})
    assert again.status_code == 409 and Donation.objects.filter(pk=donation.pk).exists()


def test_another_team_cannot_open_or_forget_a_donation(
    coordinator: User, fund: Account, other_team: Any
) -> None:
    from supportdesk.accounts.tests.factories import MembershipFactory

    donation = donations.donation_record(
        actor=coordinator,
        fund=fund,
        channel="cash",
        amount=20_000,
        received_on=datetime.date.today(),
        donor_name="U Ba",
    )
    theirs = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    client = verified_client(theirs)
    assert client.get(url("donation", donation_id=donation.pk)).status_code == 404
    response = client.post(url("donor_forget", donation_id=donation.pk), {"once": once()})
    assert response.status_code == 404
    assert str(Donor.objects.get().name) == "U Ba"


CSV = (
    "date,channel,amount,currency,reference,donor_name\n"
    f"{TODAY},cash,1000,MMK,CSV-1,Ko Aung\n"
    f"{TODAY},bank_transfer,2500,MMK,CSV-2,\n"
    f"{TODAY},cash,300,MMK,CSV-1,\n"
)


def upload(client: Client, fund: Account, content: str) -> Any:
    file = SimpleUploadedFile("donations.csv", content.encode(), content_type="text/csv")
    return client.post(url("donation_import"), {"fund": str(fund.pk), "file": file})


def test_an_import_is_previewed_then_confirmed_once(coordinator: User, fund: Account) -> None:
    client = verified_client(coordinator)
    preview = upload(client, fund, CSV)
    html = html_of(preview)
    assert preview.status_code == 200 and not Donation.objects.exists()
    assert "2 donations will be recorded." in html and "1 duplicate is skipped." in html
    assert "Duplicate reference: skipped" in html and "Ko Aung" not in html
    confirm = preview.context["confirm"]
    form = {
        "fund": str(fund.pk),
        "content": confirm.initial["content"],
        "once": str(confirm.initial["once"]),
    }
    done = client.post(url("donation_import_confirm"), form, follow=True)
    assert "2 donations recorded; 1 duplicates skipped." in html_of(done)
    client.post(url("donation_import_confirm"), form)
    assert Donation.objects.count() == 2


def test_an_import_with_bad_rows_shows_them_and_offers_no_confirmation(
    coordinator: User, fund: Account
) -> None:
    bad = CSV + f"{TODAY},cash,1e3,MMK,CSV-3,\n{TODAY},gift,100,USD,,\n"
    response = upload(verified_client(coordinator), fund, bad)
    html = html_of(response)
    assert "2 rows have mistakes" in html
    assert "amount: Write the amount in digits only" in html
    assert "currency: This fund holds MMK only." in html and "channel: Unknown channel" in html
    assert 'id="confirm-import"' not in html and not Donation.objects.exists()


def test_a_malformed_file_answers_400_on_the_file_field(coordinator: User, fund: Account) -> None:
    response = upload(verified_client(coordinator), fund, "date,amount\n2026-01-01,5\n")
    assert response.status_code == 400
    assert "The file needs the columns channel, currency." in html_of(response)
    assert not Donation.objects.exists()


def test_a_confirmation_with_a_bad_file_writes_nothing(coordinator: User, fund: Account) -> None:
    import base64

    bad = base64.b64encode(f"date,channel,amount,currency\n{TODAY},cash,-1,MMK\n".encode())
    response = verified_client(coordinator).post(
        url("donation_import_confirm"),
        {"fund": str(fund.pk), "content": bad.decode(), "once": once()},
    )
    assert response.status_code == 400 and not Donation.objects.exists()
    response = verified_client(coordinator).post(
        url("donation_import_confirm"), {"fund": str(fund.pk), "content": "%%%", "once": once()}
    )
    assert response.status_code == 400 and "The file was lost on the way" in html_of(response)


# --- Balances and charts ------------------------------------------------------------------------


def test_the_funds_page_shows_balances_and_charts(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    paid = approved(volunteer, coordinator, case, funded)
    service.disbursement_pay(actor=volunteer, disbursement=paid, method="cash")
    approved(volunteer, coordinator, case, funded)  # set aside, not paid
    response = verified_client(volunteer).get(url("overview"))
    html = html_of(response)
    assert response.status_code == 200
    assert "General kyat" in html
    assert "1,900,000 MMK" in html  # available: 2,000,000 less one paid and one set aside
    assert "50,000 MMK" in html  # set aside
    assert html.count("<svg") == 2 and "style=" not in html.split("<main>")[1]
    assert "Money in" in html and "Money out" in html and "Medical" in html


def test_the_funds_page_in_burmese_shows_lakhs(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    page = html_of(verified_client(volunteer).get(url("overview"), HTTP_ACCEPT_LANGUAGE="my"))
    assert "၂၀ သိန်း" in page  # 2,000,000 kyat available
    assert "2,000,000" not in page


def test_another_team_sees_no_fund(outsider: User, funded: Account) -> None:
    html = html_of(verified_client(outsider).get(url("overview")))
    assert "General kyat" not in html and "Your teams have no fund yet." in html


# --- Home ---------------------------------------------------------------------------------------


def test_home_panels_count_what_waits(
    volunteer: User, coordinator: User, case: Case, funded: Account
) -> None:
    late = ask(volunteer, case, funded)
    Disbursement.objects.filter(pk=late.pk).update(
        created_at=late.created_at - datetime.timedelta(hours=30)
    )
    ask(volunteer, case, funded)
    ask(coordinator, case, funded)  # their own: not waiting on them
    paid = approved(volunteer, coordinator, case, funded)
    service.disbursement_pay(actor=volunteer, disbursement=paid, method="cash")
    approved(volunteer, coordinator, case, funded)
    home = html_of(verified_client(coordinator).get(reverse("home")))
    assert "Requests waiting too long for approval" in home
    assert "Requests waiting for approval" in home
    assert "Paid, receipt not confirmed yet" in home
    panel = home.split("Requests waiting too long for approval")[0].rsplit("<li", 1)[1]
    assert 'class="urgent"' in panel and '<span class="count">1</span>' in panel
    mine = html_of(verified_client(volunteer).get(reverse("home")))
    assert "Your requests approved, not paid yet" in mine


# --- Queries ------------------------------------------------------------------------------------


def queries(django_assert_max_num_queries: Any, client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["approvals", "donations", "disbursements", "case"])
def test_lists_cost_the_same_queries_for_1_and_10_rows(
    django_assert_max_num_queries: Any,
    volunteer: User,
    coordinator: User,
    case: Case,
    funded: Account,
    page: str,
) -> None:
    def add() -> None:
        if page == "donations":
            donations.donation_record(
                actor=coordinator,
                fund=funded,
                channel="cash",
                amount=1_000,
                received_on=datetime.date.today(),
                donor_name="Someone",
            )
        elif page == "disbursements":
            approved(volunteer, coordinator, case, funded)
        else:
            ask(volunteer, case, funded)

    path = {
        "approvals": url("approvals"),
        "donations": url("donations"),
        "disbursements": url("disbursements") + "?state=approved",
        "case": reverse("cases:detail", args=[case.pk]),
    }[page]
    client = verified_client(coordinator)
    add()
    client.get(path)  # warm: the session, the translations
    one = queries(django_assert_max_num_queries, client, path)
    for _ in range(9):
        add()
    ten = queries(django_assert_max_num_queries, client, path)
    assert ten == one, f"{page}: {one} queries for 1 row, {ten} for 10"
