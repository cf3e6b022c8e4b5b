from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from funds import rules
        from funds.services import disbursements
        from supportdesk.followups.registry import register_handler

        register_handler(rules.APPROVAL_PENDING, disbursements.approval_pending_remind)
        register_handler(rules.UNPAID, disbursements.unpaid_remind)
        register_handler(rules.UNCONFIRMED, disbursements.unconfirmed_remind)
        register_handler(rules.EXPIRY, disbursements.expiry_run)
