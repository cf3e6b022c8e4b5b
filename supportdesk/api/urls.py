"""Everything under /api/v1/. Each app keeps its routes in its own module, included here."""

from django.urls import path

from cases.api_urls import urlpatterns as cases_api
from supportdesk.accounts import api as accounts_api
from supportdesk.audit.api_urls import api_urlpatterns as audit_api
from supportdesk.followups.urls import api_urlpatterns as followups_api

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
    *cases_api,
    *followups_api,  # the user's notifications, and the administrators' problem list
    *audit_api,  # the administrators' audit log and alerts
]
