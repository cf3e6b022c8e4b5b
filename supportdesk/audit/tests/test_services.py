"""Recording reads: one event per object shown, field names only."""

from __future__ import annotations

import uuid

import pytest

from supportdesk import request_context
from supportdesk.accounts.models import Team, User
from supportdesk.audit import services
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


@pytest.mark.django_db
@pytest.mark.parametrize("ip", [None, "203.0.113.9", "2001:db8::1"])
def test_many_reads_in_one_statement_write_what_one_row_each_would(
    volunteer: User, ip: str | None
) -> None:
    """A page of reads goes in as one INSERT ... SELECT over the ids; its rows must be the ones
    the plain multi-row INSERT writes, in the same order, with the ids handed back."""
    ids = [uuid.uuid4().hex for _ in range(7)] + ["repeated", "repeated"]
    request_context.bind(request_id="req-1", ip=ip)
    try:
        written = {}
        for name, insert in (("rows", services._insert), ("alike", services._insert_alike)):
            events = [
                services._event(
                    actor=volunteer,
                    action=f"case.view.{name}",
                    object_type="cases.case",
                    object_id=object_id,
                    fields=["alias", "status"],
                )
                for object_id in ids
            ]
            returned = insert(events)
            assert [event.object_id for event in returned] == ids
            stored = AuditEvent.objects.filter(action=f"case.view.{name}").order_by("id")
            assert [event.pk for event in returned] == [event.pk for event in stored]
            written[name] = list(
                stored.values_list(
                    "actor_id", "object_type", "object_id", "fields", "request_id", "ip"
                )
            )
    finally:
        request_context.bind(request_id="", ip=None)
    assert written["alike"] == written["rows"]
    assert written["rows"][0] == (
        volunteer.pk,
        "cases.case",
        ids[0],
        ["alias", "status"],
        "req-1",
        ip,
    )
