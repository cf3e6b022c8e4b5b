"""Relocation pages for volunteers on phones (server-rendered; relocation/api.py does the same
work for programs): safe houses and their keeping (`houses`), waypoint areas (`areas`), a case's
plans, a plan and its leg form (`plans`), a leg with its check-in button (`legs`), and the lists
of journeys the home page links to (`journeys`)."""

from relocation.views.areas import area_add_view, area_unsafe_view, areas_view
from relocation.views.houses import (
    safe_house_create_view,
    safe_house_detail_view,
    safe_house_edit_view,
    safe_house_list_view,
    safe_house_status_view,
)
from relocation.views.journeys import journeys_view
from relocation.views.legs import (
    leg_abort_view,
    leg_arrive_view,
    leg_check_in_view,
    leg_detail_view,
    leg_start_view,
)
from relocation.views.plans import (
    case_plans_view,
    leg_add_view,
    leg_edit_view,
    leg_remove_view,
    plan_detail_view,
    plan_move_view,
)

__all__ = [
    "area_add_view",
    "area_unsafe_view",
    "areas_view",
    "case_plans_view",
    "journeys_view",
    "leg_abort_view",
    "leg_add_view",
    "leg_arrive_view",
    "leg_check_in_view",
    "leg_detail_view",
    "leg_edit_view",
    "leg_remove_view",
    "leg_start_view",
    "plan_detail_view",
    "plan_move_view",
    "safe_house_create_view",
    "safe_house_detail_view",
    "safe_house_edit_view",
    "safe_house_list_view",
    "safe_house_status_view",
]
