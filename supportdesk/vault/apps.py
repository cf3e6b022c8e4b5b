import sys

from django.apps import AppConfig
from django.conf import settings


class VaultConfig(AppConfig):
    name = "supportdesk.vault"
    label = "vault"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Vault"

    def ready(self) -> None:
        from supportdesk.vault.keyring import key_ring

        # Production refuses to start without a usable key ring, rather than fail on first use.
        # The one exception is the command that makes a key ring.
        if settings.PRODUCTION and sys.argv[1:2] != ["generate_keys"]:
            key_ring()
