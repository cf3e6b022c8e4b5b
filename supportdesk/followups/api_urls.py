"""The user's notifications and the administrators' problem list, under /api/v1/."""

from django.urls import path

from supportdesk.followups import api

urlpatterns = [
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
