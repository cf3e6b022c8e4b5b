"""Forgetting a donor: their name and contact are destroyed for good (their key is shredded),
the donation and the books stay, it is audited, a coordinator of the team does it, once."""

from __future__ import annotations

import datetime
import uuid

import pytest

from funds.models import Account, Donation, Donor
from funds.services import donations
from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditEvent
from supportdesk.errors import NotFound
from supportdesk.testing import token_client
from supportdesk.vault.crypto import is_shredded

pytestmark = pytest.mark.django_db


def given(coordinator: User, fund: Account, **donor: str) -> Donation:
    return donations.donation_record(
        actor=coordinator,
        fund=fund,
        channel="cash",
        amount=7_000,
        received_on=datetime.date.today(),
        reference=f"REF-{uuid.uuid4().hex[:6]}",
        **donor,
    )


def test_a_coordinator_forgets_a_donor_and_the_donation_stays(
    coordinator: User, fund: Account
) -> None:
    donation = given(coordinator, fund, donor_name="Daw Khin", donor_contact="09 123")
    other = given(coordinator, fund, donor_name="U Tin")
    assert donation.donor is not None
    donations.donor_forget(actor=coordinator, donor=donation.donor)
    donor = Donor.objects.get(pk=donation.donor_id)
    assert is_shredded(donor.name) and is_shredded(donor.contact)
    assert Donor.objects.get(pk=other.donor_id).name == "U Tin"
    kept = Donation.objects.get(pk=donation.pk)
    assert kept.amount == 7_000 and kept.reference.startswith("REF-")
    fund.refresh_from_db()
    assert fund.balance == 14_000
    event = AuditEvent.objects.get(action="donor.forget")
    assert event.object_id == donor.pk.hex and "funds.donor.name" in event.fields
    with pytest.raises(donations.DonorForgotten):
        donations.donor_forget(actor=coordinator, donor=donor)


def test_a_volunteer_or_another_team_cannot_forget(
    volunteer: User, outsider: User, coordinator: User, fund: Account
) -> None:
    donation = given(coordinator, fund, donor_name="Daw Khin")
    assert donation.donor is not None
    with pytest.raises(donations.ApplicationError):
        donations.donor_forget(actor=volunteer, donor=donation.donor)
    with pytest.raises(NotFound):
        donations.donor_forget(actor=outsider, donor=donation.donor)
    assert Donor.objects.get().name == "Daw Khin"


def test_the_api_forgets_once_for_a_retried_request(coordinator: User, fund: Account) -> None:
    donation = given(coordinator, fund, donor_name="Daw Khin")
    api = token_client(coordinator)
    path = f"/api/v1/funds/donations/{donation.pk}/forget-donor/"
    key = {"HTTP_IDEMPOTENCY_KEY": "forget-1"}
    first = api.post(path, {}, format="json", **key)
    again = api.post(path, {}, format="json", **key)
    assert first.status_code == 200 and again.status_code == 200
    assert first.json() == again.json()
    assert AuditEvent.objects.filter(action="donor.forget").count() == 1
    assert is_shredded(Donor.objects.get().name)
    fresh = api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="forget-2")
    assert fresh.status_code == 409


def test_an_anonymous_donation_has_no_donor_to_forget(coordinator: User, fund: Account) -> None:
    donation = given(coordinator, fund)
    response = token_client(coordinator).post(
        f"/api/v1/funds/donations/{donation.pk}/forget-donor/",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="forget-anon",
    )
    assert response.status_code == 409
    assert "anonymous" in response.json()["detail"]
