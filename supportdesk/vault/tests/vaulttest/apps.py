from django.apps import AppConfig


class VaultTestConfig(AppConfig):
    """Models used only by the vault's tests; installed when SUPPORTDESK_ENV is test."""

    name = "supportdesk.vault.tests.vaulttest"
    label = "vaulttest"
    default_auto_field = "django.db.models.BigAutoField"
