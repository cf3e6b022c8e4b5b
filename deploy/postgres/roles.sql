-- PostgreSQL roles for a supportdesk deployment. Run once as a superuser, connected to the
-- supportdesk database, after the owner role has run the first `manage.py migrate`:
--
--   psql -v ON_ERROR_STOP=1 -d supportdesk -f deploy/postgres/roles.sql
--
-- Two roles, so that the processes serving requests cannot rewrite history:
--   supportdesk_owner  owns the tables; runs `manage.py migrate` (and nothing else).
--   supportdesk_app    web, Celery worker and beat. Reads and writes rows, but on the audit log
--                      may only add events and fill in their seal (docs/audit.md).
-- The app role is not the owner: an owner can TRUNCATE, disable triggers and drop tables.
-- Set passwords separately (\password supportdesk_app), never in this file.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supportdesk_owner') THEN
        CREATE ROLE supportdesk_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supportdesk_app') THEN
        CREATE ROLE supportdesk_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;

-- Tables created by later migrations get the app role's ordinary privileges automatically; the
-- audit table's narrower grants below must be repeated if it is ever re-created.
ALTER DEFAULT PRIVILEGES FOR ROLE supportdesk_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO supportdesk_app;
ALTER DEFAULT PRIVILEGES FOR ROLE supportdesk_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO supportdesk_app;

-- BEGIN app role grants (tests run this section against a throw-away role)
GRANT USAGE ON SCHEMA public TO supportdesk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO supportdesk_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO supportdesk_app;
-- Nothing the app does needs TRUNCATE; on the audit log it would erase history in one statement.
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM supportdesk_app;

-- The audit log: append events, read them, and let the sealer fill in the chain columns. No
-- DELETE, no UPDATE of any other column (the trigger also refuses both, for every role), no
-- TRUNCATE.
REVOKE ALL ON audit_auditevent FROM supportdesk_app;
GRANT SELECT, INSERT ON audit_auditevent TO supportdesk_app;
GRANT UPDATE (chain_position, event_mac, chain_mac) ON audit_auditevent TO supportdesk_app;
-- Alerts are acknowledged (UPDATE), never deleted.
REVOKE DELETE ON audit_auditalert FROM supportdesk_app;
-- END app role grants
