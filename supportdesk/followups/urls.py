from django.urls import path

from supportdesk.followups import api, views

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

# Included by supportdesk.api.urls under /api/v1/.
api_urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/unread-count/",
        api.NotificationUnreadCountApi.as_view(),
        name="notifications-unread-count",
    ),
    path(
        "notifications/read-all/",
        api.NotificationReadAllApi.as_view(),
        name="notifications-read-all",
    ),
    path(
        "notifications/<uuid:notification_id>/read/",
        api.NotificationReadApi.as_view(),
        name="notifications-read",
    ),
    path("followups/problems/", api.FollowUpProblemListApi.as_view(), name="followups-problems"),
    path(
        "followups/problems/<int:followup_id>/retry/",
        api.FollowUpRetryApi.as_view(),
        name="followups-retry",
    ),
]
