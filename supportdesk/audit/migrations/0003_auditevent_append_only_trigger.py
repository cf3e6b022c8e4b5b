"""On PostgreSQL, make audit events append-only in the database itself.

INSERT must leave the chain columns empty; UPDATE may only fill the chain columns once, from NULL,
leaving every other column as it was (the sealer); DELETE always fails. Comparing the rows as JSON
without the chain columns means a column added later is protected without editing this trigger.

TRUNCATE is stopped by privileges, not a trigger (deploy/postgres/roles.sql: the app role is not
the owner and is not granted TRUNCATE), so that the test suite's superuser can still flush tables.
SQLite (`make run`) gets no trigger.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    chain_columns CONSTANT text[] := ARRAY['chain_position', 'event_mac', 'chain_mac'];
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.chain_position IS NOT NULL OR NEW.event_mac IS NOT NULL
           OR NEW.chain_mac IS NOT NULL THEN
            RAISE EXCEPTION 'audit events are inserted unsealed'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND OLD.chain_position IS NULL AND OLD.event_mac IS NULL AND OLD.chain_mac IS NULL
       AND NEW.chain_position IS NOT NULL AND NEW.event_mac IS NOT NULL
       AND NEW.chain_mac IS NOT NULL
       AND (to_jsonb(NEW) - chain_columns) = (to_jsonb(OLD) - chain_columns) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_event_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

DROP = r"""
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL holds literal % signs

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_auditevent_chain_alerts")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
