"""Schema, step 3 of 3: drop the plaintext secret; the encrypted one takes its name."""

import uuid

from django.db import migrations, models

import supportdesk.vault.fields


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_totpdevice_secret_encrypt"),
    ]

    operations = [
        migrations.RemoveField(model_name="totpdevice", name="secret"),
        migrations.RenameField(
            model_name="totpdevice", old_name="secret_sealed", new_name="secret"
        ),
        migrations.AlterField(
            model_name="totpdevice",
            name="secret",
            field=supportdesk.vault.fields.EncryptedBinaryField(editable=False),
        ),
        migrations.AlterField(
            model_name="totpdevice",
            name="vault_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
