"""The three homes say what to do next: the volunteer's cases and what waits on them, the
coordinator's queues with counts, the administrator's alerts, problems and sign-ins."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from django.utils import timezone

from cases.models import Case, CdmRequest, DuplicateFlag, SecurityFlag
from cases.tests.factories import (
    CaseFactory,
    CdmRequestFactory,
    FamilyMemberFactory,
    SecurityFlagFactory,
)
from supportdesk.accounts.home import (
    HomePanel,
    Item,
    Panel,
    register_home_panel,
    unregister_home_panel,
)
from supportdesk.accounts.models import Team, User
from supportdesk.audit.alerts import alert_raise
from supportdesk.audit.models import AuditAlert, AuditEvent
from supportdesk.audit.services import audit_record
from supportdesk.followups.models import FollowUp
from supportdesk.testing import verified_client


def home(user: User) -> str:
    response = verified_client(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def count_of(page: str, label: str) -> int:
    """The number shown next to a queue's label."""
    found = re.search(r'<span class="count">(\d+)</span> <span>' + re.escape(label), page)
    assert found, f"no queue {label!r} on the page"
    return int(found.group(1))


def test_the_volunteer_sees_their_cases_by_risk_and_can_start_one(
    volunteer: User, team: Team, other_team: Team
) -> None:
    CaseFactory.create(team=team, alias="Quiet one", risk=1)
    CaseFactory.create(team=team, alias="In danger", risk=4, status=Case.Status.DETAINED)
    CaseFactory.create(team=other_team, alias="Not mine")
    page = home(volunteer)
    assert page.index("In danger") < page.index("Quiet one")
    assert "Not mine" not in page
    assert 'href="/cases/new/"' in page
    shown = AuditEvent.objects.filter(actor_id=volunteer.pk, action="case.list_view")
    assert shown.count() == 2  # the aliases on the home are recorded as read


def test_what_waits_on_a_volunteer(volunteer: User, coordinator: User, team: Team) -> None:
    case = CaseFactory.create(team=team, status=Case.Status.LOST_CONTACT)
    flag = SecurityFlagFactory.create(
        family_member=FamilyMemberFactory.create(case=case),
        review_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    CdmRequestFactory.create(case=case, created_by=coordinator)  # a draft someone else must check
    page = home(volunteer)
    assert count_of(page, "Cases with lost contact") == 1
    assert count_of(page, "Family flags due for a check") == 1
    assert count_of(page, "CDM-code requests to check") == 1
    assert '<li class="urgent">' in page
    SecurityFlag.objects.filter(pk=flag.pk).update(resolved_at=timezone.now())
    assert "Family flags due for a check" not in home(volunteer)


def test_nothing_waiting_is_said_not_left_blank(volunteer: User) -> None:
    assert "Nothing is waiting on you." in home(volunteer)


def test_the_coordinator_sees_queues_with_counts(coordinator: User, team: Team) -> None:
    vouched = CaseFactory.create(team=team, verification=Case.Verification.VOUCHED)
    CaseFactory.create(team=team)
    DuplicateFlag.objects.create(
        case=vouched, other=CaseFactory.create(team=team), matched_on="phone"
    )
    CdmRequestFactory.create(case=vouched, state=CdmRequest.State.READY)
    sent = CaseFactory.create(team=team)
    CdmRequestFactory.create(
        case=sent,
        state=CdmRequest.State.SUBMITTED,
        submitted_on=timezone.localdate() - datetime.timedelta(days=90),
    )
    page = home(coordinator)
    assert count_of(page, "To verify (vouched for)") == 1
    assert count_of(page, "Possible duplicates") == 1
    assert count_of(page, "CDM-code requests ready to send") == 1
    assert count_of(page, "CDM-code requests with no answer for too long") == 1
    assert count_of(page, "New cases") == 4
    assert 'href="/cases/?cdm=ready"' in page


def test_a_queue_link_shows_the_cases_it_counts(coordinator: User, team: Team) -> None:
    ready = CaseFactory.create(team=team, alias="Ready one")
    CdmRequestFactory.create(case=ready, state=CdmRequest.State.READY)
    CaseFactory.create(team=team, alias="Other one")
    page = verified_client(coordinator).get("/cases/?cdm=ready").content.decode()
    assert "Ready one" in page and "Other one" not in page


def test_the_volunteer_has_no_coordinator_queues(volunteer: User) -> None:
    assert "To verify (vouched for)" not in home(volunteer)


def test_the_administrator_sees_alerts_problems_and_sign_ins(
    administrator: User, volunteer: User
) -> None:
    alert_raise(kind=AuditAlert.Kind.BULK_READ, dedupe_key="k", detail="x")
    FollowUp.objects.create(
        kind="test.kind",
        subject_type_id=1,
        subject_id="1",
        due_at=timezone.now(),
        next_attempt_at=timezone.now(),
        state=FollowUp.State.FAILED,
    )
    audit_record(actor=volunteer, action="auth.login", obj=volunteer)
    audit_record(actor=None, action="auth.login_failed")
    page = home(administrator)
    assert count_of(page, "Alerts not yet acknowledged") == 1
    assert count_of(page, "Follow-ups failed or overdue") == 1
    assert count_of(page, "Failed sign-in attempts in the last 24 hours") == 1
    assert volunteer.username in page
    assert "Ask an administrator to add you" not in page
    assert "There is no good backup yet." in page
    assert count_of(page, "No good backup in the last day") == 1


def test_the_administrator_sees_no_case_panels(administrator: User, team: Team) -> None:
    CaseFactory.create(team=team, alias="Hidden from admins")
    page = home(administrator)
    assert "Hidden from admins" not in page and "Waiting on you" not in page


@pytest.fixture
def extra_panel() -> Iterator[None]:
    register_home_panel(
        HomePanel(
            name="test.extra",
            roles={User.Role.VOLUNTEER},
            order=5,
            build=lambda user: Panel(
                title="Route check-ins", items=[Item("Check-ins due", 3, "/x/")]
            ),
        )
    )
    yield
    unregister_home_panel("test.extra")


def test_an_app_adds_its_panel_without_the_home_importing_it(
    extra_panel: None, volunteer: User
) -> None:
    page = home(volunteer)
    assert count_of(page, "Check-ins due") == 3
    assert page.index("Route check-ins") < page.index("Waiting on you")
