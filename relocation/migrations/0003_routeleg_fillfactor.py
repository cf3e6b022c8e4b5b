"""Leave a tenth of each route-leg page free (PostgreSQL only). A leg is rewritten many times in
its life (started, a check-in every interval, each step of a missed check-in's ladder) and those
updates change indexed columns, so each writes a new row version: with room on its page the new
version stays beside the old one instead of dirtying a second page. Pages written from now on
keep the room; existing ones gain it as they are rewritten."""

from django.db import migrations


def _fillfactor(value):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE relocation_routeleg SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("relocation", "0002_routeleg_leaner_indexes")]

    operations = [migrations.RunPython(_fillfactor(90), _fillfactor(100))]
