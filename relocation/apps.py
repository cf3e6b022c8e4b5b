from django.apps import AppConfig


class RelocationConfig(AppConfig):
    name = "relocation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.rules import register_risk_source
        from cases.sections import CaseSection, register_case_section
        from relocation.case_page import route_section
        from relocation.home import PANELS
        from relocation.rules import LADDER_KINDS
        from relocation.services.checkins import ladder_step_run
        from relocation.services.compromise import area_unsafe, house_compromised, route_risk
        from relocation.services.houses import AREA_UNSAFE, HOUSE_COMPROMISED
        from supportdesk.accounts.home import register_home_panel
        from supportdesk.followups.registry import register_handler

        for kind in LADDER_KINDS:
            register_handler(kind, ladder_step_run)
        register_handler(HOUSE_COMPROMISED, house_compromised)
        register_handler(AREA_UNSAFE, area_unsafe)
        # A compromised house or unsafe area on a live route raises the case's risk.
        register_risk_source("relocation.route", route_risk)
        register_case_section(
            CaseSection(
                name="relocation.route",
                order=40,
                template="relocation/_case_section.html",
                build=route_section,
            )
        )
        for panel in PANELS:
            register_home_panel(panel)
