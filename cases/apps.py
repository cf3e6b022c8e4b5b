from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.home import PANELS
        from cases.retention import CLOSED_CASES
        from cases.services.cdm import CDM_UNANSWERED, cdm_unanswered
        from cases.services.family import FLAG_REVIEW, flag_review_due
        from supportdesk.accounts.home import register_home_panel
        from supportdesk.followups.registry import register_handler
        from supportdesk.followups.retention import register_retention_policy

        register_handler(FLAG_REVIEW, flag_review_due)
        register_handler(CDM_UNANSWERED, cdm_unanswered)
        register_retention_policy(CLOSED_CASES)
        for panel in PANELS:
            register_home_panel(panel)
