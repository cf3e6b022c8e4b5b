"""The database's two roles, as SQL: the one source of `manage.py db_roles` and of
deploy/postgres/roles.sql (generated from here; a test keeps the file equal to the output).

- the **owner** role owns the database, the public schema, every table, sequence and function in
  it, and runs `manage.py migrate`; nothing else connects as it;
- the **app** role (web, Celery worker and beat) owns nothing, is no superuser and can make no
  database, role or table. It reads and writes rows, except on the audit log: there it may only
  add events and fill in their seal (SELECT, INSERT, UPDATE of the three chain columns), never
  UPDATE another column, DELETE or TRUNCATE, and, owning neither the table nor the trigger, it
  can neither disable, alter nor drop the trigger that refuses the rest (docs/audit.md).

Two parts, because the audit table's narrower grants need the table: `roles` runs before the
first migrate, `grants` after it (and again after any migration that re-creates a table). Both
are idempotent. Passwords are set apart (`\\password supportdesk_app` in psql), never here.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from supportdesk.audit.models import CHAIN_COLUMNS, AuditAlert, AuditEvent
from supportdesk.errors import ApplicationError

OWNER = "supportdesk_owner"
APP = "supportdesk_app"
DATABASE = "supportdesk"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The markers supportdesk/audit/tests/test_append_only.py finds the app role's grants by.
GRANTS_BEGIN = "-- BEGIN app role grants (tests run this section against a throw-away role)"
GRANTS_END = "-- END app role grants"


class BadRoleName(ApplicationError):
    pass


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise BadRoleName(
            _("%(name)s is not a usable name: use lower-case letters, digits and _.")
            % {"name": name}
        )
    return name


def roles_sql(*, owner: str = OWNER, app: str = APP, database: str = DATABASE) -> str:
    """Part one, run by a superuser before the first migrate (and safe to run again)."""
    owner, app, database = _checked(owner), _checked(app), _checked(database)
    attributes = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    # The names are checked against _NAME above: plain identifiers, nothing to quote.
    return f"""\
-- Part 1: the roles, and the owner's hold on the database. A superuser runs it, connected to
-- the {database} database, before the first `manage.py migrate`.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN
        CREATE ROLE {owner} LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
        CREATE ROLE {app} LOGIN;
    END IF;
END
$$;
-- Also for roles made earlier by hand: neither may do more than this.
ALTER ROLE {owner} {attributes};
ALTER ROLE {app} {attributes};
-- Membership would hand the app role the owner's rights.
REVOKE {owner} FROM {app};

ALTER DATABASE {database} OWNER TO {owner};
REVOKE ALL ON DATABASE {database} FROM PUBLIC;
GRANT CONNECT ON DATABASE {database} TO {app};
ALTER SCHEMA public OWNER TO {owner};
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {app};

-- Tables, views and functions made earlier by another role (a superuser's migrate, a restore)
-- pass to the owner; sequences follow their tables.
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass::text AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND c.relowner <> '{owner}'::regrole
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO {owner}', item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure::text AS name FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> '{owner}'::regrole
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO {owner}', item.name);
    END LOOP;
END
$$;

-- Tables that later migrations create get the app role's ordinary privileges (never
-- TRUNCATE); the audit table's narrower grants in part 2 must be run again if it is re-created.
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO {app};
"""  # noqa: S608 - names checked against _NAME  # nosec B608: role and database names checked against _NAME


def grants_sql(*, app: str = APP) -> str:
    """Part two, run by a superuser (or the owner) once the tables exist. Plain statements only:
    the audit app's test splits this section at each `;`."""
    app = _checked(app)
    events, alerts = AuditEvent._meta.db_table, AuditAlert._meta.db_table
    return f"""\
-- Part 2: the app role's privileges on the tables. Run after `manage.py migrate`.
{GRANTS_BEGIN}
GRANT USAGE ON SCHEMA public TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app};
-- Nothing the app does needs TRUNCATE; on the audit log it would erase history in one statement.
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {app};

-- The audit log: append events, read them, and let the sealer fill in the chain columns. No
-- DELETE, no UPDATE of any other column (the trigger also refuses both, for every role), no
-- TRUNCATE.
REVOKE ALL ON {events} FROM {app};
GRANT SELECT, INSERT ON {events} TO {app};
GRANT UPDATE ({", ".join(CHAIN_COLUMNS)}) ON {events} TO {app};
-- Alerts are acknowledged (UPDATE), never deleted.
REVOKE DELETE ON {alerts} FROM {app};
{GRANTS_END}
"""  # noqa: S608 - names checked against _NAME, tables from the models  # nosec B608: names checked against _NAME, tables from the models


def full_sql(*, owner: str = OWNER, app: str = APP, database: str = DATABASE) -> str:
    return (
        f"""\
-- PostgreSQL roles for a supportdesk deployment. Generated by `manage.py db_roles`
-- (supportdesk/operations/roles.py): change that and regenerate, never this file by hand:
--
--   manage.py db_roles > deploy/postgres/roles.sql
--
-- `manage.py db_roles --apply` runs part 1, and part 2 once the tables exist (docs/operations.md).
-- With psql instead, as a superuser: part 1, then `manage.py migrate` as {owner}, then part 2
-- (`manage.py db_roles --part roles` and `--part grants` print each alone):
--
--   psql -v ON_ERROR_STOP=1 -d {database} -f roles.sql     (after the first migrate)
--
-- Two roles, so that the processes serving requests cannot rewrite history:
--   {owner}  owns the database, the schema and the tables; runs `manage.py migrate`.
--   {app}    web, Celery worker and beat. Reads and writes rows, but on the audit log may
--                      only add events and fill in their seal (docs/audit.md).
-- The app role is not the owner: an owner can TRUNCATE, disable triggers and drop tables.
-- Set passwords separately (\\password {app}), never in this file.

"""
        + roles_sql(owner=owner, app=app, database=database)
        + "\n"
        + grants_sql(app=app)
    )
