from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "supportdesk.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from supportdesk.accounts.home import register_home_panel
        from supportdesk.accounts.home_panels import PANELS

        for panel in PANELS:
            register_home_panel(panel)
