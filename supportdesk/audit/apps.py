from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "supportdesk.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from supportdesk.accounts.home import register_home_panel
        from supportdesk.audit.home import PANELS

        for panel in PANELS:
            register_home_panel(panel)
        # Every app's action names are declared before the first event is recorded, whichever
        # module happens to record first.
        autodiscover_modules("audit_actions")
