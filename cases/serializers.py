"""Input and output shapes of the cases API, shared by the API views and the pages' forms.

Each shape is defined once: a view nests the input only it takes (`InputSerializer`); what several
views take or answer with lives here. Messages written here are marked for translation (`gettext`
at the raise): a field error reaches the user in their language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import (
    Case,
    CdmRequest,
    ContactChannel,
    FamilyMember,
    Need,
    Risk,
    SecurityFlag,
    ServiceBranch,
)
from cases.workflows import CASE_STATUS, VERIFICATION
from supportdesk.accounts.api import TeamOutput
from supportdesk.accounts.scope import one_question
from supportdesk.validators import not_in_future
from supportdesk.vault.crypto import is_shredded
from supportdesk.vault.normalise import normalise_phone

LANGUAGES = [
    ("my", "Burmese"),
    ("en", "English"),
    ("shn", "Shan"),
    ("kac", "Kachin"),
    ("kar", "Karen"),
    ("cnh", "Chin"),
    ("mnw", "Mon"),
    ("rki", "Rakhine"),
    ("th", "Thai"),
    ("other", "Other"),
]


class ContactInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactChannel.Kind.choices)
    value = serializers.CharField(max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] in ContactChannel.PHONE_KINDS:
            try:
                normalise_phone(attrs["value"])
            except DjangoValidationError as error:
                raise serializers.ValidationError({"value": error.messages}) from None
        return attrs


def phone_or_blank(value: str) -> str:
    if value:
        try:
            normalise_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
    return value


class CaseFieldsInput(serializers.Serializer):
    """What intake records; every text is bounded so nothing oversized reaches the vault."""

    alias = serializers.CharField(max_length=100)
    real_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    service_branch = serializers.ChoiceField(choices=ServiceBranch.choices)
    rank = serializers.CharField(max_length=100, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=200, required=False, allow_blank=True)
    service_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    date_left = serializers.DateField(required=False, allow_null=True, validators=[not_in_future])
    still_serving = serializers.BooleanField(required=False, default=False)
    current_area = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_method = serializers.ChoiceField(choices=Case.ContactMethod.choices)
    needs = serializers.MultipleChoiceField(choices=Need.choices, required=False)
    languages = serializers.MultipleChoiceField(choices=LANGUAGES, required=False)
    medical_notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=10000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("still_serving") and attrs.get("date_left"):
            raise serializers.ValidationError(
                {"date_left": [_("Someone still serving has no date of leaving.")]}
            )
        return attrs


class CaseCreateInput(CaseFieldsInput):
    team = serializers.UUIDField()
    contacts = ContactInput(many=True, required=False, max_length=10)
    referred_by = serializers.UUIDField(required=False, allow_null=True)


class CaseUpdateInput(CaseFieldsInput):
    pass


def shown(value: Any) -> Any:
    """A shredded value is shown as such, never as an error."""
    return str(value) if is_shredded(value) else value


class CaseStateOutput(serializers.Serializer):
    """Where a case stands, with nothing decrypted: what a case action answers with (no read to
    record), and the start of every other case shape. Reads only the case row and its team."""

    id = serializers.UUIDField()
    team = TeamOutput()
    status = serializers.CharField()
    verification = serializers.CharField()
    risk = serializers.SerializerMethodField()
    on_hold = serializers.BooleanField()
    shredded = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)  # open cases have none
    updated_at = serializers.DateTimeField()

    def get_risk(self, case: Case) -> str:
        return Risk(case.risk).name.lower()

    def get_shredded(self, case: Case) -> bool:
        return case.shredded_at is not None

    actions = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "status": {"type": "array", "items": {"type": "string"}},
                "verification": {"type": "array", "items": {"type": "string"}},
            },
            "description": "The moves this user may make now (statuses to move to, verification "
            "steps): what a client should offer, from the same tables the server enforces.",
        }
    )
    def get_actions(self, case: Case) -> dict[str, list[str]]:
        user = self.context.get("user")
        if user is None or case.shredded_at is not None:
            return {"status": [], "verification": []}
        with one_question():  # both tables asked with one read of the membership
            return {
                "status": [
                    m.name
                    for m in CASE_STATUS.available(user=user, team=case.team_id, state=case.status)
                ],
                "verification": [
                    m.name
                    for m in VERIFICATION.available(
                        user=user, team=case.team_id, state=case.verification
                    )
                ],
            }


class CaseListOutput(CaseStateOutput):
    actions = None  # a list offers no moves: open the case
    alias = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    text_needs_review = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_alias(self, case: Case) -> str:
        return str(shown(case.alias))

    def get_needs(self, case: Case) -> list[str]:
        return [row.need for row in case.need_rows.all()]


# Every encrypted field a case detail response shows: the audit event names exactly these.
CASE_DETAIL_FIELDS = (
    "alias",
    "real_name",
    "rank",
    "unit",
    "service_number",
    "date_left",
    "current_area",
    "languages",
    "medical_notes",
    "notes",
    "contacts",
)


class ContactOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    value = serializers.SerializerMethodField()

    def get_value(self, contact: ContactChannel) -> str:
        return str(shown(contact.phone or contact.handle))


class SecurityFlagOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    severity = serializers.IntegerField()
    observed_on = serializers.DateField()
    review_on = serializers.DateField()
    source = serializers.SerializerMethodField()
    resolved_at = serializers.DateTimeField(allow_null=True)

    def get_source(self, flag: SecurityFlag) -> str:
        return str(shown(flag.source))


class FamilyMemberOutput(serializers.Serializer):
    id = serializers.UUIDField()
    relation = serializers.CharField()
    name = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    age_group = serializers.CharField()
    in_military_compound = serializers.BooleanField()
    with_case = serializers.BooleanField()
    flags = SecurityFlagOutput(many=True)

    def get_name(self, member: FamilyMember) -> str:
        return str(shown(member.name))

    def get_location(self, member: FamilyMember) -> str:
        return str(shown(member.location))

    def get_phone(self, member: FamilyMember) -> str:
        return str(shown(member.phone))


FAMILY_FIELDS = ("name", "location", "phone", "flags.source")


class CdmRequestOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    state = serializers.CharField()
    submitted_on = serializers.DateField(allow_null=True)  # a draft is not sent yet
    channel = serializers.CharField()
    code = serializers.SerializerMethodField()
    rejection_reason = serializers.SerializerMethodField()
    issued_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_code(self, request: CdmRequest) -> str:
        return str(shown(request.code))

    def get_rejection_reason(self, request: CdmRequest) -> str:
        return str(shown(request.rejection_reason))


CDM_FIELDS = ("code", "rejection_reason")


class CaseDetailOutput(CaseListOutput):
    actions = serializers.SerializerMethodField()  # what this reader may do next
    real_name = serializers.SerializerMethodField()
    service_branch = serializers.CharField()
    rank = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    service_number = serializers.SerializerMethodField()
    date_left = serializers.SerializerMethodField()
    still_serving = serializers.BooleanField()
    current_area = serializers.SerializerMethodField()
    contact_method = serializers.CharField()
    languages = serializers.SerializerMethodField()
    medical_notes = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    contacts = ContactOutput(many=True)
    possible_duplicates = serializers.SerializerMethodField()

    def _text(self, case: Case, name: str) -> Any:
        return shown(getattr(case, name))

    def get_real_name(self, case: Case) -> str:
        return str(self._text(case, "real_name"))

    def get_rank(self, case: Case) -> str:
        return str(self._text(case, "rank"))

    def get_unit(self, case: Case) -> str:
        return str(self._text(case, "unit"))

    def get_service_number(self, case: Case) -> str:
        return str(self._text(case, "service_number"))

    def get_date_left(self, case: Case) -> str | None:
        value = self._text(case, "date_left")
        return value.isoformat() if hasattr(value, "isoformat") else value

    def get_current_area(self, case: Case) -> str:
        return str(self._text(case, "current_area"))

    def get_languages(self, case: Case) -> Any:
        return self._text(case, "languages")

    def get_medical_notes(self, case: Case) -> str:
        return str(self._text(case, "medical_notes"))

    def get_notes(self, case: Case) -> str:
        return str(self._text(case, "notes"))

    def get_possible_duplicates(self, case: Case) -> int:
        return int(self.context.get("possible_duplicates", 0))


class CaseEventOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    text = serializers.SerializerMethodField(help_text="What a person wrote: a note, a reason.")
    sentence = serializers.CharField(help_text="What the system wrote, in the reader's language.")
    actor = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_text(self, event: Any) -> str:
        return str(shown(event.text))

    def get_actor(self, event: Any) -> str | None:
        return event.actor.username if event.actor else None


class FamilyMemberInput(serializers.Serializer):
    relation = serializers.ChoiceField(choices=FamilyMember.Relation.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, validators=[phone_or_blank]
    )
    age_group = serializers.ChoiceField(choices=FamilyMember.AgeGroup.choices, required=False)
    in_military_compound = serializers.BooleanField(required=False, default=False)
    with_case = serializers.BooleanField(required=False, default=False)


class SecurityFlagInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SecurityFlag.Kind.choices)
    severity = serializers.ChoiceField(choices=SecurityFlag.Severity.choices)
    observed_on = serializers.DateField(validators=[not_in_future])
    review_on = serializers.DateField()
    source = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["review_on"] < attrs["observed_on"]:
            raise serializers.ValidationError(
                {"review_on": [_("The review date cannot be before the date it was observed.")]}
            )
        return attrs


class NoteInput(serializers.Serializer):
    """An optional note on a step (verifying a case, resolving a flag)."""

    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReasonInput(serializers.Serializer):
    """The reason a step needs (revoking a verification, a rejected CDM request)."""

    reason = serializers.CharField(max_length=2000)
