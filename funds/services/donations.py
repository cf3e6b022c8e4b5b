"""Donations: money in, recorded by a coordinator of the fund's team, one at a time or from a
CSV export (all or nothing, duplicates skipped and reported). A reference is recorded once in
the whole system (a blind index with a unique constraint)."""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funds.audit_actions import DonationActions
from funds.models import Account, Donation, Donor, Transfer
from funds.money import parse_amount
from funds.services import ledger
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import require_coordinator
from supportdesk.audit.services import audit_record, change_record
from supportdesk.errors import ApplicationError, Conflict
from supportdesk.vault.crypto import is_shredded
from supportdesk.vault.normalise import normalise_text
from supportdesk.vault.services import key_holder_shred

MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_ROWS = 5000
REQUIRED_COLUMNS = ("date", "channel", "amount", "currency")
COLUMNS = (*REQUIRED_COLUMNS, "reference", "donor_name", "donor_contact")


class DuplicateReference(Conflict):
    default_message = gettext_lazy("A donation with this reference was recorded already.")


def _text(raw: str) -> str:
    return normalise_text(raw or "").value


def reference_taken(reference: str) -> bool:
    return bool(reference.strip()) and Donation.objects.filter_blind(reference=reference).exists()


def _record(
    *,
    actor: User,
    fund: Account,
    channel: str,
    amount: int,
    received_on: datetime.date,
    reference: str,
    donor_name: str,
    donor_contact: str,
) -> Donation:
    if reference_taken(reference):
        raise DuplicateReference()
    donor = None
    if donor_name.strip() or donor_contact.strip():
        donor = Donor.objects.create(
            id=uuid.uuid4(),
            team_id=fund.team_id,
            name=_text(donor_name),
            contact=_text(donor_contact),
        )
    donors = ledger.counterpart(team=fund.team_id, currency=fund.currency, kind="donations")
    transfer = ledger.transfer_create(
        debit=donors, credit=fund, amount=amount, purpose="donation", actor=actor
    )
    try:
        with transaction.atomic():  # two coordinators recording one reference at once
            donation = Donation.objects.create(
                id=uuid.uuid4(),
                fund=fund,
                channel=channel,
                amount=amount,
                currency=fund.currency,
                received_on=received_on,
                reference=_text(reference),
                donor=donor,
                transfer=transfer,
                recorded_by=actor,
            )
    except IntegrityError:
        raise DuplicateReference() from None
    audit_record(
        actor=actor,
        action=DonationActions.RECORD,
        obj=donation,
        fields=[
            name
            for name, value in [("amount", 1), ("reference", reference), ("donor", donor)]
            if value
        ],
    )
    return donation


@transaction.atomic
def donation_record(
    *,
    actor: User,
    fund: Account,
    channel: str,
    amount: int,
    received_on: datetime.date,
    reference: str = "",
    donor_name: str = "",
    donor_contact: str = "",
) -> Donation:
    require_coordinator(actor, fund.team_id)
    fund = Account.objects.get(pk=fund.pk, kind=Account.Kind.FUND)
    return _record(
        actor=actor,
        fund=fund,
        channel=channel,
        amount=amount,
        received_on=received_on,
        reference=reference,
        donor_name=donor_name,
        donor_contact=donor_contact,
    )


# --- CSV import ---------------------------------------------------------------------------------


@dataclass
class ImportRow:
    number: int  # the line in the file (the header is line 1)
    status: str  # "ok", "duplicate" or "error"
    errors: dict[str, str] = field(default_factory=dict)
    amount: int | None = None
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    @property
    def ok(self) -> list[ImportRow]:
        return [row for row in self.rows if row.status == "ok"]

    @property
    def duplicates(self) -> list[ImportRow]:
        return [row for row in self.rows if row.status == "duplicate"]

    @property
    def errors(self) -> list[ImportRow]:
        return [row for row in self.rows if row.status == "error"]


class MalformedFile(ApplicationError):
    pass


def _read(content: bytes) -> list[dict[str, str]]:
    if len(content) > MAX_IMPORT_BYTES:
        raise MalformedFile(_("The file is larger than 2 MB: split it."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedFile(_("The file is not UTF-8 text: save it as CSV (UTF-8).")) from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise MalformedFile(
                _("The file needs the columns %(columns)s.") % {"columns": ", ".join(missing)}
            )
        reader.fieldnames = header
        rows = []
        for row in reader:
            if None in row:
                raise MalformedFile(
                    _("Line %(line)s has more cells than the header.") % {"line": reader.line_num}
                )
            rows.append({key: (value or "").strip() for key, value in row.items()})
            if len(rows) > MAX_IMPORT_ROWS:
                raise MalformedFile(_("The file has more than 5000 rows: split it."))
    except csv.Error:
        raise MalformedFile(_("The file is not a readable CSV file.")) from None
    if not rows:
        raise MalformedFile(_("The file has no donations in it."))
    return rows


def _row(number: int, raw: dict[str, str], fund: Account, seen: set[str]) -> ImportRow:
    row = ImportRow(number=number, status="ok")
    if raw.get("currency", "").upper() != fund.currency:
        row.errors["currency"] = _("This fund holds %(currency)s only.") % {
            "currency": fund.currency
        }
    try:
        row.amount = parse_amount(raw.get("amount", ""), fund.currency)
    except ValidationError as bad:
        row.errors["amount"] = bad.messages[0]
    if raw.get("channel", "") not in Donation.Channel.values:
        row.errors["channel"] = _("Unknown channel: use one of %(channels)s.") % {
            "channels": ", ".join(Donation.Channel.values)
        }
    try:
        received_on = datetime.date.fromisoformat(raw.get("date", ""))
    except ValueError:
        row.errors["date"] = _("Write the date as YYYY-MM-DD.")
    else:
        if received_on > datetime.date.today():
            row.errors["date"] = _("The date is in the future.")
    reference = raw.get("reference", "")
    for name in ("reference", "donor_name", "donor_contact"):
        if len(raw.get(name, "")) > 200:
            row.errors[name] = _("At most 200 characters.")
    if row.errors:
        row.status = "error"
        return row
    key = reference.casefold().replace(" ", "")
    if reference and (key in seen or reference_taken(reference)):
        row.status = "duplicate"
    seen.add(key)
    row.values = {
        "channel": raw["channel"],
        "amount": row.amount,
        "received_on": received_on,
        "reference": reference,
        "donor_name": raw.get("donor_name", ""),
        "donor_contact": raw.get("donor_contact", ""),
    }
    return row


def donations_import_preview(*, actor: User, fund: Account, content: bytes) -> ImportPreview:
    """What an import would do, row by row; writes nothing."""
    require_coordinator(actor, fund.team_id)
    seen: set[str] = set()
    return ImportPreview(
        rows=[_row(number, raw, fund, seen) for number, raw in enumerate(_read(content), start=2)]
    )


@transaction.atomic
def donations_import(*, actor: User, fund: Account, content: bytes) -> ImportPreview:
    """Record every good row, skip duplicates; any bad row and nothing is written (400 with the
    rows' messages)."""
    preview = donations_import_preview(actor=actor, fund=fund, content=content)
    if preview.errors:
        raise ValidationError(
            {
                f"row {row.number}": [f"{name}: {message}" for name, message in row.errors.items()]
                for row in preview.errors
            }
        )
    fund = Account.objects.get(pk=fund.pk, kind=Account.Kind.FUND)
    for row in preview.ok:
        _record(actor=actor, fund=fund, **row.values)  # type: ignore[arg-type]
    audit_record(actor=actor, action=DonationActions.IMPORT, obj=fund, fields=["donations"])
    return preview


# --- Forgetting a donor -------------------------------------------------------------------------


class DonorForgotten(Conflict):
    default_message = gettext_lazy("This donor's details were forgotten already.")


@transaction.atomic
def donor_forget(*, actor: User, donor: Donor) -> Donor:
    """A donor asked to be forgotten: their key is destroyed, so their name and contact read as
    shredded for good. Their donations stay, with amounts and dates: the books still add up."""
    require_coordinator(actor, donor.team_id)
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    if is_shredded(donor.name) or is_shredded(donor.contact):
        raise DonorForgotten()
    shredded = key_holder_shred(holder=donor)
    audit_record(
        actor=actor, action=DonationActions.DONOR_FORGET, obj=donor, fields=shredded.fields
    )
    return donor


class DonationReversed(Conflict):
    default_message = gettext_lazy("This donation was reversed already.")


@transaction.atomic
def donation_reverse(*, actor: User, donation: Donation, reason: str) -> Transfer:
    """A donation recorded by mistake: its transfer is reversed (the money leaves the fund again)
    and the donation says so, when, by whom and why. It stays in the books, out of the reports.
    Called by funds.services.corrections.transfer_reverse; the donation is locked before its
    transfer."""
    require_coordinator(actor, donation.fund.team_id)
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    if donation.reversed_at is not None:
        raise DonationReversed()
    if not (reason or "").strip():
        raise ApplicationError(_("Say why this transfer is corrected."))
    reversal = ledger.reversal_write(actor=actor, transfer=donation.transfer)
    donation.reversed_at, donation.reversed_by = reversal.created_at or timezone.now(), actor
    donation.reversal_reason = _text(reason)
    donation.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    change_record(
        actor=actor,
        action=DonationActions.REVERSE,
        obj=donation,
        fields=["reversed_at", "reversal_reason"],
    )
    return reversal
