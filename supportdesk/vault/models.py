"""Data keys: one random 256-bit key per key holder (a case, a safe house, a donor, a user).

Only the wrapped form is stored: AES-256-GCM under a master key (KEK) from the key ring, with
associated data naming the holder and the KEK, so a wrapped key copied to another holder's row, or
relabelled with another KEK id, fails to unwrap. Shredding sets `wrapped` to NULL: every value
encrypted under the key becomes unrecoverable at once (see docs/vault.md for dead rows and backups).
"""

from django.db import models


class DataKey(models.Model):
    id = models.BigAutoField(primary_key=True)
    holder_type = models.CharField(max_length=100)  # "app_label.model_name" of the key holder
    holder_id = models.UUIDField()
    kek_id = models.CharField(max_length=32, blank=True, db_index=True)
    wrapped = models.BinaryField(null=True, editable=False)  # nonce | AES-GCM(KEK, data key)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["holder_type", "holder_id"], name="vault_datakey_unique_holder"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(shredded_at__isnull=True, wrapped__isnull=False)
                    | models.Q(shredded_at__isnull=False, wrapped__isnull=True)
                ),
                name="vault_datakey_wrapped_unless_shredded",
            ),
        ]

    def __str__(self) -> str:
        return f"Data key {self.id}"

    def __repr__(self) -> str:
        return f"<DataKey {self.id} {self.holder_type} kek={self.kek_id or '-'}>"
