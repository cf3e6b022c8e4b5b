from __future__ import annotations

import itertools

import pytest

from cases.models import Case, CaseEvent, Risk
from cases.rules import COORDINATOR_ONLY, TRANSITIONS
from cases.services.common import NotAllowed, NotOnTeam
from cases.services.lifecycle import (
    TransitionNotAllowed,
    VerificationNotAllowed,
    case_assign,
    case_hold_set,
    case_note_add,
    case_transition,
    case_verification_revoke,
    case_verify,
    case_vouch,
)
from cases.tests.factories import CaseFactory
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory, UserFactory
from supportdesk.api.exceptions import status_for
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import Notification

pytestmark = pytest.mark.django_db
S = Case.Status
EVERY_MOVE = list(itertools.product(S.values, S.values))


@pytest.mark.parametrize(("from_status", "to_status"), EVERY_MOVE)
def test_every_move_follows_the_table(coordinator, team, from_status, to_status) -> None:
    case = CaseFactory.create(team=team, status=from_status)
    if to_status in TRANSITIONS[from_status]:
        moved = case_transition(actor=coordinator, case=case, to_status=to_status, reason="why")
        assert moved.status == to_status
        event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.STATUS)
        assert (event.from_status, event.to_status, event.text) == (from_status, to_status, "why")
        assert AuditEvent.objects.filter(action="case.transition", object_id=case.pk.hex).exists()
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            case_transition(actor=coordinator, case=case, to_status=to_status)
        assert status_for(refused.value) == 409
        assert "cannot move" in refused.value.message
        assert Case.objects.get(pk=case.pk).status == from_status


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [(f, t) for f, targets in TRANSITIONS.items() for t in targets if t in COORDINATOR_ONLY],
)
def test_only_coordinators_accept_decline_close_and_reopen(
    volunteer, team, from_status, to_status
) -> None:
    case = CaseFactory.create(team=team, status=from_status)
    with pytest.raises(NotAllowed):
        case_transition(actor=volunteer, case=case, to_status=to_status)
    assert Case.objects.get(pk=case.pk).status == from_status


def test_volunteers_make_the_other_moves(volunteer, team) -> None:
    case = CaseFactory.create(team=team)
    assert case_transition(actor=volunteer, case=case, to_status=S.VERIFYING).status == S.VERIFYING


def test_another_teams_volunteer_gets_not_found(outsider, team) -> None:
    case = CaseFactory.create(team=team)
    with pytest.raises(NotOnTeam) as refused:
        case_transition(actor=outsider, case=case, to_status=S.VERIFYING)
    assert status_for(refused.value) == 404


def test_closing_stamps_and_reopening_clears_the_closed_time(coordinator, team) -> None:
    case = CaseFactory.create(team=team, status=S.RESETTLED)
    closed = case_transition(actor=coordinator, case=case, to_status=S.CLOSED)
    assert closed.closed_at is not None
    reopened = case_transition(actor=coordinator, case=case, to_status=S.REOPENED)
    assert reopened.closed_at is None


def test_lost_contact_alerts_the_coordinators_and_raises_risk(volunteer, coordinator, team) -> None:
    case = CaseFactory.create(team=team, status=S.IN_TRANSIT, alias="Special 007")
    moved = case_transition(actor=volunteer, case=case, to_status=S.LOST_CONTACT)
    assert moved.risk == Risk.HIGH
    notice = Notification.objects.get(user=coordinator, kind="case.alarm")
    assert notice.sentence == f"Case {case.ref}: Lost contact"
    assert "Special" not in notice.sentence
    assert not Notification.objects.filter(user=volunteer, kind="case.alarm").exists()


def test_vouching_then_verifying_by_another_coordinator(volunteer, coordinator, team) -> None:
    case = CaseFactory.create(team=team)
    case = case_vouch(actor=volunteer, case=case, note="Known from the unit")
    assert case.verification == Case.Verification.VOUCHED and case.vouched_by_user == volunteer
    case = case_verify(actor=coordinator, case=case, note="Interviewed")
    assert case.verification == Case.Verification.VERIFIED and case.verified_by == coordinator


def test_the_voucher_cannot_also_verify(coordinator, team) -> None:
    case = case_vouch(actor=coordinator, case=CaseFactory.create(team=team))
    with pytest.raises(VerificationNotAllowed, match="another coordinator"):
        case_verify(actor=coordinator, case=case)


def test_verification_needs_vouching_first_and_a_coordinator(volunteer, coordinator, team) -> None:
    case = CaseFactory.create(team=team)
    with pytest.raises(VerificationNotAllowed, match="vouched for before"):
        case_verify(actor=coordinator, case=case)
    case = case_vouch(actor=coordinator, case=case)
    with pytest.raises(NotAllowed):
        case_verify(actor=volunteer, case=case)


def test_a_verified_case_can_vouch_for_another(volunteer, team) -> None:
    voucher = CaseFactory.create(team=team, verification=Case.Verification.VERIFIED)
    case = case_vouch(actor=volunteer, case=CaseFactory.create(team=team), by_case=voucher)
    assert case.vouched_by_case == voucher and case.vouched_by_user is None
    with pytest.raises(VerificationNotAllowed):
        case_vouch(
            actor=volunteer,
            case=CaseFactory.create(team=team),
            by_case=CaseFactory.create(team=team),
        )


def test_revoking_verification_returns_to_unverified(coordinator, team) -> None:
    case = CaseFactory.create(team=team, verification=Case.Verification.VERIFIED)
    case = case_verification_revoke(actor=coordinator, case=case, reason="Story does not add up")
    assert case.verification == Case.Verification.UNVERIFIED


def test_assigning_to_another_team_needs_a_coordinator_of_both(coordinator, team) -> None:
    case = CaseFactory.create(team=team)
    elsewhere = TeamFactory.create()
    with pytest.raises(NotOnTeam):
        case_assign(actor=coordinator, case=case, team=elsewhere)
    MembershipFactory.create(team=elsewhere, user=coordinator)
    receiving = MembershipFactory.create(
        team=elsewhere, user=UserFactory.create(role="coordinator", username="receiver")
    ).user
    assert case_assign(actor=coordinator, case=case, team=elsewhere).team == elsewhere
    assert Notification.objects.filter(user=receiving, kind="case.assigned").exists()


def test_hold_is_for_coordinators(volunteer, coordinator, team) -> None:
    case = CaseFactory.create(team=team)
    with pytest.raises(NotAllowed):
        case_hold_set(actor=volunteer, case=case, on_hold=True)
    assert case_hold_set(actor=coordinator, case=case, on_hold=True).on_hold


def test_a_note_is_encrypted_on_the_timeline(volunteer, team) -> None:
    case = CaseFactory.create(team=team)
    event = case_note_add(actor=volunteer, case=case, text="Moved to the second safe house")
    assert CaseEvent.objects.get(pk=event.pk).text == "Moved to the second safe house"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_caseevent WHERE id = %s", [event.pk])
        assert b"safe house" not in bytes(cursor.fetchone()[0])
