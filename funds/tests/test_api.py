"""The API of money: idempotent retries, bad input answered per field, rules in sentences."""

from __future__ import annotations

import pytest

from funds.models import Disbursement, Donation, Transfer
from funds.services import disbursements as service
from funds.tests.conftest import give
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db
API = "/api/v1/funds/"


@pytest.fixture
def approved(volunteer, coordinator, case, fund) -> Disbursement:
    give(fund, 100_000)
    asked = service.disbursement_request(
        actor=volunteer,
        case=case,
        fund=fund,
        purpose="travel",
        amount=30_000,
        justification="Bus to the border",
    )
    return service.disbursement_approve(actor=coordinator, disbursement=asked)


def pay(client, disbursement, body, key="pay-1"):
    return client.post(
        f"{API}disbursements/{disbursement.pk}/pay/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_retried_payment_returns_the_first_answer_and_pays_once(volunteer, approved, fund):
    api = token_client(volunteer)
    first = pay(api, approved, {"method": "agent", "reference": "AG-9"})
    again = pay(api, approved, {"method": "agent", "reference": "AG-9"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Transfer.objects.filter(flag="post_pending").count() == 1
    fund.refresh_from_db()
    assert fund.balance == 70_000


def test_the_same_key_with_another_body_is_refused_naming_what_differs(volunteer, approved):
    api = token_client(volunteer)
    pay(api, approved, {"method": "agent", "reference": "AG-9"})
    other = pay(api, approved, {"method": "bank", "reference": "AG-9"})
    assert other.status_code == 409
    assert "method differ" in other.json()["detail"]
    assert "AG-9" not in other.json()["detail"]


def test_a_refused_request_keeps_no_answer_and_can_be_retried(volunteer, coordinator, approved):
    api = token_client(volunteer)
    service.disbursement_withdraw(actor=coordinator, disbursement=approved)
    assert pay(api, approved, {"method": "cash"}).status_code == 409
    assert pay(api, approved, {"method": "cash"}).status_code == 409  # run again, same refusal


def test_money_moves_need_an_idempotency_key(volunteer, approved):
    answer = token_client(volunteer).post(
        f"{API}disbursements/{approved.pk}/pay/", {"method": "cash"}, format="json"
    )
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["detail"]
    assert Disbursement.objects.get(pk=approved.pk).state == "approved"


FULL_WIDTH_1000 = "\uff11\uff10\uff10\uff10"


@pytest.mark.parametrize("amount", ["1e3", "NaN", "-5", "1,000", FULL_WIDTH_1000, "", 12.5, None])
def test_a_bad_amount_is_a_400_on_its_field_and_writes_nothing(volunteer, case, fund, amount):
    answer = token_client(volunteer).post(
        f"{API}disbursements/",
        {
            "case": str(case.pk),
            "fund": str(fund.pk),
            "purpose": "food",
            "amount": amount,
            "justification": "Rice",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="bad",
    )
    assert answer.status_code == 400 and "amount" in answer.json(), answer.content
    assert Disbursement.objects.count() == 0


def test_a_request_in_myanmar_digits_is_recorded_and_its_detail_shown(volunteer, case, fund):
    api = token_client(volunteer)
    body = {
        "case": str(case.pk),
        "fund": str(fund.pk),
        "purpose": "food",
        "amount": "၅၀၀၀၀",
        "justification": "Rice",
    }
    made = api.post(f"{API}disbursements/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert made.status_code == 201 and made.json()["amount_minor"] == 50_000
    assert "justification" not in made.json()  # kept for retries: nothing decrypted
    assert (
        api.post(f"{API}disbursements/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1").json()
        == made.json()
    )
    assert Disbursement.objects.count() == 1
    detail = api.get(f"{API}disbursements/{made.json()['id']}/").json()
    assert detail["justification"] == "Rice"


def test_self_approval_through_the_api_is_a_sentence(coordinator, case, fund):
    give(fund, 100_000)
    api = token_client(coordinator)
    made = api.post(
        f"{API}disbursements/",
        {
            "case": str(case.pk),
            "fund": str(fund.pk),
            "purpose": "food",
            "amount": "1000",
            "justification": "Rice",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="own",
    ).json()
    answer = api.post(
        f"{API}disbursements/{made['id']}/approve/",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="own-approve",
    )
    assert answer.status_code == 409
    assert "another coordinator must approve" in answer.json()["detail"]


def test_a_donation_twice_and_a_duplicate_reference(coordinator, fund):
    api = token_client(coordinator)
    body = {
        "fund": str(fund.pk),
        "channel": "mobile_wallet",
        "amount": "25000",
        "received_on": "2026-01-05",
        "reference": "KPAY-1",
    }
    assert (
        api.post(f"{API}donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="d1").status_code
        == 201
    )
    assert (
        api.post(f"{API}donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="d1").status_code
        == 201
    )  # the retry
    again = api.post(f"{API}donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="d2")
    assert again.status_code == 409 and "recorded already" in again.json()["detail"]
    assert Donation.objects.count() == 1


def test_the_monthly_export_is_audited(coordinator, fund):
    from supportdesk.audit.models import AuditEvent

    give(fund, 1)
    body = token_client(coordinator).get(f"{API}reports/monthly.csv").content.decode()
    assert body.splitlines()[0].startswith("direction,month")
    assert AuditEvent.objects.filter(action="export.csv", object_id=fund.pk.hex).exists()


def test_the_schema_lists_the_funds_routes(coordinator):
    schema = token_client(coordinator).get("/api/schema/").content.decode()
    assert "/api/v1/funds/disbursements/{disbursement_id}/approve/" in schema
    assert "Idempotency-Key" in schema
