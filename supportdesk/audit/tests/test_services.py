"""Recording reads: one event per object shown, field names only."""

from __future__ import annotations

import pytest

from supportdesk.accounts.models import Team, User
from supportdesk.audit.models import AuditEvent
from supportdesk.audit.services import audit_record_list_view, audit_record_view, view_action


@pytest.mark.django_db
def test_a_view_names_the_object_and_fields(volunteer: User, team: Team) -> None:
    event = audit_record_view(actor=volunteer, obj=team, fields=["name", "created_at"])
    assert (event.action, event.object_type, event.object_id) == (
        "team.view",
        "accounts.team",
        team.pk.hex,
    )
    assert event.fields == ["created_at", "name"] and event.pk is not None
    assert view_action(Team) == "team.view"


@pytest.mark.django_db
def test_a_list_records_each_object_shown(volunteer: User, team: Team, other_team: Team) -> None:
    events = audit_record_list_view(actor=volunteer, objects=[team, other_team], fields=["name"])
    assert [event.object_id for event in events] == [team.pk.hex, other_team.pk.hex]
    assert AuditEvent.objects.filter(action="team.view", actor_id=volunteer.pk).count() == 2
    assert audit_record_list_view(actor=volunteer, objects=[], fields=["name"]) == []
