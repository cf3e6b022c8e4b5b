"""Data: put the events sealed before the tree existed into it, in chain order, so that the
sealer finds the tree as long as the chain and extends both from there. Reversing leaves the
nodes (the table goes with 0006)."""

from django.db import migrations


def build(apps, schema_editor):
    # The app's own code, not historical models: the leaves must be exactly the bytes the sealer
    # hashes (supportdesk.audit.chain.canonical), which a copy here could drift from.
    from supportdesk.audit.chain import tree_build

    tree_build()


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_audit_tree_and_checkpoints_append_only")]

    operations = [migrations.RunPython(build, migrations.RunPython.noop)]
