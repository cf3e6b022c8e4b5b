"""Corrections: reversing a transfer, and marking the record it belongs to (a donation, or a
disbursement's payment) reversed in the same transaction. Above the ledger and both record
services, which build on the ledger."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from funds.models import Disbursement, Donation, Transfer
from funds.services.disbursements import disbursement_reverse
from funds.services.donations import donation_reverse
from funds.services.ledger import reversal_write
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import require_coordinator
from supportdesk.errors import ApplicationError


@transaction.atomic
def transfer_reverse(*, actor: User, transfer: Transfer, reason: str) -> Transfer:
    """A correction: a new posted transfer the other way, never an edit. Only a coordinator of
    the team, once per transfer, only of money that moved (posted), and saying why. The record
    the transfer belongs to (a donation, or a disbursement's payment) is marked reversed in the
    same transaction, under its own lock, by its own service."""
    found = Transfer.objects.select_related("debit_account").get(pk=transfer.pk)
    require_coordinator(actor, found.debit_account.team_id)
    if not (reason or "").strip():
        raise ApplicationError(_("Say why this transfer is corrected."))
    if found.flag == Transfer.Flag.POST_PENDING:
        paid = Disbursement.objects.filter(reservation_id=found.pending_id).first()
        if paid is not None:
            return disbursement_reverse(
                actor=actor, disbursement=paid, transfer=found, reason=reason
            )
    donation = Donation.objects.filter(transfer_id=found.pk).first()
    if donation is not None:
        return donation_reverse(actor=actor, donation=donation, reason=reason)
    return reversal_write(actor=actor, transfer=found)
