from django.apps import AppConfig


class RetentionTestConfig(AppConfig):
    """A stand-in for cases in the retention tests (installed only when SUPPORTDESK_ENV=test)."""

    name = "supportdesk.followups.tests.retentiontest"
    label = "followups_retentiontest"
    default_auto_field = "django.db.models.BigAutoField"
