"""Forms of the funds pages. Bounds match the API's serializers (funds/serializers.py), so a page
refuses with a message per field what the API refuses, before any service writes. Amounts are read
by funds.money against the chosen fund's currency.

Every form that moves money carries `once`, a one-time key made when the page is rendered: the
view claims it as an idempotency key (funds.services.idempotency), so a double tap or a resent
form does the work once."""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.forms import PageForm
from funds.models import Account, Disbursement, Donation
from funds.money import parse_amount
from funds.services.donations import MAX_IMPORT_BYTES

REFERENCE_LENGTH = 200
TEXT_LENGTH = 2000


class OnceForm(PageForm):
    """A form with its one-time key (hidden), fresh for each rendered page."""

    once = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form is out of date: open the page again and send it once more."),
            "invalid": _("This form is out of date: open the page again and send it once more."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("once", uuid.uuid4())

    def once_key(self) -> str:
        return f"page:{self.cleaned_data['once']}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "once" in self.errors:  # a hidden field: its message is shown above the form
            self.add_error(None, self.errors.pop("once"))
        return cleaned


class FundChoice(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("Choose one of your team's funds.")}

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.currency})"

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


def _fund_field() -> FundChoice:
    return FundChoice(label=_("Fund"), queryset=Account.objects.none(), empty_label=None)


def _amount_field() -> forms.CharField:
    return forms.CharField(
        label=_("Amount"),
        max_length=64,
        help_text=_("Digits only, for example 50000 or ၅၀၀၀၀."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class _AmountInFund(OnceForm):
    """A fund of the user's team and an amount read in that fund's currency."""

    def __init__(self, *args: Any, funds: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        fund = cleaned.get("fund")
        if fund is not None and "amount" in cleaned:
            try:
                cleaned["amount"] = parse_amount(cleaned["amount"], fund.currency)
            except ValidationError as bad:
                self.add_error("amount", bad.messages)
        return cleaned


class RequestForm(_AmountInFund):
    fund = _fund_field()
    purpose = forms.ChoiceField(
        label=_("What the money is for"), choices=Disbursement.Purpose.choices
    )
    amount = _amount_field()
    justification = forms.CharField(
        label=_("Why it is needed"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the case's team reads this."),
    )
    field_order = ["fund", "purpose", "amount", "justification"]


class MoveForm(OnceForm):
    """A step with nothing to fill in (approve, withdraw, reconcile)."""


class RejectForm(OnceForm):
    reason = forms.CharField(
        label=_("Why it is rejected"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PayForm(OnceForm):
    method = forms.ChoiceField(label=_("How it was paid"), choices=Disbursement.Method.choices)
    reference = forms.CharField(
        label=_("Payment reference (optional)"),
        max_length=REFERENCE_LENGTH,
        required=False,
        help_text=_("The wallet or bank transaction number, if there is one."),
    )


class ConfirmForm(OnceForm):
    by = forms.ChoiceField(
        label=_("Who confirms the money arrived"),
        choices=Disbursement.ConfirmedBy.choices,
        widget=forms.RadioSelect,
    )


class DonationForm(_AmountInFund):
    fund = _fund_field()
    channel = forms.ChoiceField(label=_("How it came"), choices=Donation.Channel.choices)
    amount = _amount_field()
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(
        label=_("Reference (optional)"),
        max_length=REFERENCE_LENGTH,
        required=False,
        help_text=_("The transaction number: the same reference is never recorded twice."),
    )
    donor_name = forms.CharField(
        label=_("Donor's name (optional)"), max_length=REFERENCE_LENGTH, required=False
    )
    donor_contact = forms.CharField(
        label=_("Donor's contact (optional)"), max_length=REFERENCE_LENGTH, required=False
    )
    field_order = ["fund", "channel", "amount", "received_on", "reference"]

    def clean_received_on(self) -> datetime.date:
        received_on: datetime.date = self.cleaned_data["received_on"]
        if received_on > datetime.date.today():
            raise ValidationError(_("The date is in the future."))
        return received_on


class ImportForm(PageForm):
    fund = _fund_field()
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: date, channel, amount, currency, and optionally reference, "
            "donor_name, donor_contact. UTF-8, at most 2 MB."
        ),
    )

    def __init__(self, *args: Any, funds: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds  # type: ignore[attr-defined]

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 2 MB: split it."))
        content: bytes = upload.read()
        return content


class ImportConfirmForm(OnceForm):
    """The previewed file, sent back as it was (base64): nothing is kept on the server until the
    import is confirmed."""

    fund = _fund_field()
    content = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, funds: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds  # type: ignore[attr-defined]
        self.fields["fund"].widget = forms.HiddenInput()

    def clean_content(self) -> bytes:
        try:
            content = base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(_("The file was lost on the way: choose it again.")) from None
        if not content or len(content) > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file was lost on the way: choose it again."))
        return content

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("fund", "content"):  # hidden: their messages go above the form
            if name in self.errors:
                self.add_error(None, self.errors.pop(name))
        return cleaned


def encoded(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")
