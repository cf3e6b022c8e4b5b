"""What relocation records in the audit log (supportdesk.audit.actions)."""

from supportdesk.audit.actions import ActionNames


class SafeHouseActions(ActionNames):
    CREATE = "safehouse.create"
    UPDATE = "safehouse.update"
    STATUS = "safehouse.status"
    COMPROMISE = "safehouse.compromise"
    # A reveal of a house's address, contact or notes (need to know: docs/relocation.md).
    VIEW = "safehouse.view"


class AreaActions(ActionNames):
    CREATE = "area.create"
    UNSAFE = "area.unsafe"


class RouteActions(ActionNames):
    PLAN_CREATE = "route_plan.create"
    PLAN_UPDATE = "route_plan.update"
    PLAN_SUBMIT = "route_plan.submit"
    PLAN_APPROVE = "route_plan.approve"
    PLAN_RETURN = "route_plan.return"
    PLAN_CANCEL = "route_plan.cancel"
    PLAN_FLAG = "route_plan.flag"
    LEG_ADD = "route_leg.add"
    LEG_UPDATE = "route_leg.update"
    LEG_REMOVE = "route_leg.remove"
    LEG_START = "route_leg.start"
    LEG_ARRIVE = "route_leg.arrive"
    LEG_ABORT = "route_leg.abort"
    LEG_OVERDUE = "route_leg.overdue"
    CHECK_IN = "route_leg.check_in"
    TEAM_SETTINGS = "relocation_settings.update"
