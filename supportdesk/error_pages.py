"""Error pages: JSON under /api/, a plain page elsewhere; never a trace or a value."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

_MESSAGES = {
    400: "The request was not understood.",
    403: "Not found.",  # out-of-scope answers like missing, also where Django raises 403
    404: "Not found.",
    500: "Something went wrong on our side. Nothing was changed by this request.",
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
    return _error(request, 500)
