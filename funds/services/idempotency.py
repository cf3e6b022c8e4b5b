"""`Idempotency-Key` for money-moving requests: the first answer is kept and returned to every
retry with the same body; the same key with a different body is refused, naming the fields that
differ. Bodies are kept as salted hashes per field, never as values (they may hold a reference
or a justification)."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from funds.models import IdempotencyKey
from supportdesk.accounts.models import User
from supportdesk.errors import ApplicationError, Conflict

MAX_KEY_LENGTH = 200


class KeyReused(Conflict):
    pass


def _digest(salt: bytes, name: str, value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(salt + name.encode() + b"\0" + canonical.encode()).hexdigest()


def idempotency_claim(
    *, user: User, key: str, route: str, body: dict[str, Any]
) -> tuple[IdempotencyKey, bool]:
    """The key's row, locked for this transaction, and whether it holds a first answer already.
    Call inside the transaction of the request: a retry arriving while the first is still
    running waits for it on the unique (user, key) index, then finds its answer."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApplicationError(
            _("Send an Idempotency-Key header (up to 200 characters) with this request.")
        )
    salt = os.urandom(16)
    record, created = IdempotencyKey.objects.select_for_update().get_or_create(
        user=user,
        key=key,
        defaults={
            "route": route,
            "salt": salt,
            "body_hash": _digest(salt, "", body),
            "field_hashes": {name: _digest(salt, name, value) for name, value in body.items()},
        },
    )
    if created:
        return record, False
    salt = bytes(record.salt)
    if record.route != route:
        raise KeyReused(_("This Idempotency-Key was used for another kind of request."))
    if record.body_hash != _digest(salt, "", body):
        names = set(record.field_hashes) | set(body)
        differ = sorted(
            name
            for name in names
            if name not in body or record.field_hashes.get(name) != _digest(salt, name, body[name])
        )
        raise KeyReused(
            _("This Idempotency-Key was used with a different request: %(fields)s differ.")
            % {"fields": ", ".join(differ)}
        )
    return record, record.status is not None


def idempotency_store(*, record: IdempotencyKey, status: int, response: Any) -> None:
    record.status, record.response = status, response
    record.save(update_fields=["status", "response"])


def idempotency_keys_purge(*, older_than: datetime, batch_size: int = 1000) -> int:
    """Delete the keys first used before `older_than`, in batches (each its own statement, so a
    long purge never holds a large lock); returns how many went. A retry with a purged key runs
    again as a new request: keys are kept far longer than any client retries."""
    purged = 0
    while True:
        batch = list(
            IdempotencyKey.objects.filter(created_at__lt=older_than)
            .order_by("id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not batch:
            return purged
        purged += IdempotencyKey.objects.filter(id__in=batch).delete()[0]
