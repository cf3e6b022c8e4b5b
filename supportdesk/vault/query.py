"""The base model and queryset of models with encrypted fields.

`filter()` and `exclude()` on an encrypted field are refused by the field itself (any model);
this queryset adds the refusal of `order_by()`, exact-match lookups through blind indexes, and one
query for the data keys a page of rows needs.
"""

from __future__ import annotations

from typing import Any, Self, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from supportdesk.vault import crypto
from supportdesk.vault.crypto import HEADER_SIZE, OVERHEAD, Sealed
from supportdesk.vault.fields import (
    BlindIndexField,
    EncryptedFieldQueryError,
    EncryptedMixin,
    blind_index_fields,
    encrypted_fields,
)


def _encrypted_path(model: type[models.Model], path: str) -> EncryptedMixin | None:
    """The encrypted field a lookup path such as `case__phone` ends on, if any."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.related_model is not None:
            model = cast(type[models.Model], field.related_model)  # resolved once apps are ready
    return cast(EncryptedMixin, field) if getattr(field, "encrypted", False) else None


class VaultQuerySet(models.QuerySet):
    def order_by(self, *field_names: Any) -> Self:
        for name in field_names:
            if isinstance(name, str):
                field = _encrypted_path(self.model, name.lstrip("-+"))
                if field is not None:
                    raise field._query_error()
        return super().order_by(*field_names)

    def filter_blind(self, **values: Any) -> Self:
        """Exact matches through blind indexes: `filter_blind(phone="09 420 123456")`.

        A keyword names an encrypted field with a blind index (or the index field itself); the
        value is normalised the way the index was computed, so any accepted spelling matches."""
        lookups = {}
        for name, value in values.items():
            index = self._blind_index_for(name)
            digest = index.compute(value)
            if digest is None:
                return self.none()
            lookups[index.name] = digest
        return self.filter(**lookups)

    def _blind_index_for(self, name: str) -> BlindIndexField:
        for index in blind_index_fields(self.model):
            if name in (index.source, index.name):
                return index
        raise EncryptedFieldQueryError(f"{self.model._meta.label_lower} has no blind index {name}.")

    def _fetch_all(self) -> None:
        loaded = self._result_cache is not None
        super()._fetch_all()
        if not loaded:
            self._data_keys_preload()

    def _data_keys_preload(self) -> None:
        fields = encrypted_fields(self.model)
        if not fields or not self._result_cache:
            return
        rows = [obj for obj in self._result_cache if isinstance(obj, models.Model)]
        headers = set()
        attnames = [(field.attname, field.stored_types) for field in fields]
        for obj in rows:
            data = obj.__dict__
            # All of a row's values are sealed under its holder's one key: the first will do (a
            # value under another key is fetched when read).
            for attname, stored_types in attnames:
                value: Any = data.get(attname)
                kind = type(value)
                if kind in stored_types:
                    blob = value.blob if kind is Sealed else value
                    if len(blob) >= OVERHEAD:  # a damaged value raises when read, not here
                        headers.add(bytes(blob[:HEADER_SIZE]))  # `version | data-key id`
                    break
        if headers:
            page = crypto.data_keys_preload(headers)
            for obj in rows:
                obj.__dict__["_vault_keys"] = page


class VaultManager(models.Manager.from_queryset(VaultQuerySet)):  # type: ignore[misc]
    pass


class VaultModel(models.Model):
    """Base of models with encrypted fields: the guarded queryset and a repr without values."""

    objects = VaultManager()

    class Meta:
        abstract = True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pk}>"

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
