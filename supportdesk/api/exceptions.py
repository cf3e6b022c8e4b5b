from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk.api.parsers import RequestTooLarge
from supportdesk.errors import ApplicationError, Conflict, NotFound, TooManyAttempts

# The first class an error is an instance of gives its status; ApplicationError is the fallback.
STATUSES: tuple[tuple[type[ApplicationError], int], ...] = (
    (NotFound, 404),
    (TooManyAttempts, 429),
    (Conflict, 409),
    (ApplicationError, 400),
)


def status_for(error: ApplicationError) -> int:
    return next(status for kind, status in STATUSES if isinstance(error, kind))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus ApplicationError as 400/404/409/429 with its sentence.

    Out-of-scope objects must be indistinguishable from missing ones, so a PermissionDenied raised
    by a selector or service for an object answers 404 as well.
    """
    if isinstance(exc, NotFound):
        exc = exceptions.NotFound()
    elif isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        # Marked for translation where it was written: shown in the user's language.
        return Response({"detail": str(exc.message)}, status=status_for(exc), headers=headers)
    if isinstance(exc, DjangoValidationError):
        # A model or normaliser refused a value the serializer let through: still a plain 400.
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=400)
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE, read by DRF
        exc = RequestTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError()
    if isinstance(exc, Http404 | PermissionDenied):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
