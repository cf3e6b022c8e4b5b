"""The ledger: balanced entries, reservations resolved once, corrections as reversals, funds never
overdrawn (also at the database), and `check_ledger` catching a balance that drifted."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from funds.checks import ledger_problems
from funds.models import Account, Entry, Transfer
from funds.services import corrections, ledger
from funds.tests.conftest import give
from funds.tests.factories import FundFactory

pytestmark = pytest.mark.django_db


def aid(fund: Account) -> Account:
    return ledger.counterpart(team=fund.team_id, currency=fund.currency, kind="aid")


def test_a_donation_posts_balanced_entries(fund) -> None:
    transfer = give(fund, 100_000)
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved, fund.available) == (100_000, 0, 100_000)
    assert sorted(transfer.entries.values_list("balance", "amount")) == [
        ("credits_posted", 100_000),
        ("debits_posted", 100_000),
    ]
    assert ledger_problems() == []


def test_a_reservation_holds_money_until_posted_or_voided(fund) -> None:
    give(fund, 100_000)
    held = ledger.transfer_create(
        debit=fund,
        credit=aid(fund),
        amount=60_000,
        purpose="disbursement",
        actor=None,
        pending=True,
    )
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved, fund.available) == (100_000, 60_000, 40_000)
    with pytest.raises(ledger.InsufficientFunds):
        ledger.transfer_create(
            debit=fund, credit=aid(fund), amount=50_000, purpose="disbursement", actor=None
        )
    ledger.transfer_resolve(pending=held, post=True, actor=None)
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved, fund.available) == (40_000, 0, 40_000)
    assert ledger_problems() == []


def test_a_reservation_resolves_exactly_once(fund) -> None:
    give(fund, 100_000)
    held = ledger.transfer_create(
        debit=fund,
        credit=aid(fund),
        amount=10_000,
        purpose="disbursement",
        actor=None,
        pending=True,
    )
    ledger.transfer_resolve(pending=held, post=False, actor=None)
    for post in (True, False):
        with pytest.raises(ledger.LedgerRefusal, match="already"):
            ledger.transfer_resolve(pending=held, post=post, actor=None)
    # And at the database: a second resolution row cannot be inserted.
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            debit_account=fund,
            credit_account=aid(fund),
            amount=10_000,
            currency="MMK",
            flag="post_pending",
            purpose="disbursement",
            pending=held,
        )
    fund.refresh_from_db()
    assert fund.available == 100_000


def test_the_database_refuses_an_overdrawn_fund_whatever_the_code_says(fund) -> None:
    give(fund, 5_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=fund.pk).update(debits_posted=6_000)


def test_a_transfer_id_happens_once(fund) -> None:
    transfer = give(fund, 5_000)
    donors = Account.objects.get(pk=transfer.debit_account_id)
    with pytest.raises(ledger.LedgerRefusal):
        ledger.transfer_create(
            debit=donors,
            credit=fund,
            amount=5_000,
            purpose="donation",
            actor=None,
            transfer_id=transfer.pk,
        )
    assert Transfer.objects.count() == 1


def test_a_correction_is_a_reversing_transfer_made_once_by_a_coordinator(
    fund, coordinator, volunteer
) -> None:
    transfer = give(fund, 5_000)
    with pytest.raises(Exception, match="coordinator"):
        corrections.transfer_reverse(actor=volunteer, transfer=transfer, reason="Typed twice")
    reversal = corrections.transfer_reverse(
        actor=coordinator, transfer=transfer, reason="Typed twice"
    )
    assert (reversal.debit_account_id, reversal.credit_account_id) == (
        transfer.credit_account_id,
        transfer.debit_account_id,
    )
    with pytest.raises(ledger.LedgerRefusal, match="already"):
        corrections.transfer_reverse(actor=coordinator, transfer=transfer, reason="Typed twice")
    fund.refresh_from_db()
    assert fund.balance == 0
    assert Transfer.objects.filter(pk=transfer.pk, amount=5_000).exists()  # never edited


def test_reversing_a_donation_already_spent_is_refused(fund, coordinator) -> None:
    transfer = give(fund, 5_000)
    ledger.transfer_create(
        debit=fund, credit=aid(fund), amount=4_000, purpose="disbursement", actor=None
    )
    with pytest.raises(ledger.InsufficientFunds):
        corrections.transfer_reverse(actor=coordinator, transfer=transfer, reason="Typed twice")


def test_money_moves_only_within_one_currency(fund) -> None:
    baht = FundFactory.create(team=fund.team, currency="THB")
    give(fund, 5_000)
    with pytest.raises(ledger.LedgerRefusal, match="one currency"):
        ledger.transfer_create(debit=fund, credit=baht, amount=1, purpose="reversal", actor=None)


def test_check_ledger_passes_on_a_true_ledger_and_fails_on_a_drifted_balance(fund, capsys) -> None:
    give(fund, 7_000)
    call_command("check_ledger")
    assert "adds up" in capsys.readouterr().out
    Account.objects.filter(pk=fund.pk).update(credits_posted=8_000)  # a cache written wrongly
    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert f"account {fund.pk}: credits_posted is 8000" in capsys.readouterr().err


def test_check_ledger_finds_an_unbalanced_transfer(fund) -> None:
    transfer = give(fund, 7_000)
    Entry.objects.create(transfer=transfer, account=fund, balance="debits_pending", amount=1)
    Account.objects.filter(pk=fund.pk).update(debits_pending=1)
    assert ledger_problems() == [f"transfer {transfer.pk}: its entries do not balance"]
