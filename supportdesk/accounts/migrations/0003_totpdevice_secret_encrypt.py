"""Data, step 2 of 3: encrypt each TOTP secret under its user's data key.

Historical models carry no `Vault` declaration, so the secret is sealed here with the same label,
field name, row id and key holder that TOTPDevice declares (accounts.totpdevice / secret /
vault_id / the user). It uses the vault's current DataKey model: run it with the vault migrations
of this release (0001_data_keys), as the dependency says.
"""

import uuid

from django.db import migrations

from supportdesk.vault.crypto import seal


def encrypt_secrets(apps, schema_editor):
    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    for device in TOTPDevice.objects.filter(vault_id__isnull=True).iterator():
        row_id = uuid.uuid4()
        sealed = seal(
            bytes(device.secret),
            label="accounts.totpdevice",
            field="secret",
            row_id=row_id,
            holder=("accounts.user", device.user_id),
        )
        TOTPDevice.objects.filter(pk=device.pk).update(vault_id=row_id, secret_sealed=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_totpdevice_secret_vault_columns"),
        ("vault", "0001_data_keys"),
    ]

    # Not reversible: writing the secrets back in plaintext is not something to do by accident.
    operations = [migrations.RunPython(encrypt_secrets, elidable=False)]
