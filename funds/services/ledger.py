"""The ledger's writes: transfers between accounts, each posting balanced entries and moving the
accounts' cached balances under a row lock (docs/funds.md "Ledger invariants").

Every writer locks the accounts of a transfer in one order (by id), with SELECT ... FOR UPDATE:
two approvals drawing on the same fund at once are serialised on the fund's row, so the second
sees the first one's reservation and is refused if the money is no longer there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funds.audit_actions import FundActions
from funds.models import Account, Entry, Transfer
from funds.money import format_amount
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.scope import require_coordinator
from supportdesk.audit.services import audit_record
from supportdesk.errors import ApplicationError, Conflict

F = Transfer.Flag
B = Entry.Balance


class InsufficientFunds(Conflict):
    default_message = gettext_lazy("There is not enough money in this fund for that.")


class LedgerRefusal(Conflict):
    pass


def accounts_locked(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Account]:
    """The accounts, locked for this transaction, always in the order of their ids (no
    deadlocks between two transfers touching the same two accounts)."""
    wanted = sorted(set(ids), key=str)
    locked = Account.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    return {account.pk: account for account in locked}


def counterpart(*, team: Team | uuid.UUID, currency: str, kind: str) -> Account:
    """The team's account on the other side of the books (donors, or aid paid out)."""
    team_id = team.pk if isinstance(team, Team) else team
    found = Account.objects.filter(team_id=team_id, currency=currency, kind=kind).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # two first donations at once: one creates, one reads
            return Account.objects.create(
                team_id=team_id, currency=currency, kind=kind, name=f"{kind} {currency}"
            )
    except IntegrityError:
        return Account.objects.get(team_id=team_id, currency=currency, kind=kind)


def _change(
    entries: list[Entry], transfer: Transfer, account: Account, balance: str, amount: int
) -> None:
    setattr(account, balance, getattr(account, balance) + amount)
    entries.append(Entry(transfer=transfer, account=account, balance=balance, amount=amount))


def _write(transfer: Transfer, accounts: dict[uuid.UUID, Account], changes: list) -> Transfer:
    """Save the transfer, its entries and the locked accounts' new balances, refusing an
    overdrawn fund before the database's CHECK would."""
    entries: list[Entry] = []
    for account_id, balance, amount in changes:
        _change(entries, transfer, accounts[account_id], balance, amount)
    for account in accounts.values():
        if account.kind == Account.Kind.FUND and account.available < 0:
            raise InsufficientFunds(
                _("There is not enough money in this fund: %(available)s is available.")
                % {
                    "available": format_amount(
                        account.available + transfer.amount, account.currency
                    )
                }
            )
    transfer.save(force_insert=True)
    Entry.objects.bulk_create(entries)
    for account in accounts.values():
        account.save(
            update_fields=["debits_pending", "debits_posted", "credits_pending", "credits_posted"]
        )
    return transfer


@transaction.atomic
def transfer_create(
    *,
    debit: Account,
    credit: Account,
    amount: int,
    purpose: str,
    actor: User | None,
    pending: bool = False,
    reverses: Transfer | None = None,
    transfer_id: uuid.UUID | None = None,
) -> Transfer:
    """Move `amount` from `debit` to `credit` (posted at once, or reserved when `pending`). Call
    inside the transaction of the change that needs it."""
    if amount <= 0:
        raise ApplicationError(_("A transfer moves an amount more than zero."))
    if debit.currency != credit.currency or debit.team_id != credit.team_id:
        raise LedgerRefusal(_("Money moves only between accounts of one team and one currency."))
    if transfer_id is not None and Transfer.objects.filter(pk=transfer_id).exists():
        raise LedgerRefusal(_("This transfer was made already."))
    accounts = accounts_locked([debit.pk, credit.pk])
    transfer = Transfer(
        id=transfer_id or uuid.uuid4(),
        debit_account_id=debit.pk,
        credit_account_id=credit.pk,
        amount=amount,
        currency=debit.currency,
        flag=F.PENDING if pending else F.POSTED,
        purpose=purpose,
        reverses=reverses,
        created_by=actor,
    )
    debit_side, credit_side = (
        (B.DEBITS_PENDING, B.CREDITS_PENDING) if pending else (B.DEBITS_POSTED, B.CREDITS_POSTED)
    )
    return _write(
        transfer, accounts, [(debit.pk, debit_side, amount), (credit.pk, credit_side, amount)]
    )


@transaction.atomic
def transfer_resolve(*, pending: Transfer, post: bool, actor: User | None) -> Transfer:
    """Post a reservation (the money leaves the fund) or void it (the money is free again). A
    reservation resolves exactly once: the pending transfer is locked and checked here, and the
    one-to-one `pending` column refuses a second resolution at the database."""
    pending = Transfer.objects.select_for_update().get(pk=pending.pk)
    if pending.flag != F.PENDING:
        raise LedgerRefusal(_("Only a reservation can be paid or released."))
    if Transfer.objects.filter(pending=pending).exists():
        raise LedgerRefusal(_("This reservation was paid or released already."))
    accounts = accounts_locked([pending.debit_account_id, pending.credit_account_id])
    amount, debit, credit = pending.amount, pending.debit_account_id, pending.credit_account_id
    transfer = Transfer(
        debit_account_id=debit,
        credit_account_id=credit,
        amount=amount,
        currency=pending.currency,
        flag=F.POST_PENDING if post else F.VOID_PENDING,
        purpose=pending.purpose,
        pending=pending,
        created_by=actor,
    )
    changes = [(debit, B.DEBITS_PENDING, -amount), (credit, B.CREDITS_PENDING, -amount)]
    if post:
        changes += [(debit, B.DEBITS_POSTED, amount), (credit, B.CREDITS_POSTED, amount)]
    return _write(transfer, accounts, changes)


class ReversalRefused(LedgerRefusal):
    pass


def reversal_write(*, actor: User, transfer: Transfer) -> Transfer:
    """The reversing transfer itself, with the transfer locked and checked (callers hold the lock
    of the record it belongs to, taken before this one)."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.flag not in (F.POSTED, F.POST_PENDING) or transfer.purpose == (
        Transfer.Purpose.REVERSAL
    ):
        raise LedgerRefusal(_("Only money that was received or paid can be corrected."))
    if Transfer.objects.filter(reverses=transfer).exists():
        raise LedgerRefusal(_("This transfer was corrected already."))
    accounts = Account.objects.in_bulk([transfer.debit_account_id, transfer.credit_account_id])
    reversal = transfer_create(
        debit=accounts[transfer.credit_account_id],
        credit=accounts[transfer.debit_account_id],
        amount=transfer.amount,
        purpose=Transfer.Purpose.REVERSAL,
        actor=actor,
        reverses=transfer,
    )
    audit_record(actor=actor, action=FundActions.TRANSFER_REVERSE, obj=reversal, fields=["amount"])
    return reversal


@transaction.atomic
def fund_create(*, actor: User, team: Team, name: str, currency: str, earmark: str) -> Account:
    """A new pool of the team's money (coordinators only)."""
    require_coordinator(actor, team)
    if Account.objects.filter(team=team, name=name).exists():
        raise LedgerRefusal(_("Your team has a fund of that name already."))
    try:
        with transaction.atomic():  # the same name created twice at once: one wins
            fund = Account.objects.create(
                team=team, kind=Account.Kind.FUND, name=name, currency=currency, earmark=earmark
            )
    except IntegrityError:
        raise LedgerRefusal(_("Your team has a fund of that name already.")) from None
    audit_record(actor=actor, action=FundActions.CREATE, obj=fund, fields=["name", "currency"])
    return fund
