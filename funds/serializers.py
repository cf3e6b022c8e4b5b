"""Input and output shapes of the funds API. Amounts go in as text in major units ("12.50",
"၅၀၀၀၀"), read by funds.money against the fund's currency, and come out twice: `amount_minor`
(an integer) and `amount` (major units as text)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from funds.models import Account, Disbursement, Donation, Earmark
from funds.money import Currency, format_amount, major_text


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "description": 'Major units, ASCII or Myanmar digits: 50000, "12.50", "၅၀၀၀၀".',
    }
)
class AmountInput(serializers.Field):
    """Text or an integer, kept as given: the fund decides the currency it is read in."""

    default_error_messages = {
        "invalid": gettext_lazy("Write the amount in digits, for example 50000.")
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class MoneyOutput(serializers.Serializer):
    def to_representation(self, instance: Any) -> dict[str, Any]:
        minor, currency = instance
        return {
            "amount_minor": minor,
            "amount": major_text(minor, currency),
            "currency": currency,
            "shown": format_amount(minor, currency),
        }


def money(minor: int, currency: str) -> dict[str, Any]:
    return MoneyOutput((minor, currency)).data


class FundInput(serializers.Serializer):
    team = serializers.UUIDField()
    name = serializers.CharField(max_length=100)
    currency = serializers.ChoiceField(choices=Currency.choices)
    earmark = serializers.ChoiceField(choices=Earmark.choices, default=Earmark.GENERAL)


def reason_shown(value: object) -> str:
    """A reversal's reason: empty on records from before reasons were kept (NULL)."""
    return "" if value is None else str(value)


class FundOutput(serializers.Serializer):
    id = serializers.UUIDField()
    team = serializers.UUIDField(source="team_id")
    name = serializers.CharField()
    currency = serializers.CharField()
    earmark = serializers.CharField()
    balance = serializers.SerializerMethodField()
    reserved = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()

    def get_balance(self, fund: Account) -> dict[str, Any]:
        return money(fund.balance, fund.currency)

    def get_reserved(self, fund: Account) -> dict[str, Any]:
        return money(fund.reserved, fund.currency)

    def get_available(self, fund: Account) -> dict[str, Any]:
        return money(fund.available, fund.currency)


class TransferOutput(serializers.Serializer):
    id = serializers.UUIDField()
    debit_account = serializers.UUIDField(source="debit_account_id")
    credit_account = serializers.UUIDField(source="credit_account_id")
    amount_minor = serializers.IntegerField(source="amount")
    currency = serializers.CharField()
    flag = serializers.CharField()
    purpose = serializers.CharField()
    pending = serializers.UUIDField(source="pending_id", allow_null=True)
    reverses = serializers.UUIDField(source="reverses_id", allow_null=True)
    created_at = serializers.DateTimeField()


class DonationInput(serializers.Serializer):
    fund = serializers.UUIDField()
    channel = serializers.ChoiceField(choices=Donation.Channel.choices)
    amount = AmountInput()
    received_on = serializers.DateField()
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    donor_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    donor_contact = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DonationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    fund = serializers.UUIDField(source="fund_id")
    channel = serializers.CharField()
    amount_minor = serializers.IntegerField(source="amount")
    currency = serializers.CharField()
    received_on = serializers.DateField()
    anonymous = serializers.SerializerMethodField()
    transfer = serializers.UUIDField(source="transfer_id")
    reversed = serializers.BooleanField(source="is_reversed")
    reversed_at = serializers.DateTimeField(allow_null=True)

    def get_anonymous(self, donation: Donation) -> bool:
        return donation.donor_id is None


class DonationDetailOutput(DonationOutput):
    reference = serializers.CharField()
    donor_name = serializers.SerializerMethodField()
    donor_contact = serializers.SerializerMethodField()
    reversal_reason = serializers.SerializerMethodField()

    def get_reversal_reason(self, donation: Donation) -> str:
        return reason_shown(donation.reversal_reason)

    def get_donor_name(self, donation: Donation) -> str:
        return donation.donor.name if donation.donor else ""

    def get_donor_contact(self, donation: Donation) -> str:
        return donation.donor.contact if donation.donor else ""


class ImportInput(serializers.Serializer):
    fund = serializers.UUIDField()
    file = serializers.FileField()


class ImportRowOutput(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.CharField()
    errors = serializers.DictField(child=serializers.CharField())
    amount_minor = serializers.IntegerField(source="amount", allow_null=True)


class DisbursementInput(serializers.Serializer):
    case = serializers.UUIDField()
    fund = serializers.UUIDField()
    purpose = serializers.ChoiceField(choices=Disbursement.Purpose.choices)
    amount = AmountInput()
    justification = serializers.CharField(max_length=2000)


class DisbursementOutput(serializers.Serializer):
    """States and amounts only: what a move answers, and what a retry is given back."""

    id = serializers.UUIDField()
    case = serializers.UUIDField(source="case_id")
    fund = serializers.UUIDField(source="fund_id")
    purpose = serializers.CharField()
    amount_minor = serializers.IntegerField(source="amount")
    currency = serializers.CharField()
    state = serializers.CharField()
    approvals_required = serializers.IntegerField()
    approvals = serializers.SerializerMethodField()
    requested_by = serializers.UUIDField(source="requested_by_id", allow_null=True)
    payment_method = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)
    confirmed_by = serializers.CharField()
    reversed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_approvals(self, disbursement: Disbursement) -> int:
        counted = getattr(disbursement, "approval_count", None)
        return counted if counted is not None else disbursement.approvals.count()


class DisbursementDetailOutput(DisbursementOutput):
    justification = serializers.CharField()
    decision_reason = serializers.CharField()
    payment_reference = serializers.CharField()
    reversal_reason = serializers.SerializerMethodField()

    def get_reversal_reason(self, disbursement: Disbursement) -> str:
        return reason_shown(disbursement.reversal_reason)


class PayInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=Disbursement.Method.choices)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    paid_at = serializers.DateTimeField(required=False)


class ConfirmInput(serializers.Serializer):
    by = serializers.ChoiceField(choices=Disbursement.ConfirmedBy.choices)


class AidPerCaseOutput(serializers.Serializer):
    case_id = serializers.UUIDField()
    case = serializers.CharField(help_text="The case's reference.")
    currency = serializers.ChoiceField(choices=Currency.choices)
    total = serializers.IntegerField(help_text="Paid, in minor units.")
    count = serializers.IntegerField()
