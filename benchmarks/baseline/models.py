"""The cases app's tables as a plain app would have them: every value in plaintext."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import models


class Row(models.Model):
    # Declared, so type checks know it: the project's settings, which mypy loads, do not
    # install this app.
    objects: ClassVar[models.Manager[Any]] = models.Manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class Team(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=100, unique=True)


class Case(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    alias = models.CharField(max_length=100)
    real_name = models.CharField(max_length=200, blank=True)
    service_branch = models.CharField(max_length=16)
    rank = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=200, blank=True)
    service_number = models.CharField(max_length=50, blank=True)
    date_left = models.DateField(null=True, blank=True)
    still_serving = models.BooleanField(default=False)
    current_area = models.CharField(max_length=200, blank=True)
    contact_method = models.CharField(max_length=16)
    languages = models.JSONField(default=list, blank=True)
    medical_notes = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=16, default="new")
    verification = models.CharField(max_length=16, default="unverified")
    risk = models.PositiveSmallIntegerField(default=1)
    on_hold = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(Row.Meta):
        indexes = [
            models.Index(fields=["team", "status"], name="base_case_team_status"),
            models.Index(fields=["-risk", "-created_at"], name="base_case_risk_created"),
            models.Index(
                fields=["status", "-risk", "-created_at", "-id"], name="base_case_status_risk"
            ),
        ]


class CaseNeed(Row):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    need = models.CharField(max_length=24)


class Contact(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=16)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    handle = models.CharField(max_length=200, blank=True, db_index=True)


class FamilyMember(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField(max_length=16)
    name = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    age_group = models.CharField(max_length=16, default="unknown")
    in_military_compound = models.BooleanField(default=False)
    with_case = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class SecurityFlag(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    family_member = models.ForeignKey(FamilyMember, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=24)
    severity = models.PositiveSmallIntegerField()
    observed_on = models.DateField()
    source = models.TextField(blank=True)
    review_on = models.DateField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class CdmRequest(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cdm_requests")
    kind = models.CharField(max_length=16)
    state = models.CharField(max_length=16, default="draft")
    code = models.CharField(max_length=64, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class CaseEvent(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(Row.Meta):
        indexes = [models.Index(fields=["case", "-created_at"], name="base_event_case_created")]


class DuplicateFlag(Row):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="duplicate_flags")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    matched_on = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
