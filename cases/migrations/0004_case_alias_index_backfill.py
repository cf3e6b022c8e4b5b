"""Data: compute the alias blind index of every case recorded before it existed.

Historical models carry no `Vault` declaration, so each alias is opened here with the label, field
and row id that Case declares (cases.case / alias / the case's id). A shredded case's alias reads
as shredded and keeps no index (shredding clears blind indexes). Needs the key ring when there are
cases to index; re-running is harmless (only cases without an index are read).
"""

from django.db import migrations

from supportdesk.vault.crypto import Sealed, is_shredded, unseal
from supportdesk.vault.fields import blind_index


def index_aliases(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    pending = Case.objects.filter(alias_index__isnull=True, shredded_at__isnull=True)
    for case_id, stored in pending.values_list("id", "alias").iterator():
        if stored is None:
            continue
        plain = unseal(Sealed(bytes(stored)), label="cases.case", field="alias", row_id=case_id)
        if is_shredded(plain) or not plain:
            continue
        digest = blind_index(
            plain.decode("utf-8"), index_name="cases.case.alias", version=1, normaliser="alias"
        )
        Case.objects.filter(pk=case_id).update(alias_index=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_case_alias_index"),
        ("vault", "0001_data_keys"),
    ]

    # Backwards: the column goes with 0003; nothing to undo here.
    operations = [migrations.RunPython(index_aliases, migrations.RunPython.noop, elidable=False)]
