"""Handlers per follow-up kind. Apps register theirs in `AppConfig.ready()`, for example
`register_handler("checkin.missed", checkin_missed)`."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

if TYPE_CHECKING:
    from supportdesk.followups.models import FollowUp


class TransientError(Exception):
    """Raise from a handler when the same call may well succeed later (a service briefly away)."""


class NoHandler(TransientError):
    """No handler for the kind in this process: a worker older than the code that scheduled it."""


# Worth trying again with backoff. Anything else is a bug or a broken rule: retrying would only
# repeat it, so the row fails at once and administrators are alerted.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    OperationalError,  # lost connection, deadlock, serialization failure, lock timeout
    InterfaceError,
    ConnectionError,
    TimeoutError,
    BrokerError,
    smtplib.SMTPException,
)

Handler = Callable[["FollowUp"], None]
_handlers: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Handlers receive the FollowUp row, load what they need by id, and must be idempotent: a
    handler may run again after a crash or a retry. They run in the transaction that marks the row
    done, so their writes commit with it or not at all; anything leaving the process goes through
    `transaction.on_commit`."""
    if _handlers.get(kind, handler) is not handler:
        raise ImproperlyConfigured(f"A different handler is already registered for {kind!r}.")
    _handlers[kind] = handler


def unregister_handler(kind: str) -> None:
    _handlers.pop(kind, None)


def handler_for(kind: str) -> Handler:
    try:
        return _handlers[kind]
    except KeyError:
        raise NoHandler(kind) from None
