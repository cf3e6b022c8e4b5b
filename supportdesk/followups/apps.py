from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "supportdesk.followups"
    label = "followups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from supportdesk.accounts.home import register_home_panel
        from supportdesk.followups.home import PANELS

        for panel in PANELS:
            register_home_panel(panel)
