"""Case actions answer with the case's new state: nothing decrypted, no read recorded, no reload.
And what the writes cost: exact query counts, each query named, so a change that adds one says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cases.models import Case
from cases.tests.factories import CaseFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import token_client
from supportdesk.vault.fields import EncryptedMixin

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"
# What a case action answers with (cases.serializers.CaseStateOutput): no encrypted field.
STATE_FIELDS = {
    "id",
    "team",
    "status",
    "verification",
    "risk",
    "on_hold",
    "shredded",
    "closed_at",
    "updated_at",
    "actions",
}


@dataclass(frozen=True)
class Action:
    path: str
    persona: str
    body: dict[str, Any]
    changed: tuple[str, Any]  # a field of the answer and the value the action gave it
    case_fields: dict[str, Any] = field(default_factory=dict)


ACTIONS = [
    Action("transition", "volunteer", {"to_status": "verifying"}, ("status", "verifying")),
    Action("vouch", "volunteer", {"note": "I know him"}, ("verification", "vouched")),
    Action(
        "verify",
        "coordinator",
        {},
        ("verification", "verified"),
        {"verification": Case.Verification.VOUCHED},
    ),
    Action(
        "verification/revoke",
        "coordinator",
        {"reason": "Doubts"},
        ("verification", "unverified"),
        {"verification": Case.Verification.VERIFIED},
    ),
    Action("hold", "coordinator", {"on_hold": True}, ("on_hold", True)),
    Action("assign", "coordinator", {"team": "{other_team}"}, ("team", "{other_team}")),
]


def refuse_to_decrypt(self: EncryptedMixin, instance: object, blob: bytes) -> Any:
    raise AssertionError(f"{self} was decrypted")


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.path)
def test_a_case_action_answers_with_the_state_and_decrypts_nothing(
    action: Action, request, team: Team, other_team: Team, monkeypatch
) -> None:
    user: User = request.getfixturevalue(action.persona)
    MembershipFactory.create(team=other_team, user=user)  # a team to move the case to
    case = CaseFactory.create(team=team, **action.case_fields)
    api = token_client(user)
    ids = {"other_team": str(other_team.pk)}
    body = {k: v.format(**ids) if isinstance(v, str) else v for k, v in action.body.items()}
    monkeypatch.setattr(EncryptedMixin, "open", refuse_to_decrypt)

    response = api.post(f"{CASES}{case.pk}/{action.path}/", body, format="json")

    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == STATE_FIELDS
    assert answer["id"] == str(case.pk)
    name, value = action.changed
    shown = answer[name]["id"] if name == "team" else answer[name]
    assert shown == (value.format(**ids) if isinstance(value, str) else value)
    assert not AuditEvent.objects.filter(action__in=["case.view", "case.list_view"]).exists()


def test_a_transition_costs_10_queries(volunteer, team, django_assert_num_queries) -> None:
    case = CaseFactory.create(team=team)
    api = token_client(volunteer)
    # 1 the bearer token and its user
    # 2 the case's id and team, in the user's scope (so the user is a member of that team: the
    #   scope checks below and the answer's moves ask nothing more in this request)
    # 3 SAVEPOINT (the service's transaction; BEGIN outside tests)
    # 4 the case, read whole and locked FOR UPDATE
    # 5 the family's open flags, for the new risk
    # 6 a flagged leg on the case's live route (relocation's risk source), for the new risk
    # 7 UPDATE the status and the risk
    # 8 INSERT the timeline entry
    # 9 INSERT the audit event
    # 10 RELEASE SAVEPOINT (COMMIT outside tests)
    # The answer is the locked case as the service left it: no reload, no read event.
    with django_assert_num_queries(10):
        response = api.post(
            f"{CASES}{case.pk}/transition/", {"to_status": "verifying"}, format="json"
        )
    assert response.status_code == 200, response.content


def test_intake_with_two_contacts_costs_18_queries(
    volunteer, team, django_assert_num_queries
) -> None:
    api = token_client(volunteer)
    body = {
        "team": str(team.pk),
        "alias": "Special 007",
        "real_name": "Ko Aung",
        "service_branch": "army",
        "contact_method": "messaging_app",
        "needs": ["food", "medical"],
        "contacts": [
            {"kind": "phone", "value": "09 420 123456"},
            {"kind": "telegram", "value": "@someone"},
        ],
    }
    # 1 the bearer token and its user
    # 2 the team, among the user's teams (a 400 on `team` otherwise); the user is a member of
    #   it, so the service's own check and the answer's moves ask nothing more in this request
    # 3 SAVEPOINT (the service's transaction; BEGIN outside tests)
    # 4 the new case's data key: not there yet
    # 5 INSERT the data key (ON CONFLICT DO NOTHING: a concurrent first write may win)
    # 6 INSERT the case
    # 7 INSERT the needs (one bulk insert)
    # 8 INSERT the contacts (one bulk insert)
    # 9 INSERT the timeline entry
    # 10 INSERT the audit event
    # 11 the contacts' blind indexes locked (a concurrent intake of the same phone waits)
    # 12-13 other cases with the same phone, then with the same handle (one query per contact)
    # 14 RELEASE SAVEPOINT (COMMIT outside tests)
    # 15-16 the needs and the contacts, for the answer (the case itself is not reloaded)
    # 17 INSERT the view event: the answer shows what was recorded, decrypted
    # 18 the count of possible duplicates
    with django_assert_num_queries(18):
        response = api.post(CASES, body, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["real_name"] == "Ko Aung" and answer["needs"] == ["food", "medical"]
    assert [contact["value"] for contact in answer["contacts"]] == ["+959420123456", "someone"]


def test_the_answer_offers_the_moves_this_reader_may_make(volunteer, coordinator, team) -> None:
    """The same tables the services enforce (cases.workflows): a client offers only these."""
    case = CaseFactory.create(team=team, status="verifying", verification="vouched")
    as_volunteer = token_client(volunteer).get(f"{CASES}{case.pk}/").json()["actions"]
    as_coordinator = token_client(coordinator).get(f"{CASES}{case.pk}/").json()["actions"]
    assert "accepted" not in as_volunteer["status"] and "hiding" in as_volunteer["status"]
    assert as_volunteer["verification"] == []
    assert "accepted" in as_coordinator["status"]
    assert as_coordinator["verification"] == ["verify", "revoke"]
    moved = token_client(volunteer).post(
        f"{CASES}{case.pk}/transition/", {"to_status": "hiding"}, format="json"
    )
    assert moved.json()["status"] == "hiding" and "in_transit" in moved.json()["actions"]["status"]
