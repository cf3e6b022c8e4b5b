"""Schema, step 1 of 3: room for the encrypted TOTP secret and the UUID it is bound to."""

from django.db import migrations, models

import supportdesk.vault.fields


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("vault", "0001_data_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="totpdevice",
            name="vault_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="totpdevice",
            name="secret_sealed",
            field=supportdesk.vault.fields.EncryptedBinaryField(editable=False, null=True),
        ),
    ]
