from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "supportdesk.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from supportdesk.accounts.home import register_home_panel
        from supportdesk.accounts.home_panels import PANELS
        from supportdesk.accounts.models import Membership, Team
        from supportdesk.accounts.scope import memberships_changed

        for panel in PANELS:
            register_home_panel(panel)
        # A membership read once per request must not outlive a change within it.
        uid = "accounts.memberships_changed"
        post_save.connect(memberships_changed, sender=Membership, dispatch_uid=uid)
        post_delete.connect(memberships_changed, sender=Membership, dispatch_uid=uid)
        m2m_changed.connect(memberships_changed, sender=Team.members.through, dispatch_uid=uid)
