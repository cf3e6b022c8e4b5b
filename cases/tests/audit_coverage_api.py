"""How to call each cases API route that shows personal data, and the view event it must record.

The case actions (transition, vouch, verify, revoke, assign, hold) answer with the case's state,
nothing decrypted: they are marked @no_personal_data and have no registration here;
cases/tests/test_api_actions.py proves they open no encrypted value and record no read."""

from __future__ import annotations

import datetime

from cases.models import Case, CdmRequest
from cases.tests.factories import CaseFactory, CdmRequestFactory, FamilyMemberFactory
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.audit.tests.coverage import ViewCoverage, register_personal_data_route


def _member(role: str = User.Role.VOLUNTEER, team=None):
    team = team or TeamFactory.create()
    return MembershipFactory.create(team=team, user__role=role).user, team


def _viewed(case: Case) -> list[tuple[str, str, str]]:
    return [("case.view", "cases.case", case.pk.hex)]


def _case_route(
    name: str,
    *,
    role: str = User.Role.VOLUNTEER,
    method: str = "post",
    data: dict | None = None,
    **case_fields: object,
):
    def setup() -> ViewCoverage:
        user, team = _member(role)
        case = CaseFactory.create(team=team, **case_fields)
        return ViewCoverage(
            user=user,
            kwargs={"case_id": case.pk},
            method=method,
            data=data,
            api=True,
            expect=_viewed(case),
        )

    register_personal_data_route(f"api:{name}")(setup)


@register_personal_data_route("api:cases")
def _case_list() -> ViewCoverage:
    user, team = _member()
    case = CaseFactory.create(team=team)
    return ViewCoverage(user=user, api=True, expect=[("case.list_view", "cases.case", case.pk.hex)])


@register_personal_data_route("api:case-search")
def _case_search() -> ViewCoverage:
    user, team = _member()
    case = CaseFactory.create(team=team)
    return ViewCoverage(
        user=user,
        method="post",
        data={"query": case.ref},
        api=True,
        expect=[("case.list_view", "cases.case", case.pk.hex), ("case.search", "", "")],
    )


_case_route("case-detail", method="get")
_case_route("case-timeline", method="get")
_case_route("case-contacts", data={"kind": "signal", "value": "09 420 123456"})
_case_route("case-family", method="get")
_case_route("case-cdm-requests", method="get")


@register_personal_data_route("api:family-member")
def _family_member() -> ViewCoverage:
    user, team = _member()
    member = FamilyMemberFactory.create(case=CaseFactory.create(team=team))
    return ViewCoverage(
        user=user,
        kwargs={"member_id": member.pk},
        method="patch",
        data={"location": "Elsewhere"},
        api=True,
        expect=_viewed(member.case),
    )


def _cdm_route(name: str, state: str, data: dict | None = None, **case_fields: object):
    def setup() -> ViewCoverage:
        coordinator, team = _member(User.Role.COORDINATOR)
        case = CaseFactory.create(
            team=team,
            verification=Case.Verification.VERIFIED,
            date_left=datetime.date(2021, 3, 1),
            **case_fields,
        )
        request = CdmRequestFactory.create(case=case, state=state)
        return ViewCoverage(
            user=coordinator,
            kwargs={"request_id": request.pk},
            method="post",
            data=data or {},
            api=True,
            expect=_viewed(case),
        )

    register_personal_data_route(f"api:{name}")(setup)


_cdm_route("cdm-ready", CdmRequest.State.DRAFT)
_cdm_route("cdm-submit", CdmRequest.State.READY, {"submitted_on": "2026-11-02", "channel": "email"})
_cdm_route("cdm-issue", CdmRequest.State.SUBMITTED, {"code": "CDM-COVERAGE-1"})
_cdm_route("cdm-reject", CdmRequest.State.SUBMITTED, {"reason": "Unknown unit"})
_cdm_route("cdm-withdraw", CdmRequest.State.DRAFT)


@register_personal_data_route("api:cdm-export")
def _cdm_export() -> ViewCoverage:
    coordinator, team = _member(User.Role.COORDINATOR)
    request = CdmRequestFactory.create(
        case=CaseFactory.create(team=team), state=CdmRequest.State.READY
    )
    return ViewCoverage(
        user=coordinator, api=True, expect=[("export.csv", "cases.cdmrequest", request.pk.hex)]
    )
