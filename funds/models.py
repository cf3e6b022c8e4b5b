"""Funds: a double-entry ledger of a team's money, the donations that feed it and the
disbursements that pay out aid for cases (docs/funds.md).

The ledger follows TigerBeetle's model. An `Account` keeps four balances (debits and credits,
pending and posted) that are a cache of its `Entry` rows, written only with the account row locked
(`funds.services.ledger`) and recomputed by `manage.py check_ledger`. Every `Transfer` moves one
amount from one account to another in one currency and writes balanced entries; a pending transfer
(a reservation) is resolved at most once, by a transfer that posts or voids it (a unique
constraint on `pending`). A fund's available money, credits posted minus debits posted and
pending, never goes below zero: the service refuses, and a CHECK constraint is the backstop.
Amounts are integers in the currency's minor unit (funds.money).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from funds.money import Currency
from supportdesk.accounts.models import Team
from supportdesk.vault.fields import BlindIndexField, EncryptedCharField, EncryptedTextField
from supportdesk.vault.query import VaultModel


class Earmark(models.TextChoices):
    GENERAL = "general", _("General")
    MEDICAL = "medical", _("Medical")
    FAMILY_SUPPORT = "family_support", _("Family support")
    TRAVEL = "travel", _("Travel")


class Account(models.Model):
    """A ledger account of a team in one currency: a fund (a pool people give to and pay from),
    or one of the two accounts on the other side of the books: money received from donors, and
    aid paid out. Those two exist once per team and currency."""

    class Kind(models.TextChoices):
        FUND = "fund", _("Fund")
        DONATIONS = "donations", _("Received from donors")
        AID = "aid", _("Aid paid out")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FUND)
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    earmark = models.CharField(max_length=16, choices=Earmark.choices, default=Earmark.GENERAL)
    # The cache of the entries (minor units), written only under SELECT ... FOR UPDATE of this row.
    debits_pending = models.BigIntegerField(default=0)
    debits_posted = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)
    credits_posted = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(debits_pending__gte=0, debits_posted__gte=0)
                & Q(credits_pending__gte=0, credits_posted__gte=0),
                name="account_balances_not_negative",
            ),
            # A fund never pays or reserves more than it received.
            models.CheckConstraint(
                condition=~Q(kind="fund")
                | Q(credits_posted__gte=F("debits_posted") + F("debits_pending")),
                name="account_fund_never_overdrawn",
            ),
            models.UniqueConstraint(
                fields=["team", "currency", "kind"],
                condition=~Q(kind="fund"),
                name="account_one_counterpart_per_team_currency",
            ),
            models.UniqueConstraint(fields=["team", "name"], name="account_name_per_team"),
        ]

    def __str__(self) -> str:
        return f"Account {self.pk}"

    @property
    def balance(self) -> int:
        """Posted money in the fund (received minus paid out)."""
        return self.credits_posted - self.debits_posted

    @property
    def reserved(self) -> int:
        return self.debits_pending

    @property
    def available(self) -> int:
        return self.balance - self.debits_pending


class Transfer(models.Model):
    class Flag(models.TextChoices):
        POSTED = "posted", _("Posted")
        PENDING = "pending", _("Reserved")
        POST_PENDING = "post_pending", _("Reservation paid")
        VOID_PENDING = "void_pending", _("Reservation released")

    class Purpose(models.TextChoices):
        DONATION = "donation", _("Donation")
        DISBURSEMENT = "disbursement", _("Disbursement")
        REVERSAL = "reversal", _("Correction")

    # The transfer id: a retried transfer with the same id is the same transfer (primary key).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    flag = models.CharField(max_length=16, choices=Flag.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    # The pending transfer this one posts or voids: each pending transfer resolves at most once.
    pending = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resolution"
    )
    # The posted transfer this one corrects: each is reversed at most once.
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")), name="transfer_two_accounts"
            ),
            models.CheckConstraint(
                condition=Q(flag__in=["post_pending", "void_pending"], pending__isnull=False)
                | Q(flag__in=["posted", "pending"], pending__isnull=True),
                name="transfer_resolution_names_its_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.pk}"


class Entry(models.Model):
    """One change of one balance of one account by one transfer (signed, never zero). A transfer's
    entries balance: each debit-side change has the same change on the credit side."""

    class Balance(models.TextChoices):
        DEBITS_PENDING = "debits_pending", _("Debits pending")
        DEBITS_POSTED = "debits_posted", _("Debits posted")
        CREDITS_PENDING = "credits_pending", _("Credits pending")
        CREDITS_POSTED = "credits_posted", _("Credits posted")

    id = models.BigAutoField(primary_key=True)
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    balance = models.CharField(max_length=16, choices=Balance.choices)
    amount = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.UniqueConstraint(
                fields=["transfer", "account", "balance"], name="entry_once_per_balance"
            ),
        ]
        indexes = [models.Index(fields=["account", "balance"], name="entry_account_balance")]

    def __str__(self) -> str:
        return f"Entry {self.pk}"


class Donor(VaultModel):
    """Who gave, when they chose to say: name and contact sealed under the donor's own key, so a
    donor who asks to be forgotten can be shredded alone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="donors")
    name = EncryptedCharField(_("donor name"), max_length=200, blank=True)
    contact = EncryptedCharField(_("donor contact"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Vault:
        key_holder = "self"


class Donation(VaultModel):
    class Channel(models.TextChoices):
        ONLINE_PAYMENT = "online_payment", _("Online payment service")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        MOBILE_WALLET = "mobile_wallet", _("Mobile wallet")
        TICKET_SALES = "ticket_sales", _("Ticket sales of an online fundraising session")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    fund = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="donations")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    received_on = models.DateField()
    reference = EncryptedCharField(_("reference"), max_length=200, blank=True)
    # The same reference is never recorded twice, whoever records it (case and spaces ignored).
    reference_index = BlindIndexField(source="reference", normaliser="handle")
    donor = models.ForeignKey(
        Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="donations"
    )
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="donation")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, with the reversing transfer (funds.services.corrections.transfer_reverse): the
    # donation stays in the books and out of the reports. The reason is sealed under the
    # donation's key.
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversal_reason = EncryptedTextField(blank=True, null=True)  # null: rows from before it

    class Vault:
        key_holder = "self"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reference_index"], name="donation_unique_reference"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
        ]
        indexes = [models.Index(fields=["fund", "received_on"], name="donation_fund_received")]


class Disbursement(VaultModel):
    class Purpose(models.TextChoices):
        FOOD = "food", _("Food")
        MEDICAL = "medical", _("Medical")
        TRAVEL = "travel", _("Travel")
        SHELTER = "shelter", _("Shelter")
        FAMILY_SUPPORT = "family_support", _("Family support")
        DOCUMENTS = "documents", _("Documents")

    class State(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        APPROVED = "approved", _("Approved, not paid yet")
        PAID = "paid", _("Paid")
        CONFIRMED = "confirmed", _("Receipt confirmed")
        RECONCILED = "reconciled", _("Reconciled")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        REVERSED = "reversed", _("Reversed")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash hand-over")
        MOBILE_WALLET = "mobile_wallet", _("Mobile wallet")
        AGENT = "agent", _("Agent transfer")
        BANK = "bank", _("Bank")

    class ConfirmedBy(models.TextChoices):
        RECIPIENT = "recipient", _("The recipient")
        WITNESS = "witness", _("A witness")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="disbursements")
    fund = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="disbursements")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    justification = EncryptedTextField(_("justification"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.REQUESTED)
    approvals_required = models.PositiveSmallIntegerField(default=1)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = EncryptedTextField(blank=True)
    reservation = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    payment_reference = EncryptedCharField(max_length=200, blank=True)
    confirmed_by = models.CharField(max_length=16, choices=ConfirmedBy.choices, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # The payment corrected by a reversing transfer (funds.services.disbursements).
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = EncryptedTextField(blank=True, null=True)  # null: rows from before it
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Vault:
        key_holder = "case"

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="disbursement_case_created"),
            models.Index(fields=["state"], name="disbursement_state"),
        ]


DISBURSEMENT_SECRET_FIELDS = (
    "justification",
    "decision_reason",
    "payment_reference",
    "reversal_reason",
)


class Approval(models.Model):
    """One coordinator's vote for a disbursement: one per person (a constraint)."""

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="approvals"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "coordinator"], name="approval_one_per_coordinator"
            )
        ]

    def __str__(self) -> str:
        return f"Approval {self.pk}"


class IdempotencyKey(models.Model):
    """A money-moving request's `Idempotency-Key`: the first answer, kept for retries. The body is
    kept as salted hashes per field (never values), enough to name what a retry changed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    route = models.CharField(max_length=100)
    salt = models.BinaryField(max_length=16)
    body_hash = models.CharField(max_length=64)
    field_hashes = models.JSONField(default=dict)
    status = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_once_per_user")
        ]

    def __str__(self) -> str:
        return f"Idempotency key {self.pk}"
