"""Fewer indexes on audit events: each one is paid by every request that records an event.

Time ranges get a BRIN index on PostgreSQL (rows arrive in time order, so it stays tiny); SQLite,
used only by `make run`, goes without. The chain position's uniqueness becomes a partial index, so
unsealed rows are not written into it at insert.
"""

from django.db import migrations, models

BRIN = "CREATE INDEX audit_occurred_brin ON audit_auditevent USING brin (occurred_at)"
DROP_BRIN = "DROP INDEX IF EXISTS audit_occurred_brin"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_auditevent_drop_redundant_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='auditevent',
            name='audit_action_time',
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='chain_position',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='occurred_at',
            field=models.DateTimeField(),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(condition=models.Q(('chain_position__isnull', False)), fields=('chain_position',), name='audit_chain_position_unique'),
        ),
        migrations.RunPython(_on_postgresql(BRIN), _on_postgresql(DROP_BRIN)),
    ]
