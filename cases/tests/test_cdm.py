from __future__ import annotations

import csv
import datetime
import io

import pytest

from cases.models import Case, CdmRequest
from cases.services.cdm import (
    CDM_UNANSWERED,
    CdmNotAllowed,
    CodeAlreadyIssued,
    cdm_request_create,
    cdm_request_issue,
    cdm_request_mark_ready,
    cdm_request_reject,
    cdm_request_submit,
    cdm_request_withdraw,
    cdm_requests_export,
)
from cases.services.common import NotAllowed
from cases.tests.factories import CaseFactory
from supportdesk.api.exceptions import status_for
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.sweep import followups_sweep

pytestmark = pytest.mark.django_db
SUBMITTED_ON = datetime.date(2026, 11, 2)


def verified_case(team, **fields) -> Case:
    return CaseFactory.create(
        team=team,
        verification=Case.Verification.VERIFIED,
        date_left=datetime.date(2021, 3, 1),
        **fields,
    )


def ready_request(volunteer, coordinator, team, **fields) -> CdmRequest:
    request = cdm_request_create(actor=volunteer, case=verified_case(team, **fields), kind="cdm")
    return cdm_request_mark_ready(actor=coordinator, request=request)


def submitted(volunteer, coordinator, team, **fields) -> CdmRequest:
    request = ready_request(volunteer, coordinator, team, **fields)
    return cdm_request_submit(
        actor=coordinator, request=request, submitted_on=SUBMITTED_ON, channel="secure_message"
    )


def test_a_request_goes_from_draft_to_issued(volunteer, coordinator, team) -> None:
    request = submitted(volunteer, coordinator, team)
    request = cdm_request_issue(actor=coordinator, request=request, code="CDM-2021-0150")
    request = CdmRequest.objects.get(pk=request.pk)
    assert request.state == CdmRequest.State.ISSUED and request.code == "CDM-2021-0150"
    assert FollowUp.objects.get(kind=CDM_UNANSWERED).state == FollowUp.State.CANCELLED
    assert AuditEvent.objects.filter(action="cdm_request.issue").get().fields == ["code", "state"]


def test_the_kind_must_fit_whether_the_person_still_serves(volunteer, team) -> None:
    with pytest.raises(CdmNotAllowed, match="pre-CDM"):
        cdm_request_create(actor=volunteer, case=CaseFactory.create(team=team), kind="pre_cdm")
    serving = CaseFactory.create(team=team, still_serving=True)
    assert cdm_request_create(actor=volunteer, case=serving, kind="pre_cdm").kind == "pre_cdm"


def test_one_open_request_per_case(volunteer, team) -> None:
    case = verified_case(team)
    cdm_request_create(actor=volunteer, case=case, kind="cdm")
    with pytest.raises(CdmNotAllowed, match="already has an open"):
        cdm_request_create(actor=volunteer, case=case, kind="cdm")


def test_a_second_person_checks_the_request(volunteer, coordinator, team) -> None:
    request = cdm_request_create(actor=volunteer, case=verified_case(team), kind="cdm")
    with pytest.raises(CdmNotAllowed, match="Someone other than"):
        cdm_request_mark_ready(actor=volunteer, request=request)
    assert cdm_request_mark_ready(actor=coordinator, request=request).checked_by == coordinator


def test_checking_needs_a_verified_case_and_complete_service_details(
    volunteer, coordinator, team
) -> None:
    unverified = cdm_request_create(actor=volunteer, case=CaseFactory.create(team=team), kind="cdm")
    with pytest.raises(CdmNotAllowed, match="verified"):
        cdm_request_mark_ready(actor=coordinator, request=unverified)
    incomplete = cdm_request_create(
        actor=volunteer, case=verified_case(team, service_number="", unit=""), kind="cdm"
    )
    with pytest.raises(CdmNotAllowed, match="unit, service number"):
        cdm_request_mark_ready(actor=coordinator, request=incomplete)


def test_only_coordinators_submit(volunteer, coordinator, team) -> None:
    request = ready_request(volunteer, coordinator, team)
    with pytest.raises(NotAllowed):
        cdm_request_submit(
            actor=volunteer, request=request, submitted_on=SUBMITTED_ON, channel="email"
        )


def test_a_code_issued_twice_is_caught_in_any_spelling(volunteer, coordinator, team) -> None:
    first = submitted(volunteer, coordinator, team)
    cdm_request_issue(actor=coordinator, request=first, code="CDM-2021-0150")
    second = submitted(volunteer, coordinator, team)
    with pytest.raises(CodeAlreadyIssued) as refused:
        cdm_request_issue(actor=coordinator, request=second, code=" cdm-2021-0150 ")
    assert status_for(refused.value) == 409
    assert CdmRequest.objects.get(pk=second.pk).state == CdmRequest.State.SUBMITTED


def test_an_unanswered_request_reminds_the_coordinators(volunteer, coordinator, team) -> None:
    request = submitted(volunteer, coordinator, team, alias="Special 5")
    followup = FollowUp.objects.get(kind=CDM_UNANSWERED)
    assert followup.due_at.date() == SUBMITTED_ON + datetime.timedelta(days=14)
    followups_sweep(now=followup.due_at + datetime.timedelta(minutes=1))
    notice = Notification.objects.get(kind=CDM_UNANSWERED)
    assert notice.user == coordinator and notice.sentence.startswith(f"Case {request.case.ref}:")


def test_reject_and_withdraw(volunteer, coordinator, team) -> None:
    request = submitted(volunteer, coordinator, team)
    rejected = cdm_request_reject(actor=coordinator, request=request, reason="Unit not known")
    assert CdmRequest.objects.get(pk=rejected.pk).rejection_reason == "Unit not known"
    with pytest.raises(CdmNotAllowed):
        cdm_request_withdraw(actor=coordinator, request=rejected)
    draft = cdm_request_create(actor=volunteer, case=verified_case(team), kind="cdm")
    assert cdm_request_withdraw(actor=volunteer, request=draft).state == "withdrawn"


def test_the_export_has_only_what_the_ministry_needs_and_is_audited(
    volunteer, coordinator, team
) -> None:
    request = ready_request(
        volunteer,
        coordinator,
        team,
        alias="Special 77",
        current_area="Near the border",
        real_name="=HYPERLINK(1)",
    )
    body = cdm_requests_export(actor=coordinator, requests=[request])
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [
        "request_id",
        "kind",
        "service_branch",
        "real_name",
        "rank",
        "unit",
        "service_number",
        "date_left",
    ]
    assert rows[1][3] == "'=HYPERLINK(1)"  # never a live formula in a spreadsheet
    assert "Special 77" not in body and "border" not in body
    event = AuditEvent.objects.get(action="export.csv")
    assert event.object_id == request.pk.hex and event.actor_id == coordinator.pk
