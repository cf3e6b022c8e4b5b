from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk.api.errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus ApplicationError as 400/409/429 with its sentence.

    Out-of-scope objects must be indistinguishable from missing ones, so a PermissionDenied raised
    by a selector or service for an object answers 404 as well.
    """
    if isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        # Services raise English sentences marked for translation: shown in the user's language.
        return Response({"detail": gettext(exc.message)}, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        # A model or normaliser refused a value the serializer let through: still a plain 400.
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=400)
    if isinstance(exc, Http404 | PermissionDenied):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
