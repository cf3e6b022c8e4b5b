"""Forms of the case pages. Bounds match the API's serializers (cases/serializers.py), so a page
refuses with a message per field exactly what the API refuses, before any service writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import (
    REF_LENGTH,
    Case,
    CdmRequest,
    ContactChannel,
    FamilyMember,
    Need,
    Risk,
    SecurityFlag,
    ServiceBranch,
)
from cases.rules import today_or_later
from cases.services.intake import ContactInput
from supportdesk.accounts.models import Team
from supportdesk.validators import not_in_future
from supportdesk.vault.normalise import normalise_phone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CONTACT_ROWS = 3
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The API's codes (cases.serializers.LANGUAGES), with labels translated for the pages.
LANGUAGE_CHOICES = [
    ("my", _("Burmese")),
    ("en", _("English")),
    ("shn", _("Shan")),
    ("kac", _("Kachin")),
    ("kar", _("Karen")),
    ("cnh", _("Chin")),
    ("mnw", _("Mon")),
    ("rki", _("Rakhine")),
    ("th", _("Thai")),
    ("other", _("Other")),
]


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


def _area(label: Any, max_length: int, required: bool = False, **kwargs: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3})
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=widget, **kwargs
    )


class PageForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels stand above their fields: no colon
        super().__init__(*args, **kwargs)


def phone_checked(value: str) -> str:
    """A phone number the vault can store, or a message saying what is wrong with it."""
    try:
        normalise_phone(value)
    except ValidationError as error:
        if error.code == "phone_extension":
            raise  # its own sentence says what to change
        raise ValidationError(
            _("This is not a phone number we can use. Write it as 09…, +95 9… or +66….")
        ) from error
    return value


class TeamField(forms.ModelChoiceField):
    """A team of the user's; anything else, a malformed id too, gets the same plain message."""

    default_error_messages = {"invalid_choice": _("Choose one of your teams.")}

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class CaseFieldsForm(PageForm):
    """What intake records and the edit page changes."""

    alias = forms.CharField(
        label=_("Alias"),
        max_length=100,
        help_text=_("The name this person uses with us, for example “Special 007”."),
    )
    real_name = _text(_("Real name (only if needed)"), 200)
    service_branch = forms.ChoiceField(label=_("Service"), choices=ServiceBranch.choices)
    rank = _text(_("Rank"), 100)
    unit = _text(_("Unit"), 200)
    service_number = _text(_("Service number"), 50)
    still_serving = forms.BooleanField(label=_("Still serving"), required=False)
    date_left = forms.DateField(
        label=_("Date left"), required=False, widget=DATE, validators=[not_in_future]
    )
    current_area = _text(
        _("Where they are now"), 200, help_text=_("Only a township or region, never an address.")
    )
    contact_method = forms.ChoiceField(
        label=_("How they contacted us"), choices=Case.ContactMethod.choices
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"), choices=Need.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medical_notes = _area(_("Medical notes"), 5000)
    notes = _area(_("Notes"), 10000)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns, typed as a dict
        if data.get("still_serving") and data.get("date_left"):
            self.add_error(
                "date_left", _("Someone still serving has no date of leaving: leave it empty.")
            )
        return data

    def case_values(self) -> dict[str, Any]:
        """The service's keyword arguments for these fields."""
        data = dict(self.cleaned_data)
        return {name: data[name] for name in CaseFieldsForm.base_fields}

    @classmethod
    def initial_for(cls, case: Case) -> dict[str, Any]:
        initial = {name: getattr(case, name) for name in cls.base_fields if hasattr(case, name)}
        initial["needs"] = [row.need for row in case.need_rows.all()]
        initial["languages"] = list(case.languages or [])
        return initial


class CaseCreateForm(CaseFieldsForm):
    team = TeamField(label=_("Team"), queryset=Team.objects.none(), empty_label=_("Choose a team"))
    referred_by = forms.CharField(
        label=_("Referred by (optional)"),
        max_length=20,
        required=False,
        help_text=_(
            "If someone we already help sent this person to us: the reference at the top of "
            "that person's case page, for example 3F2A9C01."
        ),
    )

    def __init__(
        self,
        *args: Any,
        teams: QuerySet[Team],
        cases: QuerySet[Case] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The cases a referral may name: the user's teams' (the view passes them).
        self.referrers = cases if cases is not None else Case.objects.none()
        field = cast(forms.ModelChoiceField, self.fields["team"])
        field.queryset = teams
        if len(teams) == 1:
            field.initial = teams[0].pk
            field.empty_label = None
        for row in range(1, CONTACT_ROWS + 1):
            self.fields[f"contact_{row}_kind"] = forms.ChoiceField(
                label=_("Contact %(row)s") % {"row": row},
                choices=_blank("—") + list(ContactChannel.Kind.choices),
                required=False,
            )
            self.fields[f"contact_{row}_value"] = forms.CharField(
                label=_("Number or name"),
                max_length=200,
                required=False,
            )
        self.order_fields(["team"])

    def contact_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"contact_{row}_kind"], self[f"contact_{row}_value"])
            for row in range(1, CONTACT_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        contacts = []
        for row in range(1, CONTACT_ROWS + 1):
            kind, value = data.get(f"contact_{row}_kind"), data.get(f"contact_{row}_value")
            if value and not kind:
                self.add_error(f"contact_{row}_kind", _("Say what kind of contact this is."))
            elif kind and not value:
                self.add_error(f"contact_{row}_value", _("Write the number or name."))
            elif kind and value:
                if kind in ContactChannel.PHONE_KINDS:
                    try:
                        phone_checked(value)
                    except ValidationError as error:
                        self.add_error(f"contact_{row}_value", error)
                        continue
                contacts.append(ContactInput(kind=kind, value=value))
        data["contacts"] = contacts
        return data

    def clean_referred_by(self) -> Case | None:
        ref = "".join(self.cleaned_data["referred_by"].split()).lower()
        if not ref:
            return None
        if len(ref) != REF_LENGTH or any(char not in "0123456789abcdef" for char in ref):
            raise ValidationError(_("A case reference is 8 letters and digits, like 3F2A9C01."))
        found = list(self.referrers.filter(id__startswith=ref)[:2])
        if len(found) != 1:
            raise ValidationError(_("None of your teams' cases has this reference."))
        return found[0]

    def case_values(self) -> dict[str, Any]:
        return {
            **super().case_values(),
            "team": self.cleaned_data["team"],
            "contacts": self.cleaned_data["contacts"],
            "referred_by": self.cleaned_data["referred_by"],
        }


class CaseFilterForm(PageForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(_("Any")) + list(Case.Status.choices), required=False
    )
    risk = forms.TypedChoiceField(
        label=_("Risk"),
        choices=_blank(_("Any")) + list(Risk.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    team = TeamField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any")
    )
    verification = forms.ChoiceField(
        label=_("Verification"),
        choices=_blank(_("Any")) + list(Case.Verification.choices),
        required=False,
    )
    need = forms.ChoiceField(
        label=_("Need"), choices=_blank(_("Any")) + list(Need.choices), required=False
    )
    cdm = forms.ChoiceField(
        label=_("CDM-code request"),
        choices=_blank(_("Any")) + list(CdmRequest.State.choices),
        required=False,
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["team"])
        field.queryset = teams

    def filters(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["team"] = data["team"].pk if data.get("team") else None
        return {name: value or None for name, value in data.items()}


# --- Actions on a case page -----------------------------------------------------------------


class TransitionForm(PageForm):
    # Every status is a valid choice: the rules (cases.rules) decide, and say why, with a 409.
    to_status = forms.ChoiceField(label=_("New status"), choices=Case.Status.choices)
    reason = _area(_("Why (optional)"), 2000)

    def __init__(self, *args: Any, moves: list[tuple[str, StrOrPromise]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        if moves is not None:
            self.offer(moves)

    def offer(self, moves: list[tuple[str, StrOrPromise]]) -> None:
        """Show only these moves, after a blank: nobody moves a case by pressing too soon."""
        self.fields["to_status"].widget.choices = [("", _("Choose…")), *moves]


class VouchForm(PageForm):
    # The view finds the case among the user's teams' verified cases, or refuses it.
    by_case = forms.UUIDField(label=_("Who vouches"), required=False, widget=forms.Select)
    note = _area(_("Note (optional)"), 2000)

    def __init__(self, *args: Any, cases: list[Case] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer(cases or [])

    def offer(self, cases: list[Case]) -> None:
        """The verified cases shown as possible vouchers (their aliases are on the page)."""
        self.vouchers = cases
        choices = [("", _("I do, by my name"))] + [(case.pk, str(case.alias)) for case in cases]
        self.fields["by_case"].widget.choices = choices


class NoteForm(PageForm):
    note = _area(_("Note (optional)"), 2000)


class ReasonForm(PageForm):
    reason = _area(_("Reason"), 2000, required=True)


class TextForm(PageForm):
    text = _area(_("Note"), 5000, required=True)


class AssignForm(PageForm):
    team = TeamField(label=_("Move to team"), queryset=Team.objects.none())

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["team"])
        field.queryset = teams


class HoldForm(PageForm):
    on_hold = forms.TypedChoiceField(
        choices=[("1", _("Hold")), ("0", _("Release"))], coerce=lambda v: v == "1"
    )


class FamilyMemberForm(PageForm):
    relation = forms.ChoiceField(label=_("Relation"), choices=FamilyMember.Relation.choices)
    name = _text(_("Name"), 200)
    location = _text(_("Where they live"), 200)
    phone = _text(_("Phone"), 40, validators=[phone_checked])
    age_group = forms.ChoiceField(
        label=_("Age"),
        choices=FamilyMember.AgeGroup.choices,
        initial=FamilyMember.AgeGroup.UNKNOWN,
        required=False,
    )
    in_military_compound = forms.BooleanField(
        label=_("Lives in a military compound"), required=False
    )
    with_case = forms.BooleanField(label=_("Is with the person now"), required=False)

    def clean_age_group(self) -> str:
        return self.cleaned_data["age_group"] or FamilyMember.AgeGroup.UNKNOWN

    @staticmethod
    def initial_for(member: FamilyMember) -> dict[str, Any]:
        """The member's details as the form shows them to be changed."""
        return {
            name: getattr(member, name)
            for name in (
                "relation",
                "name",
                "location",
                "phone",
                "age_group",
                "in_military_compound",
                "with_case",
            )
        }


class ContactAddForm(PageForm):
    kind = forms.ChoiceField(label=_("How"), choices=ContactChannel.Kind.choices)
    value = forms.CharField(label=_("Number or name"), max_length=200)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns, typed as a dict
        if data.get("kind") in ContactChannel.PHONE_KINDS and data.get("value"):
            try:
                phone_checked(data["value"])
            except ValidationError as error:
                self.add_error("value", error)
        return data


class SecurityFlagForm(PageForm):
    kind = forms.ChoiceField(label=_("What happened"), choices=SecurityFlag.Kind.choices)
    severity = forms.TypedChoiceField(
        label=_("How serious"),
        choices=SecurityFlag.Severity.choices,
        coerce=int,
        initial=SecurityFlag.Severity.MEDIUM,
    )
    observed_on = forms.DateField(label=_("When"), widget=DATE, validators=[not_in_future])
    review_on = forms.DateField(label=_("Check again on"), widget=DATE)
    source = _area(_("Who told us (optional)"), 2000)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns, typed as a dict
        observed, review = data.get("observed_on"), data.get("review_on")
        if observed and review and review < observed:
            self.add_error("review_on", _("The review date cannot be before the date it happened."))
        return data


class FlagReviewForm(PageForm):
    next_review_on = forms.DateField(
        label=_("Still at risk: check again on"), widget=DATE, validators=[today_or_later]
    )


class CdmCreateForm(PageForm):
    kind = forms.ChoiceField(label=_("Which code"), choices=CdmRequest.Kind.choices)


class CdmSubmitForm(PageForm):
    submitted_on = forms.DateField(label=_("Sent on"), widget=DATE, validators=[not_in_future])
    channel = forms.ChoiceField(label=_("Sent by"), choices=CdmRequest.Channel.choices)


class CdmIssueForm(PageForm):
    code = forms.CharField(label=_("Code received"), max_length=64)


class DuplicateResolveForm(PageForm):
    same_person = forms.TypedChoiceField(
        choices=[("1", _("Same person (merge)")), ("0", _("Not the same person"))],
        coerce=lambda v: v == "1",
    )


class SearchForm(PageForm):
    """The search box. Sent by POST only: what is typed never reaches a URL, a log or the
    browser's history, and `autocomplete=off` keeps it out of the browser's form memory."""

    q = forms.CharField(
        label=_("Find a case by phone, messaging name, alias, reference or CDM code"),
        max_length=200,
        strip=True,
        error_messages={"required": _("Type what you are looking for.")},
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
            }
        ),
    )
