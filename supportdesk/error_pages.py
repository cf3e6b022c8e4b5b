"""Error pages: JSON under /api/, a plain page elsewhere; never a trace or a value."""

import sys

import kombu.exceptions
import redis.exceptions
from django import db
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

# A store that is down or restarting (PostgreSQL, Redis as cache or broker) is not a bug of the
# request: it is answered 503, so a client and a load balancer know to try again. Nothing was
# written: the request's transaction did not commit.
_OUTAGES = (
    db.OperationalError,
    db.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)

_MESSAGES = {
    400: "The request was not understood.",
    403: "Not found.",  # out-of-scope answers like missing, also where Django raises 403
    404: "Not found.",
    500: "Something went wrong on our side. Nothing was changed by this request.",
    503: "The service is briefly unavailable. Nothing was changed: please try again shortly.",
}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    status = 404 if status == 403 and not request.path.startswith("/admin/") else status
    message = _MESSAGES[status]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    html = render_to_string("error.html", {"status": status, "message": message})
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it is still the one in flight.
    outage = isinstance(sys.exc_info()[1], _OUTAGES)
    return _error(request, 503 if outage else 500)
