"""Cases: the people the group helps, their contacts, family, security flags and CDM-code requests.

Everything that identifies or locates a person is encrypted under the case's data key (the case is
its own key holder; family members, contacts, timeline texts and CDM requests use the case's key),
so shredding the case makes all of it unrecoverable at once. Plain columns hold only what lists
filter and sort by: team, status, verification, risk, needs, service branch and dates.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import Team
from supportdesk.messages import rendered
from supportdesk.vault.crypto import is_shredded
from supportdesk.vault.fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)
from supportdesk.vault.query import VaultModel


class ServiceBranch(models.TextChoices):
    ARMY = "army", _("Army")
    POLICE = "police", _("Police")
    NAVY = "navy", _("Navy")
    AIR_FORCE = "air_force", _("Air force")
    OTHER = "other", _("Other")


class Need(models.TextChoices):
    FOOD = "food", _("Food")
    MEDICAL = "medical", _("Medical care")
    CASH = "cash", _("Cash")
    SHELTER = "shelter", _("Shelter")
    DOCUMENTS = "documents", _("Documents / ID")
    LEGAL = "legal", _("Legal help")
    FAMILY_RELOCATION = "family_relocation", _("Family relocation")


class Risk(models.IntegerChoices):
    LOW = 1, _("Low")
    ELEVATED = 2, _("Elevated")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


# Characters of a case's short reference (the start of its id, in capitals).
REF_LENGTH = 8


class Case(VaultModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        VERIFYING = "verifying", _("Verifying")
        ACCEPTED = "accepted", _("Accepted")
        IN_TRANSIT = "in_transit", _("In transit")
        SAFE_AREA = "safe_area", _("In a safe area")
        RESETTLED = "resettled", _("Resettled")
        CLOSED = "closed", _("Closed")
        HIDING = "hiding", _("Hiding")
        IN_SERVICE = "in_service", _("Still serving")
        LOST_CONTACT = "lost_contact", _("Lost contact")
        DETAINED = "detained", _("Detained")
        DECLINED = "declined", _("Declined")
        REOPENED = "reopened", _("Reopened")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VOUCHED = "vouched", _("Vouched for")
        VERIFIED = "verified", _("Verified")

    class ContactMethod(models.TextChoices):
        MESSAGING_APP = "messaging_app", _("Messaging app")
        SOCIAL_MEDIA = "social_media", _("Social media page")
        PHONE = "phone", _("Phone")
        IN_PERSON = "in_person", _("In person")
        REFERRAL = "referral", _("Referred by an existing case")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    alias = EncryptedCharField(_("alias"), max_length=100)
    # Search by alias: the whole alias, normalised (never a part of it). docs/vault.md says what
    # the index shows to someone holding the database without the index key.
    alias_index = BlindIndexField(source="alias", normaliser="alias")
    real_name = EncryptedCharField(_("real name"), max_length=200, blank=True)
    service_branch = models.CharField(max_length=16, choices=ServiceBranch.choices)
    rank = EncryptedCharField(_("rank"), max_length=100, blank=True)
    unit = EncryptedCharField(_("unit"), max_length=200, blank=True)
    service_number = EncryptedCharField(_("service number"), max_length=50, blank=True)
    date_left = EncryptedDateField(_("date left"), null=True, blank=True)
    still_serving = models.BooleanField(default=False)
    current_area = EncryptedCharField(_("current area"), max_length=200, blank=True)
    contact_method = models.CharField(max_length=16, choices=ContactMethod.choices)
    referred_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    languages = EncryptedJSONField(_("languages"), default=list, blank=True)
    medical_notes = EncryptedTextField(_("medical notes"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    # Burmese text the Zawgyi detector was unsure about: a person should check how it reads.
    text_needs_review = models.BooleanField(default=False)
    # Which fields (names, never values; "family.name" for a relative's): the page names them.
    text_review_fields = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    vouched_by_case = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="vouched_for"
    )
    vouched_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    risk = models.PositiveSmallIntegerField(choices=Risk.choices, default=Risk.LOW)
    # Retention: closed cases are shredded after RETENTION_DAYS unless a coordinator holds them.
    on_hold = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases"
    )
    shredded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Vault:
        key_holder = "self"

    @property
    def ref(self) -> str:
        """A short reference that says nothing about the person: for notifications and talk."""
        return self.pk.hex[:REF_LENGTH].upper()

    class Meta:
        indexes = [
            models.Index(fields=["team", "status"], name="case_team_status"),
            models.Index(fields=["-risk", "-created_at"], name="case_risk_created"),
            # The list filtered by status, riskiest first, in keyset pages (cases/pagination.py).
            models.Index(
                fields=["status", "-risk", "-created_at", "-id"], name="case_status_risk_created"
            ),
        ]

    @property
    def text_review_labels(self) -> list[str]:
        """The fields to check for Zawgyi, as a person reads them ("unit", "a relative's name")."""
        labels = []
        for name in self.text_review_fields or []:
            if name.startswith("family."):
                field = FamilyMember._meta.get_field(name.removeprefix("family."))
                label = getattr(field, "verbose_name", field.name)
                labels.append(_("a relative's %(field)s") % {"field": label})
            else:
                labels.append(str(getattr(Case._meta.get_field(name), "verbose_name", name)))
        return labels


class CaseNeed(models.Model):
    """A need of a case, as a row so lists filter by need on SQLite and PostgreSQL alike."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="need_rows")
    need = models.CharField(max_length=24, choices=Need.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "need"], name="caseneed_unique")]

    def __str__(self) -> str:
        return self.need


class ContactChannel(VaultModel):
    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        SIGNAL = "signal", _("Signal")
        WHATSAPP = "whatsapp", _("WhatsApp")
        VIBER = "viber", _("Viber")
        TELEGRAM = "telegram", _("Telegram")
        FACEBOOK = "facebook", _("Facebook / Messenger")
        OTHER = "other", _("Other")

    # Apps where a person is found by phone number: their values are phone numbers.
    PHONE_KINDS = frozenset({Kind.PHONE, Kind.SIGNAL, Kind.WHATSAPP, Kind.VIBER})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    phone = EncryptedCharField(max_length=40, blank=True)
    handle = EncryptedCharField(max_length=200, blank=True)
    # Shared index names: a phone matches whichever model or app it was recorded under.
    phone_index = BlindIndexField(source="phone", normaliser="phone", index_name="phone")
    handle_index = BlindIndexField(source="handle", normaliser="handle", index_name="handle")

    class Vault:
        key_holder = "case"


class CaseEvent(VaultModel):
    """A line of a case's timeline, encrypted with the case key: `text` is what a person typed (a
    note, a reason), `message` a sentence the system wrote (`supportdesk.messages`), shown in
    each reader's language."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Intake")
        STATUS = "status", _("Status change")
        NOTE = "note", _("Note")
        VERIFICATION = "verification", _("Verification")
        ASSIGNMENT = "assignment", _("Assigned to a team")
        FLAG = "flag", _("Family flag")
        DUPLICATE = "duplicate", _("Possible duplicate")
        CDM = "cdm", _("CDM code request")
        DISBURSEMENT = "disbursement", _("Money")
        ROUTE = "route", _("Route")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    text = EncryptedTextField(blank=True)
    message = EncryptedJSONField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Vault:
        key_holder = "case"

    class Meta:
        indexes = [models.Index(fields=["case", "-created_at"], name="caseevent_case_created")]

    @property
    def sentence(self) -> str:
        """The system's sentence in the language active now ("" if none, shown as such if the
        case was shredded)."""
        if is_shredded(self.message):
            return str(self.message)
        return rendered(self.message)


class DuplicateFlag(models.Model):
    """Two cases share a phone or handle. A coordinator decides: merge, or not the same person."""

    class State(models.TextChoices):
        OPEN = "open", _("To check")
        MERGED = "merged", _("Merged")
        NOT_SAME = "not_same", _("Not the same person")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="duplicate_flags")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    matched_on = models.CharField(max_length=16)  # "phone" or "handle": the kind, never the value
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "other"], name="duplicateflag_unique_pair")
        ]

    def __str__(self) -> str:
        return f"Possible duplicate {self.pk}"


class FamilyMember(VaultModel):
    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Wife / husband")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Brother / sister")
        IN_LAW = "in_law", _("In-law")
        OTHER = "other", _("Other relative")

    class AgeGroup(models.TextChoices):
        CHILD = "child", _("Child (under 18)")
        ADULT = "adult", _("Adult")
        ELDER = "elder", _("Elder (over 60)")
        UNKNOWN = "unknown", _("Unknown")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField(max_length=16, choices=Relation.choices)
    name = EncryptedCharField(max_length=200, blank=True)
    location = EncryptedCharField(max_length=200, blank=True)
    phone = EncryptedCharField(max_length=40, blank=True)
    phone_index = BlindIndexField(source="phone", normaliser="phone", index_name="phone")
    age_group = models.CharField(max_length=16, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)
    in_military_compound = models.BooleanField(default=False)
    with_case = models.BooleanField(default=False)  # travelling or living with the case
    created_at = models.DateTimeField(auto_now_add=True)

    class Vault:
        key_holder = "case"


class SecurityFlag(VaultModel):
    class Kind(models.TextChoices):
        CONTACTED = "contacted", _("Contacted by the army")
        THREATENED = "threatened", _("Threatened")
        DETAINED = "detained", _("Detained")
        SURVEILLANCE = "surveillance", _("Under surveillance")
        COMPOUND = "compound", _("In a military compound")
        NEEDS_RELOCATION = "needs_relocation", _("Needs relocation")
        DO_NOT_CONTACT = "do_not_contact", _("Do not contact")

    class Severity(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")
        CRITICAL = 4, _("Critical")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    family_member = models.ForeignKey(FamilyMember, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    observed_on = models.DateField()
    source = EncryptedTextField(blank=True)  # who told us: may name a person
    review_on = models.DateField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Vault:
        key_holder = "family_member.case"


class CdmRequest(VaultModel):
    class Kind(models.TextChoices):
        CDM = "cdm", _("CDM code (has left)")
        PRE_CDM = "pre_cdm", _("Pre-CDM code (still serving)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        READY = "ready", _("Ready (checked)")
        SUBMITTED = "submitted", _("Submitted")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Channel(models.TextChoices):
        SECURE_MESSAGE = "secure_message", _("Secure message")
        EMAIL = "email", _("Encrypted email")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cdm_requests")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_on = models.DateField(null=True, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    code = EncryptedCharField(max_length=64, blank=True)
    # Unique across the system: the same code issued twice is caught, whoever holds it.
    code_index = BlindIndexField(source="code", normaliser="handle", index_name="cdm_code")
    issued_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Vault:
        key_holder = "case"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code_index"], name="cdmrequest_unique_code"),
        ]
