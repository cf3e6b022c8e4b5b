"""CDM-code requests: draft -> ready (checked by a second person) -> submitted -> issued,
rejected or withdrawn. Codes unlock support, so each is stored encrypted and may exist only once."""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit_actions import CdmActions
from cases.models import Case, CaseEvent, CdmRequest
from cases.services.common import (
    Conflict,
    clean_text,
    coordinators_of,
    require_live,
    require_member,
    timeline_event,
)
from cases.workflows import CDM_OPEN_STATES, CDM_REQUEST, CdmNotAllowed
from supportdesk.accounts.models import User
from supportdesk.audit.actions import AuditActions
from supportdesk.audit.csv_cells import csv_cell
from supportdesk.audit.services import audit_record_reads, change_record
from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import followup_cancel, followup_notify, followup_schedule
from supportdesk.messages import Message
from supportdesk.workflow import Move

CDM_UNANSWERED = "cdm.unanswered"
R = CdmRequest.State
OPEN_STATES = CDM_OPEN_STATES
# What the ministry needs, and nothing else: no alias, contacts, location or notes.
EXPORT_COLUMNS = (
    "request_id",
    "kind",
    "service_branch",
    "real_name",
    "rank",
    "unit",
    "service_number",
    "date_left",
)


def _locked(request: CdmRequest) -> CdmRequest:
    request = CdmRequest.objects.select_for_update().select_related("case__team").get(pk=request.pk)
    require_live(request.case)
    return request


def _move(actor: User, request: CdmRequest, name: str) -> Move:
    """The workflow's answer for this step (cases.workflows.CDM_REQUEST), or its refusal."""
    return CDM_REQUEST.check(user=actor, team=request.case.team, state=request.state, name=name)


def _recorded(request: CdmRequest, *, actor: User, action: str, fields: Sequence[str]) -> None:
    label = dict(R.choices)[request.state]
    change_record(
        actor=actor,
        action=action,
        obj=request,
        fields=fields,
        timeline=[
            timeline_event(
                case=request.case, kind=CaseEvent.Kind.CDM, actor=actor, message=Message(label)
            )
        ],
    )


@transaction.atomic
def cdm_request_create(*, actor: User, case: Case, kind: str) -> CdmRequest:
    require_member(actor, case.team)
    require_live(case)
    if (kind == CdmRequest.Kind.PRE_CDM) != case.still_serving:
        raise CdmNotAllowed(
            _("A pre-CDM code is for someone still serving; a CDM code for someone who has left.")
        )
    if case.cdm_requests.filter(state__in=OPEN_STATES).exists():
        raise CdmNotAllowed(_("This case already has an open CDM-code request."))
    request = CdmRequest.objects.create(id=uuid.uuid4(), case=case, kind=kind, created_by=actor)
    _recorded(request, actor=actor, action=CdmActions.CREATE, fields=["kind"])
    return request


def field_labels(names: Sequence[str]) -> str:
    """Case fields as a person reads them ("real name, date left"), in their language."""
    fields = [Case._meta.get_field(name) for name in names]
    return ", ".join(str(getattr(field, "verbose_name", field.name)) for field in fields)


def missing_details(case: Case) -> list[str]:
    """Service details the ministry needs that the case does not have yet."""
    needed = ["real_name", "rank", "unit", "service_number"]
    if not case.still_serving:
        needed.append("date_left")
    return [name for name in needed if not getattr(case, name)]


@transaction.atomic
def cdm_request_mark_ready(*, actor: User, request: CdmRequest) -> CdmRequest:
    """The second person's check: identity verified and service details complete."""
    request = _locked(request)
    move = _move(actor, request, "ready")
    if request.created_by_id == actor.pk:
        raise CdmNotAllowed(_("Someone other than the person who drafted it must check it."))
    if request.case.verification != Case.Verification.VERIFIED:
        raise CdmNotAllowed(_("The case must be verified before its request can be checked."))
    missing = missing_details(request.case)
    if missing:
        raise CdmNotAllowed(
            _("Service details are missing: %(fields)s.") % {"fields": field_labels(missing)}
        )
    request.state, request.checked_by = move.target, actor
    request.save(update_fields=["state", "checked_by", "updated_at"])
    _recorded(request, actor=actor, action=CdmActions.READY, fields=["state"])
    return request


def _answer_due(submitted_on: datetime.date) -> datetime.datetime:
    days = settings.CDM_ANSWER_DAYS
    at = datetime.datetime.combine(submitted_on + datetime.timedelta(days=days), datetime.time(9))
    return at.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


@transaction.atomic
def cdm_request_submit(
    *, actor: User, request: CdmRequest, submitted_on: datetime.date, channel: str
) -> CdmRequest:
    request = _locked(request)
    move = _move(actor, request, "submit")
    if request.case.verification != Case.Verification.VERIFIED:
        raise CdmNotAllowed(_("Only a verified case's request can be submitted."))
    request.state, request.submitted_on, request.channel = move.target, submitted_on, channel
    request.save(update_fields=["state", "submitted_on", "channel", "updated_at"])
    followup_schedule(
        kind=CDM_UNANSWERED,
        subject=request,
        due_at=_answer_due(submitted_on),
        users=coordinators_of([request.case.team]),
    )
    _recorded(
        request, actor=actor, action=CdmActions.SUBMIT, fields=["state", "submitted_on", "channel"]
    )
    return request


class CodeAlreadyIssued(Conflict):
    default_message = gettext_lazy(
        "This code is already recorded for another request. Check it with the ministry before "
        "passing it on: a code must never be used twice."
    )


@transaction.atomic
def cdm_request_issue(*, actor: User, request: CdmRequest, code: str) -> CdmRequest:
    request = _locked(request)
    move = _move(actor, request, "issue")
    if CdmRequest.objects.filter_blind(code=code).exclude(pk=request.pk).exists():
        raise CodeAlreadyIssued()
    request.state, request.code, request.issued_at = move.target, code.strip(), timezone.now()
    try:
        with transaction.atomic():  # the unique index catches a race the check above missed
            request.save()
    except IntegrityError:
        raise CodeAlreadyIssued() from None
    followup_cancel(subject=request, kind=CDM_UNANSWERED)
    _recorded(request, actor=actor, action=CdmActions.ISSUE, fields=["state", "code"])
    return request


@transaction.atomic
def cdm_request_reject(*, actor: User, request: CdmRequest, reason: str) -> CdmRequest:
    request = _locked(request)
    request.state = _move(actor, request, "reject").target
    request.rejection_reason = clean_text(reason)
    request.save()
    followup_cancel(subject=request, kind=CDM_UNANSWERED)
    _recorded(request, actor=actor, action=CdmActions.REJECT, fields=["state", "rejection_reason"])
    return request


@transaction.atomic
def cdm_request_withdraw(*, actor: User, request: CdmRequest) -> CdmRequest:
    request = _locked(request)
    request.state = _move(actor, request, "withdraw").target
    request.save(update_fields=["state", "updated_at"])
    followup_cancel(subject=request, kind=CDM_UNANSWERED)
    _recorded(request, actor=actor, action=CdmActions.WITHDRAW, fields=["state"])
    return request


def cdm_requests_export(*, actor: User, requests: Sequence[CdmRequest]) -> str:
    """CSV of ready requests for the ministry, with only the fields it needs. The read of each
    request's decrypted fields is audited as one `export.csv` event per request."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for request in requests:
        case = request.case
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    request.pk,
                    request.kind,
                    case.service_branch,
                    case.real_name,
                    case.rank,
                    case.unit,
                    case.service_number,
                    case.date_left.isoformat() if case.date_left else "",
                )
            ]
        )
    audit_record_reads(
        actor=actor,
        action=AuditActions.EXPORT_CSV,
        object_type="cases.cdmrequest",
        object_ids=[r.pk.hex for r in requests],
        fields=EXPORT_COLUMNS[2:],
    )
    return out.getvalue()


def cdm_unanswered(followup: FollowUp) -> None:
    """Follow-up handler: a submitted request has had no answer for CDM_ANSWER_DAYS."""
    request = (
        CdmRequest.objects.select_related("case")
        .filter(pk=followup.subject_pk, state=R.SUBMITTED)
        .first()
    )
    if request is None:
        return
    followup_notify(
        followup=followup,
        message=Message(
            gettext_lazy(
                "Case %(ref)s: the CDM-code request has had no answer yet. Ask the ministry."
            ),
            ref=request.case.ref,
        ),
        link=f"/cases/{request.case_id}/",
    )
