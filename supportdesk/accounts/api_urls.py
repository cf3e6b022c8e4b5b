"""Logging in with a token, the user's own account, and cutting an account off, under /api/v1/."""

from django.urls import path

from supportdesk.accounts import api

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/logout/", api.LogoutApi.as_view(), name="auth-logout"),
    path("accounts/me/", api.MeApi.as_view(), name="accounts-me"),
    path(
        "accounts/users/<uuid:user_id>/revoke-all/",
        api.RevokeAllApi.as_view(),
        name="accounts-revoke-all",
    ),
]
