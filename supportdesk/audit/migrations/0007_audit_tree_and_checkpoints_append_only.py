"""On PostgreSQL, tree nodes and signed checkpoints are written once and never changed: a trigger
refuses UPDATE and DELETE for every role (inserts pay nothing: the trigger is not on INSERT).

Like the events' trigger (0003), it stops the app role and mistakes, not a superuser; the tree is
believed only where it hashes up to a signed checkpoint anyway. SQLite (`make run`) gets none.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_write_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit % rows are written once: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_tree_node_write_once
    BEFORE UPDATE OR DELETE ON audit_audittreenode
    FOR EACH ROW EXECUTE FUNCTION audit_write_once();
CREATE TRIGGER audit_checkpoint_write_once
    BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_write_once();
"""

DROP = r"""
DROP TRIGGER IF EXISTS audit_tree_node_write_once ON audit_audittreenode;
DROP TRIGGER IF EXISTS audit_checkpoint_write_once ON audit_auditcheckpoint;
DROP FUNCTION IF EXISTS audit_write_once();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL holds literal % signs

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_audit_merkle_tree_and_checkpoints")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
