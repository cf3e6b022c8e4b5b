from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CdmRequest, FamilyMember
from cases.retention import closed_case_shred
from cases.selectors import statistics
from cases.tests.factories import CaseFactory, FamilyMemberFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.retention import retention_schedule_due
from supportdesk.followups.sweep import followups_sweep
from supportdesk.vault.crypto import is_shredded

pytestmark = pytest.mark.django_db


def closed_days_ago(team, days: int, **fields) -> Case:
    closed_at = timezone.now() - datetime.timedelta(days=days)
    return CaseFactory.create(team=team, status=Case.Status.CLOSED, closed_at=closed_at, **fields)


def test_retention_shreds_old_closed_cases_and_leaves_held_and_recent_ones(team, settings) -> None:
    settings.RETENTION_DAYS = 90
    old = closed_days_ago(team, 91)
    FamilyMemberFactory.create(case=old, name="Daw Mya")
    held = closed_days_ago(team, 200, on_hold=True)
    recent = closed_days_ago(team, 30)
    open_case = CaseFactory.create(team=team)
    assert retention_schedule_due() == 1
    followups_sweep()
    old = Case.objects.get(pk=old.pk)
    assert old.shredded_at is not None and is_shredded(old.alias)
    assert is_shredded(FamilyMember.objects.get(case=old).name)
    for kept in (held, recent, open_case):
        assert not is_shredded(Case.objects.get(pk=kept.pk).alias)
    assert AuditEvent.objects.filter(action="retention.shred", object_id=old.pk.hex).exists()
    assert retention_schedule_due() == 0  # shredded cases are not due again


def test_the_retention_shred_is_audited_with_field_names_only(team) -> None:
    case = closed_days_ago(team, 120, alias="Min Aung")
    FamilyMemberFactory.create(case=case, name="Daw Mya")
    cutoff = timezone.now() - datetime.timedelta(days=90)
    assert closed_case_shred(subject_id=case.pk, cutoff=cutoff)
    event = AuditEvent.objects.get(action="vault.key_holder_shred")
    assert event.object_id == case.pk.hex
    assert "cases.familymember.name" in event.fields
    assert "cases.case.alias" in event.fields
    assert "Min Aung" not in repr(event.__dict__) and "Daw Mya" not in repr(event.__dict__)


def test_a_case_put_on_hold_after_scheduling_is_not_shredded(team, coordinator) -> None:
    case = closed_days_ago(team, 120)
    retention_schedule_due()
    Case.objects.filter(pk=case.pk).update(on_hold=True)
    followups_sweep()
    assert not is_shredded(Case.objects.get(pk=case.pk).alias)


def test_statistics_mask_small_counts(team) -> None:
    for _ in range(6):
        CaseFactory.create(team=team)
    CaseFactory.create(team=team, still_serving=True, service_branch="police")
    stats = statistics()
    week = stats["weeks"][0]
    assert week["new_contacts"] == "7" and week["defections"] == "6" and week["cdm_codes"] == "<5"
    assert {"service_branch": "police", "cases": "<5"} in stats["by_service_branch"]
    assert {"service_branch": "army", "cases": "6"} in stats["by_service_branch"]
    assert {"status": "new", "cases": "7"} in stats["by_status"]


def test_issued_codes_are_counted_by_week(team) -> None:
    for _ in range(5):
        CdmRequest.objects.create(
            case=CaseFactory.create(team=team), kind="cdm", state="issued", issued_at=timezone.now()
        )
    assert statistics()["weeks"][0]["cdm_codes"] == "5"


def test_nothing_can_be_added_to_a_shredded_case(team, volunteer, coordinator) -> None:
    from supportdesk.testing import token_client
    from supportdesk.vault.services import key_holder_shred

    case = closed_days_ago(team, 1)
    member = FamilyMemberFactory.create(case=case)
    key_holder_shred(holder=case)
    Case.objects.filter(pk=case.pk).update(shredded_at=timezone.now())
    volunteer_api, coordinator_api = token_client(volunteer), token_client(coordinator)
    attempts = [
        (volunteer_api, f"/api/v1/cases/{case.pk}/timeline/", {"text": "hello"}),
        (volunteer_api, f"/api/v1/cases/{case.pk}/family/", {"relation": "spouse"}),
        (coordinator_api, f"/api/v1/cases/{case.pk}/transition/", {"to_status": "reopened"}),
        (volunteer_api, f"/api/v1/cases/{case.pk}/cdm-requests/", {"kind": "cdm"}),
        (
            volunteer_api,
            f"/api/v1/family/{member.pk}/flags/",
            {
                "kind": "threatened",
                "severity": 3,
                "observed_on": "2026-11-20",
                "review_on": "2026-11-21",
            },
        ),
    ]
    for api, url, body in attempts:
        response = api.post(url, body, format="json")
        assert response.status_code == 409, (url, response.content)
        assert "shredded" in response.json()["detail"]
    patch = volunteer_api.patch(f"/api/v1/cases/{case.pk}/", {"notes": "x"}, format="json")
    assert patch.status_code == 409
    detail = volunteer_api.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["shredded"] is True and detail["alias"] == "[shredded]"
