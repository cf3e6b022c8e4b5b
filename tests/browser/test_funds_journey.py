"""A journey on a 360 px phone, in English and Burmese: a volunteer asks for money from the case
page, a coordinator approves it from the queue (and cannot approve their own request), the
volunteer records the payment and the recipient's confirmation, another coordinator reconciles,
and the funds page shows the balances and the charts. Nothing is wider than the screen.
Screenshots go to $SCREENSHOT_DIR."""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING

import pytest
from django.utils import translation

from cases.models import Case
from cases.tests.factories import CaseFactory
from funds.models import Disbursement, Transfer
from funds.services import disbursements, donations
from funds.tests.factories import FundFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.formatting import in_digits
from tests.browser import journey
from tests.browser.journey import WIDTH, as_user

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
OWN = "You asked for this money: another coordinator must approve it."


@pytest.fixture(autouse=True)
def _catalog(settings: object) -> None:
    """$LOCALE_DIR: a compiled copy of the translations to read pages in (the checkout's own
    catalogs are compiled by `make`)."""
    folder = os.environ.get("LOCALE_DIR")
    if folder:
        settings.LOCALE_PATHS = [folder]  # type: ignore[attr-defined]


def snap(page: Page, name: str) -> None:
    journey.snap(page, "funds", name)


def test_money_is_requested_approved_paid_confirmed_and_charted(
    live_server: LiveServer,
    small_phone: Page,
    team: Team,
    volunteer: User,
    coordinator: User,
) -> None:
    page = small_phone
    burmese = page.evaluate("navigator.language").startswith("my")
    case = CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )
    fund = FundFactory.create(team=team, name="General kyat")
    donations.donation_record(
        actor=coordinator,
        fund=fund,
        channel="bank_transfer",
        amount=3_000_000,
        received_on=datetime.date.today(),
        reference="KBZ-2026-1",
    )
    second = MembershipFactory.create(
        team=team, user__username="coordinator2", user__role=User.Role.COORDINATOR
    ).user
    own = disbursements.disbursement_request(
        actor=coordinator,
        case=case,
        fund=fund,
        purpose="food",
        amount=20_000,
        justification="Rice for the week",
    )

    # The volunteer asks from the case page (in Burmese, with Myanmar digits).
    as_user(page, live_server, volunteer)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#money").scroll_into_view_if_needed()
    snap(page, "case-section")
    page.click(f"a[href='/funds/cases/{case.pk}/request/']")
    snap(page, "request-form")
    page.select_option("select[name=purpose]", "medical")
    page.fill("input[name=amount]", "၁၂၅၀၀၀၀" if burmese else "1250000")
    page.fill("textarea[name=justification]", "Surgery at the border clinic")
    page.click("#request button[type=submit]")
    asked = Disbursement.objects.get(case=case, requested_by=volunteer)
    assert asked.amount == 1_250_000 and asked.approvals_required == 2
    assert page.url.endswith(f"/funds/disbursements/{asked.pk}/")
    shown = "၁၂ သိန်း ၅၀,၀၀၀ ကျပ်" if burmese else "1,250,000 MMK"  # noqa: RUF001
    assert shown in page.locator("h1").inner_text()
    snap(page, "requested")

    # A coordinator approves from the queue; their own request offers no approve button.
    as_user(page, live_server, coordinator)
    page.goto(f"{live_server.url}/funds/approvals/")
    mine = page.locator(f"#request-{own.pk}")
    with translation.override("my" if burmese else "en"):
        refusal = translation.gettext(OWN)
    assert refusal in mine.locator(".notice.refusal").inner_text()
    assert mine.locator("form[action$='/approve/']").count() == 0
    snap(page, "queue")
    page.click(f"#request-{asked.pk} form[action$='/approve/'] button")
    asked.refresh_from_db()
    assert asked.state == Disbursement.State.REQUESTED  # above the threshold: one more
    with translation.override("my" if burmese else "en"):
        counted = translation.gettext("%(done)s of %(needed)s approvals") % {
            "done": in_digits("1"),
            "needed": in_digits("2"),
        }
    assert counted in page.locator(f"#request-{asked.pk}").inner_text()
    as_user(page, live_server, second)
    page.goto(f"{live_server.url}/funds/approvals/")
    page.click(f"#request-{asked.pk} form[action$='/approve/'] button")
    asked.refresh_from_db()
    assert asked.state == Disbursement.State.APPROVED
    snap(page, "approved")

    # The volunteer records the payment, taps twice, and it is paid once; then the receipt.
    as_user(page, live_server, volunteer)
    page.goto(f"{live_server.url}/funds/disbursements/{asked.pk}/")
    page.select_option("#pay select[name=method]", "mobile_wallet")
    page.fill("#pay input[name=reference]", "WAVE-55120")
    snap(page, "pay-form")
    with page.expect_navigation():
        page.locator("#pay button").dblclick()
    page.goto(f"{live_server.url}/funds/disbursements/{asked.pk}/")
    asked.refresh_from_db()
    assert asked.state == Disbursement.State.PAID
    assert Transfer.objects.filter(pending=asked.reservation).count() == 1
    page.check("#confirm input[value=recipient]")
    page.click("#confirm button")
    asked.refresh_from_db()
    assert asked.state == Disbursement.State.CONFIRMED
    snap(page, "confirmed")

    # A coordinator who did not pay reconciles.
    as_user(page, live_server, coordinator)
    page.goto(f"{live_server.url}/funds/disbursements/{asked.pk}/")
    page.click("#reconcile button")
    asked.refresh_from_db()
    assert asked.state == Disbursement.State.RECONCILED

    # The funds page: balances and the charts, within the screen.
    page.click("header a[href='/funds/']")
    assert page.locator("div.chart svg").count() == 2
    box = page.locator("div.chart svg").first.bounding_box()
    assert box is not None and box["width"] <= WIDTH and box["height"] > 100
    balance = "၁၇ သိန်း ၅၀,၀၀၀ ကျပ်" if burmese else "1,750,000 MMK"  # noqa: RUF001
    assert balance in page.locator("table.balances").inner_text()
    snap(page, "overview")
