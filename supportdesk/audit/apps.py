from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "supportdesk.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every app's action names are declared before the first event is recorded, whichever
        # module happens to record first.
        autodiscover_modules("audit_actions")
