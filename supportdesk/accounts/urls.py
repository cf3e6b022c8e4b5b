from django.urls import path

from supportdesk.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("two-factor/", views.otp_view, name="otp"),
    path("two-factor/setup/", views.enrol_view, name="enrol"),
    path("two-factor/backup-codes/", views.backup_codes_view, name="backup_codes"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security_view, name="security"),
    path("people/", views.people_view, name="people"),
    path("people/<uuid:user_id>/revoke-all/", views.revoke_all_view, name="revoke_all"),
]
