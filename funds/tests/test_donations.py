"""Donations one by one and from CSV: references recorded once, imports all or nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from funds.checks import ledger_problems
from funds.models import Donation, Donor
from funds.services import donations as service
from supportdesk.accounts import scope
from supportdesk.errors import NotFound

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()


def record(coordinator, fund, reference="TXN-1", **kwargs):
    return service.donation_record(
        actor=coordinator,
        fund=fund,
        channel="bank_transfer",
        amount=100_000,
        received_on=datetime.date.today(),
        reference=reference,
        **kwargs,
    )


def test_a_donation_fills_the_fund_and_seals_the_donor(coordinator, fund) -> None:
    donation = record(coordinator, fund, donor_name="Daw Khin", donor_contact="+66812345678")
    fund.refresh_from_db()
    assert fund.balance == 100_000
    donor = Donor.objects.get(pk=donation.donor_id)
    assert (donor.name, donor.contact) == ("Daw Khin", "+66812345678")
    stored = Donor.objects.filter(pk=donor.pk).values_list("name", flat=True).get()
    assert b"Daw Khin" not in bytes(stored)
    assert ledger_problems() == []


def test_an_anonymous_donation_has_no_donor(coordinator, fund) -> None:
    assert record(coordinator, fund, reference="").donor_id is None


def test_the_same_reference_is_never_recorded_twice(coordinator, fund) -> None:
    record(coordinator, fund, reference="TXN-77")
    with pytest.raises(service.DuplicateReference):
        record(coordinator, fund, reference=" txn-77 ")
    assert Donation.objects.count() == 1
    fund.refresh_from_db()
    assert fund.balance == 100_000


def test_only_a_coordinator_of_the_team_records(volunteer, outsider, fund) -> None:
    with pytest.raises(scope.NotCoordinator):
        record(volunteer, fund)
    with pytest.raises(NotFound):
        record(outsider, fund)


def csv_of(*lines: str) -> bytes:
    return ("date,channel,amount,currency,reference,donor_name\n" + "\n".join(lines)).encode()


def test_an_import_previews_rows_and_reports_duplicates(coordinator, fund) -> None:
    record(coordinator, fund, reference="OLD-1")
    content = csv_of(
        f"{TODAY},bank_transfer,50000,MMK,NEW-1,U Ba",
        f"{TODAY},cash,၁၀၀၀၀,MMK,,",
        f"{TODAY},bank_transfer,50000,MMK,old-1,",
        f"{TODAY},bank_transfer,50000,MMK,NEW-1,",
    )
    preview = service.donations_import_preview(actor=coordinator, fund=fund, content=content)
    assert [row.status for row in preview.rows] == ["ok", "ok", "duplicate", "duplicate"]
    assert Donation.objects.count() == 1  # a preview writes nothing
    result = service.donations_import(actor=coordinator, fund=fund, content=content)
    assert [row.number for row in result.duplicates] == [4, 5]
    fund.refresh_from_db()
    assert fund.balance == 160_000 and Donation.objects.count() == 3


def test_one_bad_row_and_nothing_is_written(coordinator, fund) -> None:
    content = csv_of(
        f"{TODAY},bank_transfer,50000,MMK,A-1,",
        f"{TODAY},bank_transfer,1e3,MMK,A-2,",
        f"{TODAY},carrier_pigeon,5,USD,A-3,",
    )
    preview = service.donations_import_preview(actor=coordinator, fund=fund, content=content)
    assert preview.rows[1].errors.keys() == {"amount"}
    assert preview.rows[2].errors.keys() == {"channel", "currency"}
    with pytest.raises(ValidationError) as refused:
        service.donations_import(actor=coordinator, fund=fund, content=content)
    assert set(refused.value.message_dict) == {"row 3", "row 4"}
    assert Donation.objects.count() == 0
    fund.refresh_from_db()
    assert fund.balance == 0


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\xff\xfe not utf8", "UTF-8"),
        (b"name,value\nx,1\n", "needs the columns"),
        (b"date,channel,amount,currency\n", "no donations"),
        (b"date,channel,amount,currency\n2024-01-01,cash,5,MMK,extra\n", "more cells"),
        (b'date,channel,amount,currency\n"2024-01-01,cash,5,MMK\n', "readable CSV"),
    ],
)
def test_a_malformed_file_is_refused_whole(coordinator, fund, content, said) -> None:
    with pytest.raises(service.MalformedFile, match=said):
        service.donations_import(actor=coordinator, fund=fund, content=content)
    assert Donation.objects.count() == 0
