"""The workflow kit: one table answers both "may this move be made?" and "what can I offer?"."""

from __future__ import annotations

import pytest

from cases.models import Case, CdmRequest
from cases.rules import COORDINATOR_ONLY, TRANSITIONS
from cases.workflows import CASE_STATUS, CDM_REQUEST, VERIFICATION, NotAllowed
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.scope import is_team_coordinator
from supportdesk.errors import Conflict, NotFound
from supportdesk.workflow import Move, Workflow, moves

S = Case.Status


class WrongState(Conflict):
    pass


DOORS = Workflow(
    "door",
    [
        Move("open", frozenset({"closed"}), "open"),
        Move("lock", frozenset({"closed"}), "locked", who=is_team_coordinator),
        Move("shut", frozenset({"open", "closed"}), "closed"),
        Move("seal", frozenset({"closed"}), "sealed", offered=False),
    ],
    wrong_state=lambda state, name: WrongState(f"{state}:{name}"),
    not_permitted=NotAllowed,
)


def test_a_volunteer_is_offered_only_what_they_may_do(volunteer: User, team: Team) -> None:
    offered = [m.name for m in DOORS.available(user=volunteer, team=team, state="closed")]
    assert offered == ["open"]  # not "lock" (coordinators), "shut" (no change), "seal" (hidden)


def test_a_coordinator_is_offered_more(coordinator: User, team: Team) -> None:
    offered = [m.name for m in DOORS.available(user=coordinator, team=team, state="closed")]
    assert offered == ["open", "lock"]


def test_an_outsider_is_offered_nothing_and_refused_as_not_found(
    outsider: User, team: Team
) -> None:
    assert DOORS.available(user=outsider, team=team, state="closed") == []
    with pytest.raises(NotFound):
        DOORS.check(user=outsider, team=team, state="closed", name="open")


def test_check_refuses_a_wrong_state_and_a_wrong_role(volunteer: User, team: Team) -> None:
    with pytest.raises(WrongState, match="open:lock"):
        DOORS.check(user=volunteer, team=team, state="open", name="lock")
    with pytest.raises(NotAllowed):
        DOORS.check(user=volunteer, team=team, state="closed", name="lock")


def test_check_allows_what_changes_nothing_and_moves_never_offered(
    coordinator: User, team: Team
) -> None:
    assert DOORS.check(user=coordinator, team=team, state="closed", name="shut").target == "closed"
    assert DOORS.check(user=coordinator, team=team, state="closed", name="seal").target == "sealed"


def test_a_status_table_becomes_moves_named_for_their_target() -> None:
    built = {
        m.name: m for m in moves({"a": ["b", "c"], "b": ["c"]}, who=lambda t: is_team_coordinator)
    }
    assert built["c"].sources == frozenset({"a", "b"}) and built["b"].sources == frozenset({"a"})


@pytest.mark.parametrize("state", S.values)
def test_the_case_status_table_offers_exactly_the_allowed_moves(
    state: str, volunteer: User, coordinator: User, team: Team
) -> None:
    as_coordinator = {
        m.name for m in CASE_STATUS.available(user=coordinator, team=team, state=state)
    }
    as_volunteer = {m.name for m in CASE_STATUS.available(user=volunteer, team=team, state=state)}
    assert as_coordinator == set(TRANSITIONS[state])
    assert as_volunteer == set(TRANSITIONS[state]) - COORDINATOR_ONLY


def test_verification_offers_vouch_then_verify_then_revoke(
    volunteer: User, coordinator: User, team: Team
) -> None:
    V = Case.Verification

    def offered(user: User, state: str) -> set[str]:
        return {m.name for m in VERIFICATION.available(user=user, team=team, state=state)}

    assert offered(volunteer, V.UNVERIFIED) == {"vouch"}
    assert offered(coordinator, V.UNVERIFIED) == {"vouch"}  # revoking would change nothing
    assert offered(coordinator, V.VOUCHED) == {"verify", "revoke"}
    assert offered(volunteer, V.VOUCHED) == set()
    assert offered(coordinator, V.VERIFIED) == {"revoke"}


def test_a_sent_cdm_request_is_withdrawn_by_a_coordinator_only(
    volunteer: User, coordinator: User, team: Team
) -> None:
    R = CdmRequest.State
    as_volunteer = {
        m.name for m in CDM_REQUEST.available(user=volunteer, team=team, state=R.SUBMITTED)
    }
    as_coordinator = {
        m.name for m in CDM_REQUEST.available(user=coordinator, team=team, state=R.SUBMITTED)
    }
    assert as_volunteer == set()
    assert as_coordinator == {"issue", "reject", "withdraw"}
    assert {m.name for m in CDM_REQUEST.available(user=volunteer, team=team, state=R.DRAFT)} == {
        "ready",
        "withdraw",
    }
