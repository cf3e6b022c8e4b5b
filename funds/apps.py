from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.sections import CaseSection, register_case_section
        from funds import rules
        from funds.case_page import money_section
        from funds.home import PANELS
        from funds.money import MONEY, format_money_param
        from funds.services import disbursements
        from supportdesk.accounts.home import register_home_panel
        from supportdesk.followups.registry import register_handler
        from supportdesk.messages import register_formatter

        register_handler(rules.APPROVAL_PENDING, disbursements.approval_pending_remind)
        register_handler(rules.UNPAID, disbursements.unpaid_remind)
        register_handler(rules.UNCONFIRMED, disbursements.unconfirmed_remind)
        register_handler(rules.EXPIRY, disbursements.expiry_run)
        register_case_section(
            CaseSection(
                name="funds.money",
                order=50,
                template="funds/_case_section.html",
                build=money_section,
            )
        )
        for panel in PANELS:
            register_home_panel(panel)
        # Amounts in stored sentences are written for each reader: lakhs in Burmese.
        register_formatter(MONEY, format_money_param)
