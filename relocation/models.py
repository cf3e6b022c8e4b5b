"""Relocation: safe houses, waypoint areas, route plans with their legs, and check-ins.

What could lead the army to a person or a house is encrypted: a safe house's address, contact and
notes under the house's own data key (so a retired house can be shredded on its own); everything
about a case's journey (the places of its legs, cover stories, documents and risk notes, check-in
notes and locations) under the case's key, so shredding the case takes its journey with it. Plain
columns hold only what lists, scope and the missed-check-in sweep filter by: teams, states, coarse
areas, times.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from supportdesk.accounts.models import Team
from supportdesk.vault.fields import EncryptedCharField, EncryptedTextField
from supportdesk.vault.query import VaultModel

# Free texts are bounded so nothing oversized reaches the vault (the API says so per field).
NOTE_LENGTH = 2000
PLACE_LENGTH = 200


class Area(VaultModel):
    """A coarse waypoint area of a team (a township, in its state or region and country). Plain:
    it names no house and no person. A coordinator may mark it unsafe; the reason is sealed under
    the team's key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="relocation_areas")
    township = models.CharField(_("township"), max_length=100)
    region = models.CharField(_("state or region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, default="Myanmar")
    unsafe_at = models.DateTimeField(null=True, blank=True)
    unsafe_reason = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Vault:
        key_holder = "team"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "township", "region", "country"], name="area_unique_per_team"
            )
        ]

    @property
    def unsafe(self) -> bool:
        return self.unsafe_at is not None

    @property
    def label(self) -> str:
        return ", ".join(part for part in (self.township, self.region, self.country) if part)


class SafeHouse(VaultModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        COMPROMISED = "compromised", _("Compromised")
        RETIRED = "retired", _("Retired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="safe_houses")
    # Other teams that may route cases through the house: they see its code name and area only.
    shared_with = models.ManyToManyField(Team, blank=True, related_name="shared_safe_houses")
    code_name = models.CharField(_("code name"), max_length=60)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="safe_houses")
    address = EncryptedTextField(_("address"), blank=True)
    contact_name = EncryptedCharField(_("contact person"), max_length=200, blank=True)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=40, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    compromised_at = models.DateTimeField(null=True, blank=True)
    compromised_reason = EncryptedTextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Vault:
        key_holder = "self"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "code_name"], name="safehouse_code_per_team")
        ]


# The fields only need-to-know readers see (supportdesk audit: a `safehouse.view` each time).
SAFE_HOUSE_SECRET_FIELDS = ("address", "contact_name", "contact_phone", "notes")


class TeamRelocationSettings(models.Model):
    """A team's defaults for its journeys (the check-in interval; a leg may set its own)."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="relocation_settings"
    )
    check_in_interval_minutes = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Relocation settings of {self.team_id}"


class RoutePlan(VaultModel):
    class Approval(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    class Progress(models.TextChoices):
        """Follows from the legs (relocation.rules.progress_of), never set by hand."""

        PLANNED = "planned", _("Not started")
        UNDER_WAY = "under_way", _("Under way")
        ARRIVED = "arrived", _("Arrived")
        ABORTED = "aborted", _("Aborted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="route_plans")
    approval = models.CharField(max_length=16, choices=Approval.choices, default=Approval.DRAFT)
    progress = models.CharField(max_length=16, choices=Progress.choices, default=Progress.PLANNED)
    notes = EncryptedTextField(_("notes"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Set when a compromise or an unsafe area sent the plan back for approval; cleared by approval.
    flagged_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Vault:
        key_holder = "case"

    class Meta:
        constraints = [
            # At most one live plan a case travels by: approved and not finished, or under way.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(progress="under_way") | Q(approval="approved", progress="planned"),
                name="routeplan_one_active_per_case",
            )
        ]
        indexes = [models.Index(fields=["case", "-created_at"], name="routeplan_case_created")]


class Waypoint(models.TextChoices):
    SAFE_HOUSE = "safe_house", _("Safe house")
    PLACE = "place", _("Town or pick-up point")
    CHECKPOINT = "checkpoint", _("Checkpoint area")
    SAFE_AREA = "safe_area", _("Safe area")


class RouteLeg(VaultModel):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        ARRIVED = "arrived", _("Arrived")
        ABORTED = "aborted", _("Aborted")

    class Transport(models.TextChoices):
        FOOT = "foot", _("On foot")
        MOTORBIKE = "motorbike", _("Motorbike")
        BUS = "bus", _("Bus")
        CAR = "car", _("Car")
        BOAT = "boat", _("Boat")
        OTHER = "other", _("Other")

    class Ladder(models.IntegerChoices):
        """How far a missed check-in has climbed (relocation.services.checkins)."""

        NONE = 0, _("On time")
        MISSED = 1, _("Check-in missed")
        ESCORT = 2, _("Escort reminded")
        TEAM = 3, _("Team alerted")
        COORDINATORS = 4, _("Coordinators alerted")
        OVERDUE = 5, _("Overdue")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Every index of the table is written on each leg update that is not HOT, and hardly any is:
    # the sweep, a check-in and each step of the ladder change `ladder` or `check_in_due_at`,
    # which `routeleg_checkin_due` names. So the table keeps no index it can do without: `plan`
    # and `case` have none of their own (`routeleg_position_per_plan` (plan, position) and
    # `routeleg_case_state` (case, state) lead with them), and the four waypoint keys, each blank
    # on most legs, are indexed only where set (Meta.indexes).
    plan = models.ForeignKey(
        RoutePlan, on_delete=models.CASCADE, related_name="legs", db_index=False
    )
    # The plan's case, kept on the leg: scope ("case__team") and the sweep read no join.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="route_legs", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    from_kind = models.CharField(max_length=16, choices=Waypoint.choices)
    from_safe_house = models.ForeignKey(
        SafeHouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legs_from",
        db_index=False,  # indexed below where set
    )
    from_area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legs_from",
        db_index=False,  # indexed below where set
    )
    from_place = EncryptedCharField(_("from"), max_length=PLACE_LENGTH, blank=True)
    to_kind = models.CharField(max_length=16, choices=Waypoint.choices)
    to_safe_house = models.ForeignKey(
        SafeHouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legs_to",
        db_index=False,  # indexed below where set
    )
    to_area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legs_to",
        db_index=False,  # indexed below where set
    )
    to_place = EncryptedCharField(_("to"), max_length=PLACE_LENGTH, blank=True)
    transport = models.CharField(max_length=16, choices=Transport.choices)
    escorts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    planned_departure = models.DateTimeField()
    planned_arrival = models.DateTimeField()
    cover_story = EncryptedTextField(_("cover story"), blank=True)
    documents_notes = EncryptedTextField(_("documents"), blank=True)
    risk_notes = EncryptedTextField(_("risk notes"), blank=True)
    check_in_interval_minutes = models.PositiveIntegerField()

    state = models.CharField(max_length=16, choices=State.choices, default=State.PLANNED)
    abort_reason = EncryptedTextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    # Under way: when the next check-in is expected. The sweep reads it through the partial index
    # below, so its cost follows the legs due, not the legs in the table.
    check_in_due_at = models.DateTimeField(null=True, blank=True)
    last_check_in_at = models.DateTimeField(null=True, blank=True)
    ladder = models.PositiveSmallIntegerField(choices=Ladder.choices, default=Ladder.NONE)
    overdue_at = models.DateTimeField(null=True, blank=True)
    # A compromised safe house or an unsafe area on this leg (set by the propagation handler).
    flagged_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Vault:
        key_holder = "case"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="routeleg_position_per_plan"),
            models.CheckConstraint(
                condition=Q(planned_arrival__gt=models.F("planned_departure")),
                name="routeleg_arrival_after_departure",
            ),
        ]
        indexes = [
            # The missed-check-in sweep: legs under way whose ladder has not started, by due time.
            models.Index(
                fields=["check_in_due_at"],
                condition=Q(state="under_way", ladder=0),
                name="routeleg_checkin_due",
            ),
            models.Index(fields=["case", "state"], name="routeleg_case_state"),
            models.Index(
                fields=["from_safe_house"],
                condition=Q(state__in=["planned", "under_way"], from_safe_house__isnull=False),
                name="routeleg_live_from_house",
            ),
            models.Index(
                fields=["to_safe_house"],
                condition=Q(
                    state__in=["planned", "under_way", "arrived"], to_safe_house__isnull=False
                ),
                name="routeleg_live_to_house",
            ),
            # The waypoint keys where set (a leg has two of the four): what PROTECT looks up
            # before a house or an area is deleted, and the unsafe-area propagation reads.
            *(
                models.Index(
                    fields=[key], condition=Q(**{f"{key}__isnull": False}), name=f"routeleg_{name}"
                )
                for key, name in (
                    ("from_safe_house", "from_house"),
                    ("to_safe_house", "to_house"),
                    ("from_area", "from_area"),
                    ("to_area", "to_area"),
                )
            ),
        ]

    @property
    def number(self) -> int:
        """The leg's number as people say it (1, 2, ...)."""
        return self.position + 1

    @property
    def duration(self) -> timedelta:
        return self.planned_arrival - self.planned_departure

    @property
    def live(self) -> bool:
        return self.state in (self.State.PLANNED, self.State.UNDER_WAY)


# The leg's fields sealed under the case's key: every response showing them records a case read.
LEG_SECRET_FIELDS = (
    "from_place",
    "to_place",
    "cover_story",
    "documents_notes",
    "risk_notes",
    "abort_reason",
)


class CheckIn(VaultModel):
    """A sign of life during a leg, with an optional short note and coarse location."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    leg = models.ForeignKey(RouteLeg, on_delete=models.CASCADE, related_name="check_ins")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = EncryptedCharField(_("note"), max_length=500, blank=True)
    location = EncryptedCharField(_("coarse location"), max_length=PLACE_LENGTH, blank=True)
    # Made after the leg was marked overdue: it cleared the alarm.
    late = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Vault:
        key_holder = "leg.case"

    class Meta:
        indexes = [models.Index(fields=["leg", "-created_at"], name="checkin_leg_created")]


CHECK_IN_SECRET_FIELDS = ("note", "location")
