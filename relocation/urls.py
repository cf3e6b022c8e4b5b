from django.urls import path

from relocation import views

app_name = "relocation"

HOUSE = "safe-houses/<uuid:house_id>/"
PLAN = "plans/<uuid:plan_id>/"
LEG = "legs/<uuid:leg_id>/"

urlpatterns = [
    path("safe-houses/", views.safe_house_list_view, name="houses"),
    path("safe-houses/new/", views.safe_house_create_view, name="house_add"),
    path(HOUSE, views.safe_house_detail_view, name="house"),
    path(HOUSE + "edit/", views.safe_house_edit_view, name="house_edit"),
    path(HOUSE + "status/", views.safe_house_status_view, name="house_status"),
    path("areas/", views.areas_view, name="areas"),
    path("areas/new/", views.area_add_view, name="area_add"),
    path("areas/<uuid:area_id>/unsafe/", views.area_unsafe_view, name="area_unsafe"),
    path("journeys/", views.journeys_view, name="journeys"),
    path("cases/<uuid:case_id>/plans/", views.case_plans_view, name="case_plans"),
    path(PLAN, views.plan_detail_view, name="plan"),
    path(PLAN + "move/", views.plan_move_view, name="plan_move"),
    path(PLAN + "legs/new/", views.leg_add_view, name="leg_add"),
    path(LEG, views.leg_detail_view, name="leg"),
    path(LEG + "edit/", views.leg_edit_view, name="leg_edit"),
    path(LEG + "remove/", views.leg_remove_view, name="leg_remove"),
    path(LEG + "check-in/", views.leg_check_in_view, name="leg_check_in"),
    path(LEG + "start/", views.leg_start_view, name="leg_start"),
    path(LEG + "arrive/", views.leg_arrive_view, name="leg_arrive"),
    path(LEG + "abort/", views.leg_abort_view, name="leg_abort"),
]
