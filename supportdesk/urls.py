from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from supportdesk import health
from supportdesk.accounts import views as account_views
from supportdesk.accounts.access import public

admin.site.site_header = "supportdesk administration"
admin.site.site_title = "supportdesk"

urlpatterns = [
    path("", account_views.home_view, name="home"),
    path("accounts/", include("supportdesk.accounts.urls")),
    # The admin's own login page would skip the second factor: send people to ours.
    path("admin/login/", RedirectView.as_view(pattern_name=settings.LOGIN_URL, query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("supportdesk.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    path("cases/", include("cases.urls")),
    path("audit/", include("supportdesk.audit.urls")),  # administrators: audit log and alerts
    path("", include("supportdesk.followups.urls")),  # notification inbox, problem list
]

handler400 = "supportdesk.errors.bad_request"
handler403 = "supportdesk.errors.permission_denied"
handler404 = "supportdesk.errors.page_not_found"
handler500 = "supportdesk.errors.server_error"
