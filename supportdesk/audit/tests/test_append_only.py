"""On PostgreSQL the audit table is append-only in the database: a trigger for every role, and the
app role's privileges from deploy/postgres/roles.sql (no DELETE, no TRUNCATE, no UPDATE but the
seal columns)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from supportdesk.audit import chain
from supportdesk.audit.models import AuditEvent
from supportdesk.audit.services import audit_record
from supportdesk.audit.tests.helpers import is_postgresql, make_events, raw

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
ROLES_SQL = Path(settings.BASE_DIR) / "deploy" / "postgres" / "roles.sql"
# Roles are global to the server: one name per test process, so parallel runs never wait on each
# other's uncommitted CREATE ROLE.
TEST_ROLE = f"sd_audit_app_test_{os.getpid()}"


@pytest.fixture(autouse=True)
def _postgresql_only(db: None) -> None:
    if not is_postgresql():
        pytest.skip("the append-only trigger and roles exist on PostgreSQL only")


def app_role_grants(role: str) -> list[str]:
    """The app role section of roles.sql, for `role`, one statement at a time."""
    text = ROLES_SQL.read_text()
    section = re.search(r"-- BEGIN app role grants.*?\n(.*?)-- END app role grants", text, re.S)
    assert section is not None, "roles.sql lost its app role section"
    body = "\n".join(
        line for line in section.group(1).splitlines() if not line.strip().startswith("--")
    )
    return [
        statement.strip().replace("supportdesk_app", role)
        for statement in body.split(";")
        if statement.strip()
    ]


@pytest.fixture
def as_app_role() -> Iterator[None]:
    """Inside the test's transaction: a throw-away non-superuser role granted as roles.sql says.
    Everything (the role too) is rolled back with the test."""
    raw(f"CREATE ROLE {TEST_ROLE} NOLOGIN NOSUPERUSER")
    for statement in app_role_grants(TEST_ROLE):
        raw(statement)
    raw(f"SET LOCAL ROLE {TEST_ROLE}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (TEST_ROLE, False)
    yield
    raw("RESET ROLE")


def refused(sql: str, params: list[object] | None = None) -> bool:
    try:
        with transaction.atomic():  # a savepoint: the failure must not end the test transaction
            raw(sql, params)
    except DatabaseError:
        return True
    return False


@pytest.fixture
def sealed() -> list[AuditEvent]:
    make_events(3)
    chain.audit_seal()
    return list(AuditEvent.objects.order_by("chain_position"))


def test_trigger_refuses_update_even_for_the_superuser(sealed: list[AuditEvent]) -> None:
    assert refused(f"UPDATE {TABLE} SET action = 'x' WHERE id = %s", [sealed[0].id])  # noqa: S608
    assert refused(f"UPDATE {TABLE} SET chain_mac = %s WHERE id = %s", ["0" * 64, sealed[0].id])  # noqa: S608


def test_trigger_refuses_delete_even_for_the_superuser(sealed: list[AuditEvent]) -> None:
    assert refused(f"DELETE FROM {TABLE} WHERE id = %s", [sealed[0].id])  # noqa: S608
    assert AuditEvent.objects.count() == 3


def test_trigger_refuses_inserting_a_sealed_event(db: None) -> None:
    assert refused(
        f"INSERT INTO {TABLE} (occurred_at, action, object_type, object_id, fields, "  # noqa: S608
        "request_id, chain_position, event_mac, chain_mac) "
        "VALUES (now(), 'x', '', '', '[]', '', 99, %s, %s)",
        ["a" * 64, "b" * 64],
    )


def test_trigger_refuses_sealing_with_other_columns_changed(db: None) -> None:
    event = audit_record(actor=None, action="auth.login_failed")
    assert refused(
        f"UPDATE {TABLE} SET chain_position = 1, event_mac = %s, chain_mac = %s, "  # noqa: S608
        "action = 'auth.login' WHERE id = %s",
        ["a" * 64, "b" * 64, event.id],
    )


def test_app_role_cannot_update_delete_or_truncate(
    sealed: list[AuditEvent], as_app_role: None
) -> None:
    event = sealed[1]
    assert refused(f"UPDATE {TABLE} SET action = 'x' WHERE id = %s", [event.id])  # noqa: S608
    assert refused(f"UPDATE {TABLE} SET chain_mac = %s WHERE id = %s", ["0" * 64, event.id])  # noqa: S608
    assert refused(f"DELETE FROM {TABLE} WHERE id = %s", [event.id])  # noqa: S608
    assert refused(f"TRUNCATE {TABLE}")
    assert refused(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_event_append_only")
    assert refused("SET LOCAL session_replication_role = replica")


def test_app_role_can_append_and_seal(sealed: list[AuditEvent], as_app_role: None) -> None:
    audit_record(actor=None, action="auth.login_failed")
    make_events(2)
    assert chain.audit_seal() == 3
    assert chain.verify().intact
    assert AuditEvent.objects.filter(chain_position__isnull=True).count() == 0


def test_trigger_is_installed(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [TABLE],
        )
        assert [row[0] for row in cursor.fetchall()] == ["audit_event_append_only"]
