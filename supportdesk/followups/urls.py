from django.urls import path

from supportdesk.followups import views

app_name = "followups"

urlpatterns = [
    path("notifications/", views.inbox_view, name="inbox"),
    path("notifications/read-all/", views.notifications_read_all_view, name="read_all"),
    path(
        "notifications/<uuid:notification_id>/read/",
        views.notification_read_view,
        name="read",
    ),
    path("followups/problems/", views.problems_view, name="problems"),
    path(
        "followups/problems/<int:followup_id>/retry/",
        views.followup_retry_view,
        name="retry",
    ),
]
