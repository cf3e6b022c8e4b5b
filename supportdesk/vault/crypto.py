"""Envelope encryption: data keys per key holder, values sealed with AES-256-GCM.

A sealed value is `version (1) | data-key id (8, big-endian) | nonce (12) | ciphertext + tag`.
Its associated data is `app.model|field|row uuid|data-key id`, so a value copied to another row,
another field or another model fails to open, as does a flipped byte. Nothing here ever returns
ciphertext or an empty value in place of a value that failed to open: it raises.
"""

from __future__ import annotations

import os
import struct
import threading
import time
import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from supportdesk.vault.keyring import KEY_BYTES, key_ring
from supportdesk.vault.models import DataKey

FORMAT_VERSION = 1
_HEADER = struct.Struct(">BQ")
NONCE_BYTES = 12
OVERHEAD = _HEADER.size + NONCE_BYTES + 16


class VaultError(Exception):
    """Base of the vault's errors. Messages name models, fields and ids, never values."""


class DecryptionError(VaultError):
    pass


class HolderShredded(VaultError):
    pass


class Shredded(str):
    """What a value reads as once its key holder was shredded: shown as text, never an error page.

    A str so templates and serializers print it; compare with `is_shredded`, not by its text."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<shredded>"


SHREDDED = Shredded("[shredded]")


def is_shredded(value: object) -> bool:
    return value is SHREDDED


class Sealed:
    """A value as stored: opened only through its field, by the row it belongs to."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    @property
    def key_id(self) -> int:
        if len(self.blob) < OVERHEAD:
            raise DecryptionError("An encrypted value is truncated.")
        version, key_id = _HEADER.unpack_from(self.blob)
        if version != FORMAT_VERSION:
            raise DecryptionError(f"An encrypted value has unknown format version {version}.")
        return key_id

    def __repr__(self) -> str:
        return "<sealed value>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.blob == self.blob

    __hash__ = None  # type: ignore[assignment]


def associated_data(*, label: str, field: str, row_id: uuid.UUID, key_id: int) -> bytes:
    """`app.model|field|row uuid|data-key id`: what a sealed value is bound to."""
    return f"{label}|{field}|{row_id.hex}|{key_id}".encode()


# --- The per-process cache of unwrapped data keys -----------------------------------------------
# Short-lived and bounded: a shred in another process takes effect here within the TTL, and a
# process never holds more than VAULT_KEY_CACHE_SIZE keys (oldest dropped first). Keys live only in
# this memory. Reads take no lock (a dict read is atomic in CPython); writes do.

MISSING = object()


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[int, tuple[float, AESGCM | None]] = {}
        self._by_holder: dict[tuple[str, uuid.UUID], tuple[float, int]] = {}

    @staticmethod
    def _ttl() -> float:
        return float(getattr(settings, "VAULT_KEY_CACHE_SECONDS", 60))

    @staticmethod
    def _size() -> int:
        return int(getattr(settings, "VAULT_KEY_CACHE_SIZE", 1024))

    def _put(self, table: dict, key: object, value: object) -> None:
        with self._lock:
            table.pop(key, None)
            table[key] = (time.monotonic() + self._ttl(), value)
            while len(table) > self._size():
                del table[next(iter(table))]

    def key(self, key_id: int) -> Any:
        """The cached AESGCM (None once shredded), or MISSING."""
        entry = self._by_id.get(key_id)
        if entry is None or entry[0] < time.monotonic():
            return MISSING
        return entry[1]

    def put_key(self, key_id: int, aead: AESGCM | None) -> None:
        self._put(self._by_id, key_id, aead)

    def holder(self, holder: tuple[str, uuid.UUID]) -> tuple[int, AESGCM | None] | None:
        """(key id, AESGCM or None once shredded) of the holder, or None when not cached."""
        entry = self._by_holder.get(holder)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put_holder(self, holder: tuple[str, uuid.UUID], key_id: int, aead: AESGCM | None) -> None:
        self._put(self._by_holder, holder, (key_id, aead))

    def forget(self, key_id: int | None, holder: tuple[str, uuid.UUID]) -> None:
        with self._lock:
            self._by_id.pop(key_id, None)  # type: ignore[arg-type]
            self._by_holder.pop(holder, None)

    def clear(self) -> None:
        with self._lock:
            self._by_id.clear()
            self._by_holder.clear()


key_cache = _KeyCache()


class PageKeys(dict):
    """The data keys one queryset page needed, kept with its rows so a page larger than the
    process cache does not fetch keys row by row. Never copied into a pickle or a cache."""

    def __deepcopy__(self, memo: dict) -> PageKeys:
        return self

    def __reduce__(self) -> tuple:
        return (PageKeys, ())


# --- Wrapping -----------------------------------------------------------------------------------


def _wrap_ad(*, holder_type: str, holder_id: uuid.UUID, kek_id: str) -> bytes:
    return f"supportdesk.vault.datakey|{holder_type}|{holder_id.hex}|{kek_id}".encode()


@lru_cache(maxsize=16)
def _kek_aead(kek: bytes) -> AESGCM:
    return AESGCM(kek)


def wrap(*, key: bytes, holder_type: str, holder_id: uuid.UUID, kek_id: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    ad = _wrap_ad(holder_type=holder_type, holder_id=holder_id, kek_id=kek_id)
    return nonce + _kek_aead(key_ring().kek(kek_id)).encrypt(nonce, key, ad)


def unwrap(data_key: DataKey | _KeyRow) -> bytes:
    wrapped = bytes(data_key.wrapped)
    ad = _wrap_ad(
        holder_type=data_key.holder_type, holder_id=data_key.holder_id, kek_id=data_key.kek_id
    )
    aead = _kek_aead(key_ring().kek(data_key.kek_id))
    try:
        return aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], ad)
    except InvalidTag:
        raise DecryptionError(f"Data key {data_key.id} failed to unwrap (tampered).") from None


class _KeyRow(NamedTuple):
    id: int
    holder_type: str
    holder_id: uuid.UUID
    kek_id: str
    wrapped: bytes | None
    shredded_at: object


def _remember(data_key: DataKey | _KeyRow) -> AESGCM | None:
    aead = None if data_key.shredded_at is not None else AESGCM(unwrap(data_key))
    key_cache.put_key(data_key.id, aead)
    key_cache.put_holder((data_key.holder_type, data_key.holder_id), data_key.id, aead)
    return aead


def data_key_for_id(key_id: int) -> AESGCM | None:
    """The data key with this id, or None once shredded. Raises when there is no such key."""
    aead = key_cache.key(key_id)
    if aead is not MISSING:
        return aead
    data_key = DataKey.objects.filter(id=key_id).first()
    if data_key is None:
        raise DecryptionError(f"Data key {key_id} does not exist.")
    return _remember(data_key)


def data_keys_preload(key_ids: Iterable[int]) -> PageKeys:
    """Fetch in one query the keys a page of rows needs, instead of one query per holder."""
    page = PageKeys()
    missing = set()
    for key_id in key_ids:
        aead = key_cache.key(key_id)
        if aead is MISSING:
            missing.add(key_id)
        else:
            page[key_id] = aead
    if missing:
        rows = DataKey.objects.filter(id__in=missing).values_list(*_KeyRow._fields)
        for row in rows:  # plain tuples: model instances would cost more than the unwrapping
            key_row = _KeyRow(*row)
            page[key_row.id] = _remember(key_row)
    return page


def _data_key_create(holder_type: str, holder_id: uuid.UUID) -> None:
    ring = key_ring()
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    wrapped = wrap(key=key, holder_type=holder_type, holder_id=holder_id, kek_id=ring.active_id)
    # Two requests may create the first record of a holder at once: the unique constraint keeps
    # one key, and the loser reads the winner's (the savepoint keeps the outer transaction usable).
    try:
        with transaction.atomic():
            DataKey.objects.create(
                holder_type=holder_type, holder_id=holder_id, kek_id=ring.active_id, wrapped=wrapped
            )
    except IntegrityError:
        pass


def data_key_for_holder(holder_type: str, holder_id: uuid.UUID) -> tuple[int, AESGCM]:
    """The holder's data key (created on first use). Raises HolderShredded once shredded."""
    cached = key_cache.holder((holder_type, holder_id))
    if cached is None:
        data_key = DataKey.objects.filter(holder_type=holder_type, holder_id=holder_id).first()
        if data_key is None:
            _data_key_create(holder_type, holder_id)
            data_key = DataKey.objects.get(holder_type=holder_type, holder_id=holder_id)
        cached = (data_key.id, _remember(data_key))
    key_id, aead = cached
    if aead is None:
        raise HolderShredded(f"{holder_type} {holder_id.hex} was shredded: nothing can be stored.")
    return key_id, aead


# --- Sealing values -----------------------------------------------------------------------------
# The hot paths take the associated data's fixed part (`app.model|field|row uuid|`) ready-made:
# the fields compute it once per row, not once per value.


def ad_prefix(*, label: str, field: str, row_id: uuid.UUID) -> bytes:
    return f"{label}|{field}|{row_id.hex}|".encode()


def seal_with(plain: bytes, prefix: bytes, holder: tuple[str, uuid.UUID]) -> Sealed:
    key_id, aead = data_key_for_holder(*holder)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = aead.encrypt(nonce, plain, prefix + b"%d" % key_id)
    return Sealed(_HEADER.pack(FORMAT_VERSION, key_id) + nonce + ciphertext)


def unseal_with(blob: bytes, prefix: bytes, page: dict | None = None) -> bytes | Shredded:
    if len(blob) < OVERHEAD or blob[0] != FORMAT_VERSION:
        raise DecryptionError("An encrypted value is truncated or of an unknown format.")
    key_id = int.from_bytes(blob[1:9], "big")
    aead = MISSING if page is None else page.get(key_id, MISSING)
    if aead is MISSING:
        aead = data_key_for_id(key_id)
    if aead is None:
        return SHREDDED
    try:
        return aead.decrypt(blob[9:21], blob[21:], prefix + b"%d" % key_id)
    except InvalidTag:
        label, field, row_hex, _ = prefix.decode().split("|")
        raise DecryptionError(
            f"{label}.{field} of row {row_hex} failed to decrypt: the value was altered, "
            "moved from another row or field, or belongs to another key."
        ) from None


def seal(
    plain: bytes, *, label: str, field: str, row_id: uuid.UUID, holder: tuple[str, uuid.UUID]
) -> Sealed:
    return seal_with(plain, ad_prefix(label=label, field=field, row_id=row_id), holder)


def unseal(sealed: Sealed, *, label: str, field: str, row_id: uuid.UUID) -> bytes | Shredded:
    return unseal_with(sealed.blob, ad_prefix(label=label, field=field, row_id=row_id))


def data_key_shred(*, holder_type: str, holder_id: uuid.UUID) -> DataKey:
    """Destroy the holder's data key (or record a tombstone, so none is made later)."""
    data_key = (
        DataKey.objects.select_for_update()
        .filter(holder_type=holder_type, holder_id=holder_id)
        .first()
    )
    now = timezone.now()
    if data_key is None:
        data_key = DataKey.objects.create(
            holder_type=holder_type, holder_id=holder_id, kek_id="", wrapped=None, shredded_at=now
        )
    elif data_key.shredded_at is None:
        data_key.wrapped, data_key.kek_id, data_key.shredded_at = None, "", now
        data_key.save(update_fields=["wrapped", "kek_id", "shredded_at"])
    key_cache.forget(data_key.id, (holder_type, holder_id))
    return data_key
