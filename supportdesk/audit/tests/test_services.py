"""Recording reads: one event per object shown, field names only, and the async-commit option
never relaxing the commit of a transaction that changes something."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import override_settings

from supportdesk.accounts.models import Team, User
from supportdesk.audit.models import AuditEvent
from supportdesk.audit.services import audit_record_list_view, audit_record_view, view_action
from supportdesk.audit.tests.helpers import is_postgresql


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


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


@pytest.mark.django_db
@override_settings(AUDIT_READ_EVENTS_ASYNC_COMMIT=True)
def test_async_commit_never_applies_inside_a_transaction(volunteer: User, team: Team) -> None:
    if not is_postgresql():
        pytest.skip("PostgreSQL only")
    with transaction.atomic():
        audit_record_view(actor=volunteer, obj=team, fields=["name"])
        assert synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
@override_settings(AUDIT_READ_EVENTS_ASYNC_COMMIT=True)
def test_async_commit_applies_to_the_read_event_alone(volunteer: User, team: Team) -> None:
    if not is_postgresql():
        pytest.skip("PostgreSQL only")
    event = audit_record_view(actor=volunteer, obj=team, fields=["name"])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert synchronous_commit() == "on"  # SET LOCAL ended with the event's own transaction
