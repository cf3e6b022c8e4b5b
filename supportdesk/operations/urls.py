from django.urls import path

from supportdesk.operations import views

app_name = "operations"

urlpatterns = [
    path("backups/", views.backups_view, name="backups"),
    path("backups/now/", views.backup_request_view, name="backup_request"),
]
