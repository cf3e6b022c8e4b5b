"""Every funds endpoint for every persona: the team's volunteer and coordinator act (or are told
why not); another team's volunteer and coordinator and an administrator get 404 and change
nothing. A new endpoint without a row here fails `test_every_funds_endpoint_has_a_row`."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import CaseEvent
from funds.api_urls import urlpatterns
from funds.models import Approval, Disbursement, Donation, Transfer
from funds.services import disbursements as service
from funds.services import donations
from funds.tests.conftest import give
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()


@dataclass(frozen=True)
class Row:
    name: str  # the route name in funds/api_urls.py
    method: str
    path: str  # formatted with the world below
    body: dict | None
    volunteer: int
    coordinator: int
    upload: bool = False


CSV = f"date,channel,amount,currency,reference\n{TODAY},cash,1000,MMK,CSV-1\n"
ROWS = [
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


def call(user: User, row: Row, world: dict):
    ids = {key: str(getattr(value, "pk", value)) for key, value in world.items()}
    client = token_client(user)
    path = f"/api/v1/funds/{row.path.format(**ids)}"
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    if row.upload:
        body = {**(row.body or {}), "file": SimpleUploadedFile("d.csv", CSV.encode())}
        return getattr(client, row.method)(path, body, format="multipart", **key)
    return getattr(client, row.method)(path, row.body, format="json", **key)


def test_every_funds_endpoint_has_a_row() -> None:
    routed = {pattern.name for pattern in urlpatterns}
    assert routed == {row.name for row in ROWS} | COLLECTIONS


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_the_teams_volunteer(row: Row, world, volunteer) -> None:
    response = call(volunteer, row, world)
    assert response.status_code == row.volunteer, response.content


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_the_teams_coordinator(row: Row, world, coordinator) -> None:
    response = call(coordinator, row, world)
    assert response.status_code == row.coordinator, response.content


def snapshot() -> tuple:
    return (
        CaseEvent.objects.count(),
        Transfer.objects.count(),
        Donation.objects.count(),
        Approval.objects.count(),
        sorted(Disbursement.objects.values_list("pk", "state")),
    )


@pytest.mark.parametrize("persona", ["outsider", "other_coordinator", "administrator"])
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_everyone_else_gets_404_and_changes_nothing(
    row: Row, persona: str, world, request, other_team
) -> None:
    if persona == "other_coordinator":
        user = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    else:
        user = request.getfixturevalue(persona)
    before = snapshot()
    response = call(user, row, world)
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found."}
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["outsider", "other_coordinator", "administrator"])
def test_collections_show_others_nothing_and_take_no_foreign_fund(
    world, persona, request, other_team
) -> None:
    if persona == "other_coordinator":
        user = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    else:
        user = request.getfixturevalue(persona)
    api = token_client(user)
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
