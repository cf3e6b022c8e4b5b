"""Writes of the vault: shredding a key holder, and re-wrapping data keys under the active KEK.

The vault is the lowest layer and imports nothing above it: it records no audit events itself.
A shred returns what it made unreadable, and the caller records that in its own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from django.apps import apps
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone

from supportdesk.vault import crypto
from supportdesk.vault.fields import blind_index_fields, encrypted_fields, vault_options
from supportdesk.vault.keyring import key_ring
from supportdesk.vault.models import DataKey


def _dependants(holder_type: str) -> Iterator[tuple[type[models.Model], str]]:
    """Each model whose records use this holder's key, with the lookup from record to holder."""
    for model in apps.get_models():
        path, _row = vault_options(model)
        if not path or not encrypted_fields(model):
            continue
        if path == "self":
            if model._meta.label_lower == holder_type:
                yield model, "pk"
            continue
        lookup = path.replace(".", "__")
        target: type[models.Model] = model
        for hop in path.split("."):
            # A key holder path follows foreign keys: each hop names a related model.
            target = cast(type[models.Model], target._meta.get_field(hop).related_model)
        if target._meta.label_lower == holder_type:
            yield model, lookup


def _blind_indexes_clear(holder_type: str, holder_id: uuid.UUID) -> list[str]:
    """Blind indexes would still let a guessed phone number be confirmed: drop them too."""
    fields: list[str] = []
    for model, lookup in _dependants(holder_type):
        fields += [f"{model._meta.label_lower}.{f.name}" for f in encrypted_fields(model)]
        indexes = blind_index_fields(model)
        if indexes:
            model._base_manager.filter(**{lookup: holder_id}).update(
                **{index.name: None for index in indexes}
            )
    return fields


@dataclass(frozen=True)
class ShredResult:
    """What a shred made unreadable: names only, never values."""

    holder_type: str  # "app_label.model_name"
    holder_id: uuid.UUID
    fields: tuple[str, ...]  # "app_label.model_name.field" of every encrypted field, sorted
    key_destroyed: bool  # False when it was shredded before, or never had a key


@transaction.atomic
def key_holder_shred(*, holder: models.Model) -> ShredResult:
    """Destroy the holder's data key: every value sealed under it reads as shredded, for good.

    The record rows stay (callers delete them if they wish); the key cannot be recreated. The
    caller records the audit event (`vault.key_holder_shred`, with `fields`) in this transaction."""
    holder_type = holder._meta.label_lower
    key_destroyed = crypto.data_key_shred(holder_type=holder_type, holder_id=holder.pk)
    fields = _blind_indexes_clear(holder_type, holder.pk)
    return ShredResult(
        holder_type=holder_type,
        holder_id=holder.pk,
        fields=tuple(sorted(fields)),
        key_destroyed=key_destroyed,
    )


# --- KEK rotation -------------------------------------------------------------------------------


def _live_keys() -> models.QuerySet[DataKey]:
    return DataKey.objects.filter(shredded_at__isnull=True)


def data_keys_rewrap_batch(*, batch_size: int) -> int:
    """Re-wrap up to batch_size data keys still under an old KEK; returns how many were done.

    Each batch is its own transaction, so a killed run keeps every finished batch and leaves the
    rest under their old KEK, still readable; running again carries on. Rows a shred is holding
    are skipped (skip_locked) and picked up by a later batch or run."""
    active = key_ring().active_id
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            _live_keys()
            .exclude(kek_id=active)
            .select_for_update(skip_locked=True)
            .order_by("id")[:batch_size]
        )
        for data_key in batch:
            key = crypto.unwrap(data_key)
            data_key.wrapped = crypto.wrap(
                key=key,
                holder_type=data_key.holder_type,
                holder_id=data_key.holder_id,
                kek_id=active,
            )
            data_key.kek_id, data_key.rewrapped_at = active, now
        DataKey.objects.bulk_update(batch, ["wrapped", "kek_id", "rewrapped_at"])
    return len(batch)


@dataclass(frozen=True)
class KeyStatus:
    active_id: str
    by_kek: dict[str, int]
    shredded: int

    @property
    def under_old_keks(self) -> int:
        return sum(n for kek, n in self.by_kek.items() if kek != self.active_id)


def data_keys_status() -> KeyStatus:
    rows = _live_keys().values("kek_id").annotate(n=Count("id")).order_by("kek_id")
    return KeyStatus(
        active_id=key_ring().active_id,
        by_kek={row["kek_id"]: row["n"] for row in rows},
        shredded=DataKey.objects.filter(shredded_at__isnull=False).count(),
    )
