from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases import api_urls as cases_api
from funds import api_urls as funds_api
from relocation import api_urls as relocation_api
from supportdesk import health
from supportdesk.accounts import api_urls as accounts_api
from supportdesk.accounts import views as account_views
from supportdesk.accounts.access import public
from supportdesk.audit import api_urls as audit_api
from supportdesk.followups import api_urls as followups_api

# Every app keeps its API routes in `<app>/api_urls.py` as `urlpatterns`; all of them live under
# /api/v1/ in the "api" namespace. A new app adds its module here (docs/architecture.md).
API_ROUTES: list[URLPattern | URLResolver] = [
    *accounts_api.urlpatterns,
    *followups_api.urlpatterns,  # the user's notifications, and the administrators' problem list
    *audit_api.urlpatterns,  # the administrators' audit log and alerts
    *cases_api.urlpatterns,
    *relocation_api.urlpatterns,  # safe houses, route plans, legs, check-ins
    *funds_api.urlpatterns,  # funds, ledger, donations, disbursements, reports
]


admin.site.site_header = "supportdesk administration"
admin.site.site_title = "supportdesk"

urlpatterns = [
    path("", account_views.home_view, name="home"),
    path("accounts/", include("supportdesk.accounts.urls")),
    # The admin's own login page would skip the second factor: send people to ours.
    path("admin/login/", RedirectView.as_view(pattern_name=settings.LOGIN_URL, query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include((API_ROUTES, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (/api/docs/?script): the
    # Content-Security-Policy allows scripts and styles from this site only, never inline.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("healthz", health.healthz, name="healthz"),
    path("cases/", include("cases.urls")),
    path("relocation/", include("relocation.urls")),  # safe houses, route plans, check-ins
    path("funds/", include("funds.urls")),  # balances, money for cases, approvals, donations
    path("audit/", include("supportdesk.audit.urls")),  # administrators: audit log and alerts
    path("operations/", include("supportdesk.operations.urls")),  # administrators: backups
    path("", include("supportdesk.followups.urls")),  # notification inbox, problem list
]

handler400 = "supportdesk.error_pages.bad_request"
handler403 = "supportdesk.error_pages.permission_denied"
handler404 = "supportdesk.error_pages.page_not_found"
handler500 = "supportdesk.error_pages.server_error"
