"""Invented cases for the demo team (`manage.py demo_data`; supportdesk.accounts.demo).

Every person, phone and handle is made up, named after birds and marked "(demo)". Each case is
recorded the way a volunteer would record it, through the services, so the timeline, the audit
log, the duplicates queue and the notifications read as they would after a week's work.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.models import Case, CdmRequest, ContactChannel, FamilyMember, Need, SecurityFlag
from cases.models import ServiceBranch as Branch
from cases.services import cdm, family, intake, lifecycle
from supportdesk.accounts.demo import Demo, DemoStep, register_demo

S = Case.Status
PHONE = ContactChannel.Kind.PHONE


def _days(number: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=number)


def _case(demo: Demo, alias: str, *contacts: tuple[str, str], **fields: object) -> Case:
    return intake.case_create(
        actor=demo.volunteer,
        team=demo.team,
        alias=alias,
        service_branch=str(fields.pop("service_branch", Branch.ARMY)),
        contact_method=str(fields.pop("contact_method", Case.ContactMethod.MESSAGING_APP)),
        contacts=[intake.ContactInput(kind=kind, value=value) for kind, value in contacts],
        **fields,  # type: ignore[arg-type]
    )


def _verified(demo: Demo, case: Case) -> Case:
    case = lifecycle.case_vouch(actor=demo.volunteer, case=case, note="Known to the team (demo).")
    return lifecycle.case_verify(actor=demo.coordinator, case=case, note="Interviewed (demo).")


def _moved(demo: Demo, case: Case, *statuses: str) -> Case:
    for status in statuses:
        case = lifecycle.case_transition(actor=demo.coordinator, case=case, to_status=status)
    return case


def _service(number: str) -> dict[str, object]:
    """Service details of an invented soldier who has left (a CDM request needs them all)."""
    return {
        "real_name": f"Maung Demo {number}",
        "rank": "Corporal",
        "unit": f"Demo Battalion {number}",
        "service_number": f"DEMO-{number}",
        "date_left": _days(-60),
    }


def demo_cases(demo: Demo) -> str:
    if Case.objects.filter(team=demo.team).exists():
        return ""
    _case(
        demo,
        "Sparrow (demo)",
        (PHONE, "09 450 000 101"),
        (ContactChannel.Kind.TELEGRAM, "@sparrow_demo"),
        needs=[Need.FOOD, Need.SHELTER],
        notes="Called the hotline; wants to leave soon (demo).",
    )

    heron = _case(demo, "Heron (demo)", (PHONE, "09 450 000 102"), service_branch=Branch.POLICE)
    heron = lifecycle.case_vouch(
        actor=demo.volunteer, case=heron, note="Cousin of a member (demo)."
    )
    _moved(demo, heron, S.VERIFYING)
    wife = family.family_member_create(
        actor=demo.volunteer,
        case=heron,
        relation=FamilyMember.Relation.SPOUSE,
        name="Ma Demo Heron",
        location="Demo Township",
    )
    family.security_flag_add(
        actor=demo.volunteer,
        member=wife,
        kind=SecurityFlag.Kind.THREATENED,
        severity=SecurityFlag.Severity.HIGH,
        observed_on=_days(-2),
        review_on=_days(5),
        source="A neighbour (demo).",
    )

    kingfisher = _case(demo, "Kingfisher (demo)", (PHONE, "09 261 000 301"), **_service("301"))
    _moved(demo, _verified(demo, kingfisher), S.VERIFYING, S.ACCEPTED)

    egret = _case(demo, "Egret (demo)", (PHONE, "09 261 000 302"), **_service("302"))
    egret = _moved(demo, _verified(demo, egret), S.VERIFYING, S.ACCEPTED, S.IN_TRANSIT)
    lifecycle.case_note_add(actor=demo.volunteer, case=egret, text="Reached the border (demo).")
    _moved(demo, egret, S.SAFE_AREA)
    request = cdm.cdm_request_create(actor=demo.volunteer, case=egret, kind=CdmRequest.Kind.CDM)
    request = cdm.cdm_request_mark_ready(actor=demo.coordinator, request=request)
    cdm.cdm_request_submit(
        actor=demo.coordinator,
        request=request,
        submitted_on=_days(-10),
        channel=CdmRequest.Channel.SECURE_MESSAGE,
    )

    crane = _case(demo, "Crane (demo)", (PHONE, "09 261 000 303"), **_service("303"))
    _moved(demo, _verified(demo, crane), S.VERIFYING, S.ACCEPTED, S.IN_TRANSIT, S.LOST_CONTACT)

    bulbul = _case(demo, "Bulbul (demo)", (ContactChannel.Kind.SIGNAL, "09 771 000 201"))
    _moved(demo, bulbul, S.HIDING)

    # The same person recorded twice, by phone: the second intake raises the duplicate flag.
    _case(demo, "Myna (demo)", (PHONE, "09 790 000 401"), needs=[Need.MEDICAL])
    _case(demo, "Myna Lay (demo)", (ContactChannel.Kind.VIBER, "+95 9 790 000 401"))
    return f"{Case.objects.filter(team=demo.team).count()} invented cases"


register_demo(DemoStep(name="cases", order=10, build=demo_cases))
