"""What the funds pages share: a money move made once per rendered form (its one-time key is
claimed as an idempotency key, in the move's own transaction), and where the pages live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import transaction
from django.urls import reverse

from funds.forms import OnceForm
from funds.services.idempotency import idempotency_claim, idempotency_store
from supportdesk.accounts.access import AuthenticatedRequest


def once(
    request: AuthenticatedRequest,
    form: OnceForm,
    *,
    route: str,
    body: dict[str, Any],
    run: Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Run the move unless this form's key did it already: (its answer, whether it was replayed).
    A refused move keeps nothing (the transaction is undone), so sending the form again tries
    again; the same key with other values is refused (409), naming the fields."""
    with transaction.atomic():
        record, replay = idempotency_claim(
            user=request.user, key=form.once_key(), route=route, body=body
        )
        if replay:
            return dict(record.response or {}), True
        answer = run()
        idempotency_store(record=record, status=200, response=answer)
        return answer, False


def disbursement_url(disbursement_id: UUID | str, anchor: str = "") -> str:
    url = reverse("funds:disbursement", kwargs={"disbursement_id": disbursement_id})
    return f"{url}#{anchor}" if anchor else url


def donation_url(donation_id: UUID | str) -> str:
    return reverse("funds:donation", kwargs={"donation_id": donation_id})
