"""Every funds endpoint and page for every persona: the team's volunteer and coordinator act (or
are told why not); another team's volunteer and coordinator and an administrator get 404 and
change nothing; anonymous requests are refused (the harness: tests/access_matrix.py). A new
endpoint or page without a row here fails `test_every_route_has_a_row`."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import CaseEvent
from funds import api_urls, urls
from funds.models import Approval, Disbursement, Donation, Transfer
from funds.services import disbursements as service
from funds.services import donations
from funds.tests.conftest import give
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import token_client
from tests.access_matrix import OTHERS, ApiMatrix, PageMatrix, Row, persona, their_own

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()


CSV = f"date,channel,amount,currency,reference\n{TODAY},cash,1000,MMK,CSV-1\n"
API_ROWS = [
    Row("funds-fund", "get", "{fund}/", None, 200, 200),
    Row("funds-transfers", "get", "{fund}/transfers/", None, 200, 200),
    Row(
        "funds-transfer-reverse",
        "post",
        "transfers/{gift}/reverse/",
        {"reason": "Recorded twice"},
        409,
        201,
    ),
    Row("funds-donation", "get", "donations/{donation}/", None, 404, 200),
    Row("funds-donor-forget", "post", "donations/{donation}/forget-donor/", {}, 404, 200),
    Row("funds-disbursement", "get", "disbursements/{requested}/", None, 200, 200),
    Row("funds-disbursement-approve", "post", "disbursements/{requested}/approve/", {}, 409, 200),
    Row(
        "funds-disbursement-reject",
        "post",
        "disbursements/{requested}/reject/",
        {"reason": "Not needed"},
        409,
        200,
    ),
    Row("funds-disbursement-withdraw", "post", "disbursements/{requested}/withdraw/", {}, 409, 200),
    Row(
        "funds-disbursement-pay",
        "post",
        "disbursements/{approved}/pay/",
        {"method": "cash"},
        200,
        200,
    ),
    Row(
        "funds-disbursement-confirm",
        "post",
        "disbursements/{paid}/confirm/",
        {"by": "witness"},
        200,
        200,
    ),
    Row(
        "funds-disbursement-reconcile", "post", "disbursements/{confirmed}/reconcile/", {}, 409, 200
    ),
]
# Collections and reports: scoped to the user's teams (tested below), and creation in a fund of
# one's own team (another team's fund is a bad field: 400).
COLLECTIONS = {
    "funds",
    "funds-donations",
    "funds-disbursements",
    "funds-donations-import-preview",
    "funds-donations-import",
    "funds-report-balances",
    "funds-report-monthly",
    "funds-report-monthly-csv",
    "funds-report-aid",
}


# The pages (funds/urls.py), under /funds/. A step's address shows the request with its form open
# on GET; on POST it answers 302 when done, 400 for refused input, 409 for a broken rule. Every
# form that moves money carries a one-time key (`once`). Lists and forms with no object of the
# team answer other teams with their own teams' page; donations are for coordinators only.
ONCE = "00000000-0000-4000-8000-000000000001"
EVERYONE = their_own(outsider=200, other_coordinator=200, administrator=200)
COORDINATORS = their_own(outsider=404, other_coordinator=200, administrator=404)
STEPS = {
    "approve": "disbursements/{requested}/",
    "reject": "disbursements/{requested}/",
    "withdraw": "disbursements/{requested}/",
    "pay": "disbursements/{approved}/",
    "confirm": "disbursements/{paid}/",
    "reconcile": "disbursements/{confirmed}/",
}
PAGE_ROWS = [
    Row("overview", "get", "", None, 200, 200, EVERYONE),
    Row("approvals", "get", "approvals/", None, 404, 200, COORDINATORS),
    Row("disbursements", "get", "disbursements/", None, 200, 200, EVERYONE),
    Row("donations", "get", "donations/", None, 404, 200, COORDINATORS),
    Row("donation_import", "get", "donations/import/", None, 404, 200, COORDINATORS),
    *[
        Row(
            name,
            "post",
            path,
            {},
            404,
            400,
            their_own(outsider=404, other_coordinator=400, administrator=404),
        )
        for name, path in [
            ("donation_record", "donations/new/"),
            ("donation_import", "donations/import/"),
            ("donation_import_confirm", "donations/import/confirm/"),
        ]
    ],
    Row("request", "get", "cases/{case}/request/", None, 200, 200),
    Row(
        "request",
        "post",
        "cases/{case}/request/",
        {
            "once": ONCE,
            "fund": "{fund}",
            "purpose": "food",
            "amount": "5",
            "justification": "Rice",
        },
        302,
        302,
    ),
    Row("disbursement", "get", "disbursements/{requested}/", None, 200, 200),
    *[Row(name, "get", f"{path}{name}/", None, 200, 200) for name, path in STEPS.items()],
    Row("approve", "post", STEPS["approve"] + "approve/", {"once": ONCE}, 409, 302),
    Row(
        "reject",
        "post",
        STEPS["reject"] + "reject/",
        {"once": ONCE, "reason": "Not needed"},
        409,
        302,
    ),
    Row("withdraw", "post", STEPS["withdraw"] + "withdraw/", {"once": ONCE}, 409, 302),
    Row("pay", "post", STEPS["pay"] + "pay/", {"once": ONCE, "method": "cash"}, 302, 302),
    Row(
        "confirm", "post", STEPS["confirm"] + "confirm/", {"once": ONCE, "by": "witness"}, 302, 302
    ),
    Row("reconcile", "post", STEPS["reconcile"] + "reconcile/", {"once": ONCE}, 409, 302),
    Row("donation", "get", "donations/{donation}/", None, 404, 200),
    Row("donor_forget", "get", "donations/{donation}/forget-donor/", None, 404, 200),
    Row(
        "donor_forget",
        "post",
        "donations/{donation}/forget-donor/",
        {"once": ONCE},
        404,
        302,
    ),
]


@pytest.fixture
def world(team, volunteer, coordinator, second_coordinator, fund, case) -> dict:
    drafter = MembershipFactory.create(team=team, user__username="drafter").user
    give(fund, 1_000_000)
    gift = give(fund, 50_000)  # the transfer a coordinator corrects
    donation = donations.donation_record(
        actor=coordinator,
        fund=fund,
        channel="cash",
        amount=10_000,
        received_on=datetime.date.today(),
        reference="GIFT-1",
        donor_name="U Maung",
    )

    def asked() -> Disbursement:
        return service.disbursement_request(
            actor=drafter,
            case=case,
            fund=fund,
            purpose="food",
            amount=20_000,
            justification="Rice",
        )

    approved = service.disbursement_approve(actor=second_coordinator, disbursement=asked())
    paid = service.disbursement_approve(actor=second_coordinator, disbursement=asked())
    service.disbursement_pay(actor=drafter, disbursement=paid, method="cash")
    confirmed = service.disbursement_approve(actor=second_coordinator, disbursement=asked())
    service.disbursement_pay(actor=drafter, disbursement=confirmed, method="cash")
    service.disbursement_confirm(actor=drafter, disbursement=confirmed, by="recipient")
    return {
        "team": team,
        "fund": fund,
        "case": case,
        "gift": gift,
        "donation": donation,
        "requested": asked(),
        "approved": approved,
        "paid": paid,
        "confirmed": confirmed,
    }


def snapshot() -> tuple[object, ...]:
    return (
        CaseEvent.objects.count(),
        Transfer.objects.count(),
        Donation.objects.count(),
        Approval.objects.count(),
        sorted(Disbursement.objects.values_list("pk", "state")),
    )


class TestFundsApi(ApiMatrix):
    prefix = "/api/v1/funds/"
    urlpatterns = api_urls.urlpatterns
    rows = API_ROWS
    without_rows = COLLECTIONS
    snapshot = staticmethod(snapshot)

    def headers(self) -> dict[str, str]:
        return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


class TestFundsPages(PageMatrix):
    prefix = "/funds/"
    urlpatterns = urls.urlpatterns
    rows = PAGE_ROWS
    snapshot = staticmethod(snapshot)


@pytest.mark.parametrize("who", OTHERS)
def test_collections_show_others_nothing_and_take_no_foreign_fund(world, who, request) -> None:
    api = token_client(persona(who, request))
    for path in ("", "donations/", "disbursements/"):
        assert api.get(f"/api/v1/funds/{path}").json()["count"] == 0
    assert api.get("/api/v1/funds/reports/balances/").json() == []
    assert api.get("/api/v1/funds/reports/aid-per-case/").json() == []
    assert api.get("/api/v1/funds/reports/monthly/").json() == {"money_in": [], "money_out": []}
    assert api.get("/api/v1/funds/reports/monthly.csv").content.count(b"\n") == 1  # header
    before = snapshot()
    fund = str(world["fund"].pk)
    posts = [
        (
            "donations/",
            {"fund": fund, "channel": "cash", "amount": "5", "received_on": TODAY},
            "fund",
        ),
        (
            "disbursements/",
            {
                "case": str(world["case"].pk),
                "fund": fund,
                "purpose": "food",
                "amount": "5",
                "justification": "x",
            },
            "case",
        ),
        ("", {"team": str(world["team"].pk), "name": "Mine", "currency": "MMK"}, "team"),
    ]
    for path, body, field in posts:
        answer = api.post(
            f"/api/v1/funds/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY="k-" + path
        )
        assert answer.status_code == 400 and field in answer.json(), answer.content
    for path in ("donations/import/preview/", "donations/import/"):
        answer = api.post(
            f"/api/v1/funds/{path}",
            {"fund": fund, "file": SimpleUploadedFile("d.csv", CSV.encode())},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="k-import",
        )
        assert answer.status_code == 400 and "fund" in answer.json()
    assert snapshot() == before


def test_the_teams_lists_and_reports(world, volunteer, coordinator) -> None:
    api = token_client(volunteer)
    assert api.get("/api/v1/funds/").json()["count"] == 1
    assert api.get("/api/v1/funds/disbursements/?state=approved").json()["count"] == 1
    assert api.get("/api/v1/funds/donations/").json()["count"] == 0  # coordinators only
    assert token_client(coordinator).get("/api/v1/funds/donations/").json()["count"] == 1
    balances = api.get("/api/v1/funds/reports/balances/").json()
    assert balances[0]["available"]["amount_minor"] == 1_060_000 - 40_000 - 20_000
    aid = api.get("/api/v1/funds/reports/aid-per-case/").json()
    assert [(row["total"], row["count"]) for row in aid] == [(40_000, 2)]
    monthly = api.get("/api/v1/funds/reports/monthly/").json()
    assert {row["channel"] for row in monthly["money_in"]} == {"cash"}
    assert monthly["money_out"][0]["purpose"] == "food"
