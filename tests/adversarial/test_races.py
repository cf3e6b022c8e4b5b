"""Races, with real threads on PostgreSQL, each repeated: one winner, a consistent state, one audit
event per effect. The funds app tests many approvals of one request and many requests against
one fund (funds/tests/test_concurrency.py); here: payments and decisions crossing each other."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case, CaseEvent, ContactChannel, DuplicateFlag
from cases.services.intake import ContactInput, case_create
from cases.services.lifecycle import case_transition
from cases.tests.factories import CaseFactory
from funds.checks import ledger_problems
from funds.models import Account, Disbursement, Transfer
from funds.services import disbursements as pay
from funds.tests.conftest import give
from funds.tests.factories import FundFactory
from relocation.models import CheckIn, RouteLeg
from relocation.services.checkins import checkins_missed_sweep, route_leg_check_in
from relocation.services.legs import route_leg_start
from relocation.tests.conftest import approved, legs_of, two_legs
from relocation.tests.factories import SafeHouseFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.sweep import followups_sweep
from supportdesk.vault.tests.test_canary import phone_marker
from tests.adversarial.racing import at_once

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 3


def audit_count(action: str, obj: object) -> int:
    return AuditEvent.objects.filter(action=action, object_id=obj.pk.hex).count()  # type: ignore[attr-defined]


def member(team: Team, name: str, role: str = User.Role.VOLUNTEER) -> User:
    return MembershipFactory.create(team=team, user__username=name, user__role=role).user


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_eight_people_moving_one_case_at_once_make_one_move(
    round_: int, team: Team, volunteer: User, coordinator: User
) -> None:
    case = CaseFactory.create(team=team)
    assert case.status == Case.Status.NEW
    people = [volunteer, coordinator] * 4
    outcomes = at_once(
        [
            functools.partial(case_transition, actor=person, case=case, to_status="verifying")
            for person in people
        ]
    )
    assert outcomes == {"ok": 1, "TransitionNotAllowed": 7}, outcomes
    assert Case.objects.get(pk=case.pk).status == Case.Status.VERIFYING
    moves = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS)
    assert [(e.from_status, e.to_status) for e in moves] == [("new", "verifying")]
    assert audit_count("case.transition", case) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_same_phone_taken_in_on_two_teams_at_once_is_flagged_once(round_: int) -> None:
    north, south = TeamFactory.create(name="North"), TeamFactory.create(name="South")
    people = [member(north, "north-volunteer"), member(south, "south-volunteer")]
    phone = phone_marker()

    def intake(actor: User, team: Team) -> Case:
        return case_create(
            actor=actor,
            team=team,
            alias=f"Special {team.name}",
            service_branch="army",
            contact_method="phone",
            contacts=[ContactInput(kind=ContactChannel.Kind.PHONE, value=phone)],
        )

    outcomes = at_once(
        [
            functools.partial(intake, person, team)
            for person, team in zip(people, (north, south), strict=True)
        ]
    )
    assert outcomes == {"ok": 2}, outcomes
    cases = list(Case.objects.all())
    assert {c.team_id for c in cases} == {north.pk, south.pk}
    # Both intakes committed: whichever checked second saw the first, so exactly one flag.
    flags = list(DuplicateFlag.objects.all())
    assert len(flags) == 1, "two intakes of one phone at once went unflagged"
    assert {flags[0].case_id, flags[0].other_id} == {c.pk for c in cases}
    assert AuditEvent.objects.filter(action="case.create").count() == 2


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_check_ins_crossing_the_escalation_ladder_leave_one_consistent_leg(
    round_: int, team: Team, volunteer: User, coordinator: User
) -> None:
    case = CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )
    house = SafeHouseFactory.create(team=team, code_name="Mango")
    plan = approved(
        two_legs(actor=volunteer, case=case, house=house, escorts=[volunteer]),
        drafter=volunteer,
        approver=coordinator,
    )
    leg = route_leg_start(actor=volunteer, leg=legs_of(plan)[0])
    assert leg.check_in_due_at is not None
    # 16 minutes past the due check-in: the sweep claims the leg and the first step is due.
    with time_machine.travel(leg.check_in_due_at + datetime.timedelta(minutes=16), tick=False):
        outcomes = at_once(
            [
                checkins_missed_sweep,
                followups_sweep,
                functools.partial(route_leg_check_in, actor=volunteer, leg=leg, note="here"),
                checkins_missed_sweep,
                followups_sweep,
                functools.partial(route_leg_check_in, actor=coordinator, leg=leg),
            ]
        )
        assert outcomes == {"ok": 6}, outcomes
        # The moment after: every sweep once more finds nothing left to do.
        before = Notification.objects.count()
        checkins_missed_sweep()
        followups_sweep()
        assert Notification.objects.count() == before

    leg = RouteLeg.objects.get(pk=leg.pk)
    assert leg.ladder == RouteLeg.Ladder.NONE and leg.overdue_at is None
    assert leg.check_in_due_at is not None and leg.check_in_due_at > timezone.now()
    pending = FollowUp.objects.filter(
        kind__startswith="relocation.checkin", subject_id=str(leg.pk), state="pending"
    )
    assert not pending.exists(), list(pending.values_list("kind", flat=True))
    assert CheckIn.objects.filter(leg=leg).count() == 2
    check_ins = AuditEvent.objects.filter(action="route_leg.check_in").count()
    assert check_ins == 2
    escorts = Notification.objects.filter(kind="relocation.checkin.escort", user=volunteer)
    assert escorts.count() <= 1  # the first step, at most once (only if it ran before a check-in)


@pytest.fixture
def fund_and_case(team: Team) -> tuple[Account, Case]:
    fund = FundFactory.create(team=team, name="General kyat")
    give(fund, 100_000)
    case = CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )
    return fund, case


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_approved_request_paid_by_six_people_at_once_is_paid_once(
    round_: int, team: Team, volunteer: User, coordinator: User, fund_and_case
) -> None:
    fund, case = fund_and_case
    asked = pay.disbursement_request(
        actor=volunteer, case=case, fund=fund, purpose="food", amount=30_000, justification="rice"
    )
    asked = pay.disbursement_approve(actor=coordinator, disbursement=asked)
    payers = [volunteer, coordinator, member(team, f"payer-{round_}")] * 2
    outcomes = at_once(
        [
            functools.partial(
                pay.disbursement_pay, actor=p, disbursement=asked, method="cash", reference="r"
            )
            for p in payers
        ]
    )
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 6, outcomes
    paid = Disbursement.objects.get(pk=asked.pk)
    assert paid.state == Disbursement.State.PAID
    assert audit_count("disbursement.pay", paid) == 1
    posted = Transfer.objects.filter(pending_id=paid.reservation_id)
    assert [t.flag for t in posted] == [Transfer.Flag.POST_PENDING]
    assert ledger_problems() == []


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_approving_rejecting_and_withdrawing_one_request_at_once_is_one_serial_story(
    round_: int, team: Team, volunteer: User, coordinator: User, fund_and_case
) -> None:
    fund, case = fund_and_case
    second = member(team, f"coordinator-{round_}", User.Role.COORDINATOR)
    asked = pay.disbursement_request(
        actor=volunteer, case=case, fund=fund, purpose="food", amount=40_000, justification="rice"
    )
    won: list[str] = []

    def move(name: str, service: Callable[..., Disbursement], **kwargs: object) -> None:
        service(disbursement=asked, **kwargs)
        won.append(name)

    outcomes = at_once(
        [
            functools.partial(move, "approve", pay.disbursement_approve, actor=coordinator),
            functools.partial(move, "reject", pay.disbursement_reject, actor=second, reason="no"),
            functools.partial(move, "withdraw", pay.disbursement_withdraw, actor=volunteer),
            functools.partial(move, "approve", pay.disbursement_approve, actor=second),
        ]
    )
    assert sum(outcomes.values()) == 4 and outcomes["ok"] == len(won), outcomes
    # The stories a serial order allows: one decision, or an approval then a withdrawal.
    assert sorted(won) in (["approve"], ["reject"], ["withdraw"], ["approve", "withdraw"]), won
    final = Disbursement.objects.get(pk=asked.pk)
    expected = {"withdraw": "withdrawn", "reject": "rejected", "approve": "approved"}
    assert final.state == next(expected[name] for name in expected if name in won)
    for name in expected:
        assert audit_count(f"disbursement.{name}", final) == won.count(name), (name, won)
    # Money is held only while the request stands approved; the books balance either way.
    held = Transfer.objects.filter(
        pk=final.reservation_id, flag=Transfer.Flag.PENDING, resolution__isnull=True
    )
    assert held.count() == (1 if final.state == "approved" else 0)
    assert ledger_problems() == []
