from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "supportdesk.operations"
    label = "operations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Operations"

    def ready(self) -> None:
        from supportdesk.accounts.home import register_home_panel
        from supportdesk.followups.registry import register_handler
        from supportdesk.operations import services
        from supportdesk.operations.home import PANELS

        register_handler(services.NIGHTLY, services.backup_nightly_start)
        register_handler(services.DEADLINE, services.backup_deadline_check)
        for panel in PANELS:
            register_home_panel(panel)
