from django.urls import path

from supportdesk.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.events_view, name="events"),
    path("export.csv", views.export_view, name="export"),
    path("objects/<str:object_type>/<str:object_id>/", views.object_events_view, name="object"),
    path("actors/<uuid:actor_id>/", views.actor_events_view, name="actor"),
    path("alerts/", views.alerts_view, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_view, name="alert"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        views.alert_acknowledge_view,
        name="alert_acknowledge",
    ),
    path("alerts/<int:alert_id>/revoke-all/", views.alert_revoke_all_view, name="alert_revoke_all"),
]
