"""The domain's errors: a rule the user broke, told in a sentence they can act on.

Services raise these; they know nothing of HTTP. The API's exception handler and the pages'
refusals choose the status from the class (`supportdesk.api.exceptions.status_for`). Messages are
marked for translation where they are written (`gettext_lazy` for class defaults, `gettext` at the
raise for sentences with values), so the user reads them in their own language. A message never
carries personal data: it may be shown, logged and stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ApplicationError(Exception):
    """The request cannot be done as given (the API answers 400)."""

    default_message: StrOrPromise = _("This cannot be done.")

    def __init__(self, message: StrOrPromise | None = None, *, retry_after: int | None = None):
        self.message: StrOrPromise = message or self.default_message
        self.retry_after = retry_after
        super().__init__(str(self.message))


class Conflict(ApplicationError):
    """The rules allow this kind of step, but not now: the record's state or a second person's
    role stands in the way (409)."""


class NotFound(ApplicationError, Http404):
    """Out of the user's scope. Told exactly like a missing record (404), so that nobody learns
    that a case, a house or a fund they may not see exists. Also Django's Http404, so a page that
    lets it rise shows the ordinary not-found page."""

    default_message = _("Not found.")


class TooManyAttempts(ApplicationError):
    """Slowed down after failed attempts; `retry_after` seconds until the next (429)."""
