"""`manage.py demo_data`: the demo accounts and invented records in several states, written
through the services, every home and the case list with something to show, and safe to run again."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from cases.models import Case, CaseEvent, CdmRequest, DuplicateFlag, SecurityFlag
from funds.models import Account, Disbursement, Donation
from relocation.models import RouteLeg, RoutePlan, SafeHouse
from supportdesk.accounts.management.commands.demo_data import DEMO_TEAM
from supportdesk.accounts.models import Team, User
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import Notification
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db

COUNTED = (Case, CaseEvent, DuplicateFlag, SecurityFlag, CdmRequest, SafeHouse, RoutePlan)
COUNTED_TOO = (RouteLeg, Account, Donation, Disbursement, Notification, AuditEvent, User)


def demo_data() -> str:
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED + COUNTED_TOO}


def test_the_demo_has_cases_in_several_states_a_duplicate_a_flag_and_a_cdm_request() -> None:
    printed = demo_data()
    team = Team.objects.get(name=DEMO_TEAM)
    cases = Case.objects.filter(team=team)
    states = set(cases.values_list("status", flat=True))
    assert {Case.Status.NEW, Case.Status.VERIFYING, Case.Status.IN_TRANSIT} <= states
    assert {Case.Status.SAFE_AREA, Case.Status.LOST_CONTACT, Case.Status.HIDING} <= states
    assert all(case.alias.endswith("(demo)") for case in cases)
    assert (
        DuplicateFlag.objects.filter(case__team=team, state=DuplicateFlag.State.OPEN).count() == 1
    )
    assert SecurityFlag.objects.filter(family_member__case__team=team).count() == 1
    assert CdmRequest.objects.get(case__team=team).state == CdmRequest.State.SUBMITTED
    kinds = set(CaseEvent.objects.filter(case__team=team).values_list("kind", flat=True))
    assert {"created", "status", "note", "verification", "flag", "cdm", "route"} <= kinds
    assert {"disbursement"} <= kinds
    plan = RoutePlan.objects.get(case__team=team)
    assert plan.approval == RoutePlan.Approval.APPROVED
    assert plan.case.status == Case.Status.IN_TRANSIT
    assert Disbursement.objects.get(case__team=team).state == Disbursement.State.REQUESTED
    assert Donation.objects.filter(fund__team=team).count() == 1
    # Written through the services: each case's intake is in the audit log.
    assert AuditEvent.objects.filter(action="case.create").count() == cases.count()
    assert "Demo cases: 8 invented cases" in printed


def test_running_it_again_adds_nothing() -> None:
    demo_data()
    before = counts()
    printed = demo_data()
    assert counts() == before
    assert "Demo cases" not in printed and "username: volunteer" in printed


@pytest.mark.parametrize("username", ["volunteer", "coordinator", "admin"])
def test_every_home_has_something_to_show(username: str) -> None:
    demo_data()
    page = verified_client(User.objects.get(username=username)).get("/").content.decode()
    shown = [int(n) for n in re.findall(r'<span class="count">([\d,]+)</span>', page)]
    assert shown and all(n > 0 for n in shown), f"{username}'s home shows no queue"


def test_the_case_list_shows_the_demo_cases() -> None:
    demo_data()
    page = verified_client(User.objects.get(username="volunteer")).get("/cases/").content
    assert page.decode().count("(demo)") >= 8


def test_there_is_no_demo_in_production() -> None:
    with override_settings(PRODUCTION=True), pytest.raises(CommandError):
        demo_data()
    assert not Case.objects.exists()
