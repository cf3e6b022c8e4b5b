"""One family of errors for broken rules, mapped to HTTP by `supportdesk.api.exceptions`."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule the user broke, with a sentence they can act on. Never carries personal data."""

    status_code = 400
    default_message = "This cannot be done."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        self.message = message or self.default_message
        self.retry_after = retry_after
        super().__init__(self.message)


class Conflict(ApplicationError):
    status_code = 409
