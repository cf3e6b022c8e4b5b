"""Everything under /api/v1/. Each app adds its routes here."""

from django.urls import path

from supportdesk.accounts import api as accounts_api

app_name = "api"

urlpatterns = [
    path("auth/token/", accounts_api.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/logout/", accounts_api.LogoutApi.as_view(), name="auth-logout"),
    path("accounts/me/", accounts_api.MeApi.as_view(), name="accounts-me"),
    path(
        "accounts/users/<uuid:user_id>/revoke-all/",
        accounts_api.RevokeAllApi.as_view(),
        name="accounts-revoke-all",
    ),
]

# Follow-ups: the user's notifications, and the administrators' problem list.
from supportdesk.followups.urls import api_urlpatterns as followups_api  # noqa: E402

urlpatterns += followups_api

# Audit: the administrators' audit log and alerts.
from supportdesk.audit.api_urls import api_urlpatterns as audit_api  # noqa: E402

urlpatterns += audit_api
