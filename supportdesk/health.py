"""/healthz: 200 when the database and the broker answer, 503 otherwise, and nothing more."""

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from supportdesk.accounts.access import public
from supportdesk.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("healthz: database unreachable")
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=2)
        return True
    except Exception:
        logger.warning("healthz: broker unreachable")
        return False


@public
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    healthy = _database_ok() and _broker_ok()
    return HttpResponse(
        "ok" if healthy else "unavailable",
        content_type="text/plain",
        status=200 if healthy else 503,
    )
