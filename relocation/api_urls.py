from django.urls import path

from relocation import api

P = "relocation/"
urlpatterns = [
    path(f"{P}areas/", api.AreaListCreateApi.as_view(), name="relocation-areas"),
    path(
        f"{P}areas/<uuid:area_id>/unsafe/",
        api.AreaUnsafeApi.as_view(),
        name="relocation-area-unsafe",
    ),
    path(f"{P}safe-houses/", api.SafeHouseListCreateApi.as_view(), name="relocation-safe-houses"),
    path(
        f"{P}safe-houses/<uuid:house_id>/",
        api.SafeHouseDetailApi.as_view(),
        name="relocation-safe-house",
    ),
    path(
        f"{P}safe-houses/<uuid:house_id>/status/",
        api.SafeHouseStatusApi.as_view(),
        name="relocation-safe-house-status",
    ),
    path(
        f"{P}teams/<uuid:team_id>/settings/",
        api.TeamSettingsApi.as_view(),
        name="relocation-team-settings",
    ),
    path(
        f"{P}cases/<uuid:case_id>/plans/", api.CasePlansApi.as_view(), name="relocation-case-plans"
    ),
    path(f"{P}plans/<uuid:plan_id>/", api.PlanDetailApi.as_view(), name="relocation-plan"),
    path(
        f"{P}plans/<uuid:plan_id>/submit/",
        api.PlanSubmitApi.as_view(),
        name="relocation-plan-submit",
    ),
    path(
        f"{P}plans/<uuid:plan_id>/approve/",
        api.PlanApproveApi.as_view(),
        name="relocation-plan-approve",
    ),
    path(
        f"{P}plans/<uuid:plan_id>/return/",
        api.PlanReturnApi.as_view(),
        name="relocation-plan-return",
    ),
    path(
        f"{P}plans/<uuid:plan_id>/cancel/",
        api.PlanCancelApi.as_view(),
        name="relocation-plan-cancel",
    ),
    path(f"{P}plans/<uuid:plan_id>/legs/", api.PlanLegsApi.as_view(), name="relocation-plan-legs"),
    path(f"{P}legs/<uuid:leg_id>/", api.LegDetailApi.as_view(), name="relocation-leg"),
    path(f"{P}legs/<uuid:leg_id>/start/", api.LegStartApi.as_view(), name="relocation-leg-start"),
    path(
        f"{P}legs/<uuid:leg_id>/arrive/", api.LegArriveApi.as_view(), name="relocation-leg-arrive"
    ),
    path(f"{P}legs/<uuid:leg_id>/abort/", api.LegAbortApi.as_view(), name="relocation-leg-abort"),
    path(
        f"{P}legs/<uuid:leg_id>/check-ins/",
        api.LegCheckInsApi.as_view(),
        name="relocation-leg-check-ins",
    ),
]
