"""The database roles on the real server: made in a throw-away database, the tables migrated by
the owner, and the app role refused everything that could rewrite history, while the app works
with it. Roles and database get names of their own per run and are dropped afterwards."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from psycopg import errors

from supportdesk.audit.models import CHAIN_COLUMNS, AuditEvent
from supportdesk.operations.pg import Database
from supportdesk.operations.tests.helpers import current_database, scratch_database

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
TABLE = AuditEvent._meta.db_table
TRIGGER = "audit_event_append_only"


def url(database: Database) -> str:
    return f"postgres://{database.user}@{database.host}:{database.port}/{database.name}"


def manage(*args: str, database: Database) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url(database)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def roles(django_db_setup: None, django_db_blocker) -> Iterator[tuple[Database, str, str]]:
    """(the throw-away database as the app role, owner name, app name), migrated by the owner."""
    suffix = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    owner, app = f"sd_owner_{suffix}", f"sd_app_{suffix}"
    with django_db_blocker.unblock():
        base = current_database()
    try:
        with scratch_database("roles") as database:
            names = ["--owner", owner, "--app", app]
            first = manage("manage.py", "db_roles", "--apply", *names, database=database)
            assert "The tables do not exist yet" in first.stdout
            manage("manage.py", "migrate", "-v", "0", database=database.as_user(owner))
            second = manage("manage.py", "db_roles", "--apply", *names, database=database)
            assert f"The app role {app} has its grants." in second.stdout
            yield database.as_user(app), owner, app
    finally:
        with base.connect() as conn:
            for role in (app, owner):
                conn.execute(f"DROP ROLE IF EXISTS {role}".encode())


def refused(database: Database, statement: str) -> bool:
    with database.connect() as conn:
        try:
            conn.execute(statement.encode())
        except errors.InsufficientPrivilege:
            return True
    return False


def one(database: Database, query: str, params: list[object] | None = None) -> object:
    with database.connect() as conn:
        row = conn.execute(query.encode(), params).fetchone()
    assert row is not None
    return row[0]


def test_the_app_role_works_the_app(roles: tuple[Database, str, str]) -> None:
    as_app, _owner, _app = roles
    code = (
        "import django; django.setup(); "
        "from supportdesk.operations.tests.app_role_smoke import main; main()"
    )
    result = manage("-c", code, database=as_app)
    assert "app role works" in result.stdout
    assert one(as_app, "SELECT count(*) FROM audit_auditevent WHERE chain_position IS NOT NULL")


def test_the_app_role_is_no_superuser_and_may_make_nothing(
    roles: tuple[Database, str, str],
) -> None:
    as_app, _owner, _app = roles
    with as_app.connect() as conn:
        row = conn.execute(
            b"SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
            b"FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == (False, False, False, False, False)
    assert refused(as_app, "CREATE TABLE intruder (id int)")
    assert refused(as_app, "CREATE TEMPORARY TABLE intruder (id int)")
    assert refused(as_app, "ALTER TABLE cases_case ADD COLUMN intruder int")
    assert refused(as_app, "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    assert refused(as_app, "SET session_replication_role = replica")
    assert refused(as_app, "TRUNCATE cases_case")


def test_the_owner_owns_everything_and_the_app_role_nothing(
    roles: tuple[Database, str, str],
) -> None:
    as_app, owner, app = roles
    for catalog, column in (("pg_class", "relowner"), ("pg_proc", "proowner")):
        query = f"SELECT count(*) FROM {catalog} WHERE {column} = %s::regrole"  # noqa: S608
        assert one(as_app, query, [app]) == 0
    assert one(as_app, "SELECT count(*) FROM pg_namespace WHERE nspowner = %s::regrole", [app]) == 0
    not_owned = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> %s"
    assert one(as_app, not_owned, [owner]) == 0
    database_owner = (
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
    )
    assert one(as_app, database_owner) == owner


def test_the_app_role_may_update_only_the_seal_of_an_audit_event(
    roles: tuple[Database, str, str],
) -> None:
    as_app, _owner, app = roles
    with as_app.connect() as conn:
        columns = [
            row[0]
            for row in conn.execute(
                b"SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                [TABLE],
            )
        ]
        allowed = {
            column
            for column in columns
            if conn.execute(
                b"SELECT has_column_privilege(%s, %s, %s, 'UPDATE')", [app, TABLE, column]
            ).fetchone()
            == (True,)
        }
        assert allowed == set(CHAIN_COLUMNS)
        # All in one transaction rolled back at the end: the chain of the database stays whole.
        with conn.transaction(force_rollback=True):
            inserted = conn.execute(
                b"INSERT INTO audit_auditevent (occurred_at, action, object_type, object_id, "
                b"fields, request_id) VALUES (now(), 'auth.login_failed', '', '', '[]', '') "
                b"RETURNING id"
            ).fetchone()
            assert inserted is not None
            event = inserted[0]
            seal = "SET chain_position = 999999, event_mac = %s, chain_mac = %s WHERE id = %s"
            conn.execute(f"UPDATE {TABLE} {seal}".encode(), ["a" * 64, "b" * 64, event])
            for statement, params in [
                (f"UPDATE {TABLE} SET action = 'auth.login' WHERE id = %s", [event]),  # noqa: S608
                (f"UPDATE {TABLE} SET chain_mac = %s WHERE id = %s", ["0" * 64, event]),  # noqa: S608
                (f"DELETE FROM {TABLE} WHERE id = %s", [event]),  # noqa: S608
                (f"TRUNCATE {TABLE}", None),
            ]:
                with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                    conn.execute(statement.encode(), params)


@pytest.mark.parametrize(
    "statement",
    [
        f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"ALTER TRIGGER {TRIGGER} ON {TABLE} RENAME TO anything_else",
        f"DROP TRIGGER {TRIGGER} ON {TABLE}",
        f"DROP FUNCTION {TRIGGER}() CASCADE",
        f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NEW; END $$",
        f"ALTER FUNCTION {TRIGGER}() OWNER TO CURRENT_USER",
        f"DROP TABLE {TABLE}",
        f"ALTER TABLE {TABLE} OWNER TO CURRENT_USER",
    ],
)
def test_the_app_role_cannot_touch_the_trigger_or_the_table(
    roles: tuple[Database, str, str], statement: str
) -> None:
    as_app, _owner, _app = roles
    assert refused(as_app, statement)
    assert one(as_app, "SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [TRIGGER]) == "O"


def test_the_documented_restore_runs_as_the_owner_and_serves_the_app_role(
    roles: tuple[Database, str, str], tmp_path: Path
) -> None:
    """docs/operations.md, "Restoring": back up as the app role (as the nightly worker does),
    restore as the owner into a new database it owns, grant the app role, verify the chain."""
    as_app, owner, app = roles
    archive = tmp_path / "nightly.sdbackup"
    manage("manage.py", "backup", "--output", str(archive), "--no-progress", database=as_app)
    superuser = current_database()
    target = superuser.named(f"{as_app.name}_restored")
    with superuser.connect() as conn:
        conn.execute(f"CREATE DATABASE {target.name}".encode())
    try:
        names = ["--owner", owner, "--app", app]
        manage("manage.py", "db_roles", "--part", "roles", "--apply", *names, database=target)
        restored = manage(
            "manage.py", "restore", str(archive), "--no-progress", database=target.as_user(owner)
        )
        assert "Restored from" in restored.stdout
        manage("manage.py", "db_roles", "--apply", *names, database=target)
        verified = manage("manage.py", "verify_audit", database=target.as_user(app))
        assert verified.returncode == 0
        restored_as_app = target.as_user(app)
        assert one(restored_as_app, "SELECT count(*) FROM django_migrations")  # read as the app
        assert refused(restored_as_app, f"TRUNCATE {TABLE}")
        assert refused(restored_as_app, f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    finally:
        with superuser.connect() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {target.name} WITH (FORCE)".encode())


def test_deploy_roles_sql_is_what_db_roles_prints() -> None:
    out = io.StringIO()
    call_command("db_roles", stdout=out)
    assert (ROOT / "deploy" / "postgres" / "roles.sql").read_text() == out.getvalue(), (
        "regenerate it: manage.py db_roles > deploy/postgres/roles.sql"
    )


def test_db_roles_refuses_a_name_that_is_no_plain_identifier() -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="is not a usable name"):
        call_command("db_roles", "--app", "app; DROP TABLE x", stdout=io.StringIO())
