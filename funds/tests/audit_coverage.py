"""How to call each funds API route that shows personal data, and the view events it must record
(supportdesk/audit/tests/coverage.py). Moves, lists and reports answer with states and sums only:
they are marked @no_personal_data."""

from __future__ import annotations

import datetime

from cases.tests.factories import CaseFactory
from funds.models import Disbursement
from funds.services import disbursements, donations
from funds.tests.conftest import give
from funds.tests.factories import FundFactory
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.audit.tests.coverage import ViewCoverage, register_personal_data_route


def _team() -> tuple:
    team = TeamFactory.create()
    coordinator = MembershipFactory.create(team=team, user__role=User.Role.COORDINATOR).user
    fund = FundFactory.create(team=team)
    give(fund, 100_000)
    return team, coordinator, fund


@register_personal_data_route("api:funds-donation")
def _donation() -> ViewCoverage:
    _, coordinator, fund = _team()
    donation = donations.donation_record(
        actor=coordinator,
        fund=fund,
        channel="cash",
        amount=5_000,
        received_on=datetime.date.today(),
        reference="COV-1",
        donor_name="Daw Mya",
    )
    return ViewCoverage(
        user=coordinator,
        api=True,
        kwargs={"donation_id": donation.pk},
        expect=[
            ("donation.view", "funds.donation", donation.pk.hex),
            ("donor.view", "funds.donor", donation.donor_id.hex),  # type: ignore[union-attr]
        ],
    )


@register_personal_data_route("api:funds-disbursement")
def _disbursement() -> ViewCoverage:
    team, _coordinator, fund = _team()
    volunteer = MembershipFactory.create(team=team).user
    case = CaseFactory.create(team=team, verification="verified")
    asked = disbursements.disbursement_request(
        actor=volunteer,
        case=case,
        fund=fund,
        purpose="medical",
        amount=5_000,
        justification="Clinic",
    )
    return ViewCoverage(
        user=volunteer,
        api=True,
        kwargs={"disbursement_id": asked.pk},
        expect=[("case.view", "cases.case", case.pk.hex)],
    )


# --- Pages: a request's page (every step's address shows it on GET) and a donation's page --------


def _asked() -> tuple[User, Disbursement]:
    team, _coordinator, fund = _team()
    volunteer = MembershipFactory.create(team=team).user
    case = CaseFactory.create(team=team, verification="verified")
    asked = disbursements.disbursement_request(
        actor=volunteer,
        case=case,
        fund=fund,
        purpose="food",
        amount=5_000,
        justification="Rice",
    )
    return volunteer, asked


def _request_page(name: str) -> None:
    def setup() -> ViewCoverage:
        volunteer, asked = _asked()
        return ViewCoverage(
            user=volunteer,
            kwargs={"disbursement_id": asked.pk},
            expect=[("case.view", "cases.case", asked.case_id.hex)],
        )

    register_personal_data_route(f"funds:{name}")(setup)


for _name in ("disbursement", "approve", "reject", "withdraw", "pay", "confirm", "reconcile"):
    _request_page(_name)


def _donation_page(name: str) -> None:
    def setup() -> ViewCoverage:
        _, coordinator, fund = _team()
        donation = donations.donation_record(
            actor=coordinator,
            fund=fund,
            channel="cash",
            amount=5_000,
            received_on=datetime.date.today(),
            reference=f"COV-{name}",
            donor_name="Daw Mya",
        )
        assert donation.donor_id is not None
        return ViewCoverage(
            user=coordinator,
            kwargs={"donation_id": donation.pk},
            expect=[
                ("donation.view", "funds.donation", donation.pk.hex),
                ("donor.view", "funds.donor", donation.donor_id.hex),
            ],
        )

    register_personal_data_route(f"funds:{name}")(setup)


for _name in ("donation", "donor_forget"):
    _donation_page(_name)
