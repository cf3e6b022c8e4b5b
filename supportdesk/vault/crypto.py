"""Envelope encryption: data keys per key holder, values sealed with AES-256-GCM.

A sealed value is `version (1) | data-key id (8, big-endian) | nonce (12) | ciphertext + tag`
(the sizes below name each part; the first two are its header, which names its data key).
Its associated data is `app.model|field|row uuid|data-key id`, so a value copied to another row,
another field or another model fails to open, as does a flipped byte. Nothing here ever returns
ciphertext or an empty value in place of a value that failed to open: it raises.
"""

from __future__ import annotations

import os
import struct
import threading
import uuid
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice
from os import urandom
from time import monotonic
from typing import Any, NamedTuple, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone

from supportdesk.vault.keyring import KEY_BYTES, key_ring
from supportdesk.vault.models import DataKey

FORMAT_VERSION = 1
VERSION_SIZE = 1
KEY_ID_SIZE = 8
NONCE_SIZE = 12
TAG_SIZE = 16
HEADER_SIZE = VERSION_SIZE + KEY_ID_SIZE  # `version | data-key id`
NONCE_END = HEADER_SIZE + NONCE_SIZE  # where the ciphertext starts
OVERHEAD = NONCE_END + TAG_SIZE
_HEADER = struct.Struct(">BQ")  # the header: version, then the data-key id big-endian


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


class DataKeyEntry(NamedTuple):
    """An unwrapped data key with the bytes every value under it starts and ends with."""

    key_id: int
    aead: AESGCM | None  # None once shredded
    header: bytes  # `version | data-key id`: how a sealed value under this key starts
    ad_suffix: bytes  # the key id as the associated data ends with it


def _header(key_id: int) -> bytes:
    return _HEADER.pack(FORMAT_VERSION, key_id)


def _key_id(header: bytes) -> int | None:
    """The data-key id a header of the current format names; None for any other header."""
    if len(header) != HEADER_SIZE or header[0] != FORMAT_VERSION:
        return None
    return _HEADER.unpack(header)[1]


def _entry(key_id: int, aead: AESGCM | None) -> DataKeyEntry:
    return DataKeyEntry(key_id, aead, _header(key_id), b"%d" % key_id)


def _holder_key(holder_type: str, holder_id: object) -> tuple[str, object]:
    return (holder_type, holder_id.int if type(holder_id) is uuid.UUID else holder_id)


class _KeyCache:
    """Entries by the header of the values sealed under them (`version | key id`) and by holder.

    The fields' hot paths read the two tables directly (a dict read and an expiry check, as in
    `by_header` and `holder`); everything that writes goes through the methods, under the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_header_table: dict[bytes, tuple[float, DataKeyEntry]] = {}
        # Keyed by (label, holder id as an int): hashing and comparing a UUID runs Python code.
        self.by_holder_table: dict[tuple[str, object], tuple[float, DataKeyEntry]] = {}

    @staticmethod
    def _ttl() -> float:
        return float(getattr(settings, "VAULT_KEY_CACHE_SECONDS", 60))

    @staticmethod
    def _size() -> int:
        return int(getattr(settings, "VAULT_KEY_CACHE_SIZE", 1024))

    def put_many(self, entries: Iterable[tuple[tuple[str, object], DataKeyEntry]]) -> None:
        """Add (holder, entry) pairs, newest last, then drop the oldest while over the size
        limit. One lock and one read of the settings for a whole page of keys; entries the limit
        would drop again within the same batch are not added at all. A holder is (type, UUID) or
        (type, the UUID's int): both are cached under the int."""
        size = self._size()
        expires = monotonic() + self._ttl()
        items = list(entries)
        key: Any  # header bytes or a holder key: the loops below treat both tables alike
        with self._lock:
            for holder, entry in items[max(len(items) - size, 0) :]:
                pairs = (
                    (self.by_header_table, entry.header),
                    (self.by_holder_table, _holder_key(*holder)),
                )
                for table, key in pairs:
                    table.pop(key, None)
                    table[key] = (expires, entry)
            for table in (self.by_header_table, self.by_holder_table):
                excess = len(table) - size
                if excess > 0:
                    for key in list(islice(table, excess)):
                        del table[key]

    def put(self, holder: tuple[str, uuid.UUID], entry: DataKeyEntry) -> None:
        self.put_many(((holder, entry),))

    def by_header(self, header: bytes) -> DataKeyEntry | None:
        """The cached entry for values starting with `header`, or None."""
        cached = self.by_header_table.get(header)
        if cached is None or cached[0] < monotonic():
            return None
        return cached[1]

    def key(self, key_id: int) -> Any:
        """The cached AESGCM (None once shredded), or MISSING."""
        entry = self.by_header(_header(key_id))
        return MISSING if entry is None else entry.aead

    def holder(self, holder_type: str, holder_id: uuid.UUID) -> DataKeyEntry | None:
        """The holder's cached entry (its aead is None once shredded), or None."""
        cached = self.by_holder_table.get(
            (holder_type, holder_id.int if type(holder_id) is uuid.UUID else holder_id)
        )
        if cached is None or cached[0] < monotonic():
            return None
        return cached[1]

    def forget(self, key_id: int | None, holder: tuple[str, uuid.UUID]) -> None:
        with self._lock:
            if key_id is not None:
                self.by_header_table.pop(_header(key_id), None)
            self.by_holder_table.pop(_holder_key(*holder), None)

    def clear(self) -> None:
        with self._lock:
            self.by_header_table.clear()
            self.by_holder_table.clear()


key_cache = _KeyCache()
_KEYS_BY_HEADER = key_cache.by_header_table  # read directly by unseal_with, once per value


class PageKeys(dict):
    """The data keys one queryset page needed, kept with its rows so a page larger than the
    process cache does not fetch keys row by row. Never copied into a pickle or a cache."""

    def __deepcopy__(self, memo: dict) -> PageKeys:
        return self

    def __reduce__(self) -> tuple:
        return (PageKeys, ())


# --- Wrapping -----------------------------------------------------------------------------------


def _wrap_ad(*, holder_type: str, holder_id: uuid.UUID, kek_id: str) -> bytes:
    return _wrap_ad_hex(holder_type, holder_id.hex, kek_id)


def _wrap_ad_hex(holder_type: str, holder_hex: str, kek_id: str) -> bytes:
    """`supportdesk.vault.datakey|holder type|holder uuid as 32 hex digits|KEK id`."""
    return f"supportdesk.vault.datakey|{holder_type}|{holder_hex}|{kek_id}".encode()


@lru_cache(maxsize=16)
def _kek_aead(kek: bytes) -> AESGCM:
    return AESGCM(kek)


def wrap(*, key: bytes, holder_type: str, holder_id: uuid.UUID, kek_id: str) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    ad = _wrap_ad(holder_type=holder_type, holder_id=holder_id, kek_id=kek_id)
    return nonce + _kek_aead(key_ring().kek(kek_id)).encrypt(nonce, key, ad)


def unwrap(data_key: DataKey | _KeyRow, aead: AESGCM | None = None) -> bytes:
    """The data key in the clear; `aead` is the KEK's, when the caller already has it."""
    # Callers pass only live keys: a shredded one has no `wrapped` (NULL) to unwrap.
    wrapped = bytes(cast("bytes | memoryview", data_key.wrapped))
    ad = _wrap_ad(
        holder_type=data_key.holder_type, holder_id=data_key.holder_id, kek_id=data_key.kek_id
    )
    if aead is None:
        aead = _kek_aead(key_ring().kek(data_key.kek_id))
    try:
        return aead.decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], ad)
    except InvalidTag:
        raise DecryptionError(f"Data key {data_key.id} failed to unwrap (tampered).") from None


class _KeyRow(NamedTuple):
    id: int
    holder_type: str
    holder_id: uuid.UUID
    kek_id: str
    wrapped: bytes | None
    shredded_at: object


def _unwrapped(data_key: DataKey | _KeyRow, kek: AESGCM | None = None) -> DataKeyEntry:
    aead = None if data_key.shredded_at is not None else AESGCM(unwrap(data_key, kek))
    return _entry(data_key.id, aead)


def _remember(data_key: DataKey | _KeyRow) -> DataKeyEntry:
    entry = _unwrapped(data_key)
    key_cache.put((data_key.holder_type, data_key.holder_id), entry)
    return entry


def entry_for_header(header: bytes) -> DataKeyEntry:
    """The data key that values starting with `header` (`version | key id`) are sealed under.
    Raises when the header is of an unknown format or there is no such key."""
    entry = key_cache.by_header(header)
    if entry is not None:
        return entry
    key_id = _key_id(header)
    if key_id is None:
        raise DecryptionError("An encrypted value is truncated or of an unknown format.")
    data_key = DataKey.objects.filter(id=key_id).first()
    if data_key is None:
        raise DecryptionError(f"Data key {key_id} does not exist.")
    return _remember(data_key)


def data_key_for_id(key_id: int) -> AESGCM | None:
    """The data key with this id, or None once shredded. Raises when there is no such key."""
    return entry_for_header(_header(key_id)).aead


def _key_rows(key_ids: list[int]) -> Iterable[tuple]:
    """(id, holder type, holder id as 32 hex digits, KEK id, wrapped, shredded at) of these data
    keys, as plain tuples. On PostgreSQL the ids go as one array parameter (`id = ANY(%s)`): a
    page of 10,000 rows would otherwise send, and have the driver parse, a query with 10,000
    placeholders; and the holder id comes as text, which the driver hands over as it is (making
    a UUID of each costs more than unwrapping its key)."""
    alias = router.db_for_read(DataKey)
    conn = connections[alias]
    if conn.vendor != "postgresql":
        rows = DataKey.objects.using(alias).filter(id__in=key_ids).values_list(*_KeyRow._fields)
        return [(row[0], row[1], row[2].hex, *row[3:]) for row in rows]
    meta, quote = DataKey._meta, conn.ops.quote_name
    column = {
        name: quote(cast(models.Field, meta.get_field(name)).column) for name in _KeyRow._fields
    }
    column["holder_id"] = f"replace({column['holder_id']}::text, '-', '')"
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(column.values())} FROM {quote(meta.db_table)} "  # noqa: S608  # nosec B608: quoted names from the model, ids bound
            f"WHERE {column['id']} = ANY(%b)",
            [key_ids],
        )
        return cursor.fetchall()


def data_keys_preload(headers: Iterable[bytes]) -> PageKeys:
    """Fetch in one query the keys a page of rows needs, instead of one query per holder.

    `headers` are the first bytes of the values (`version | key id`); the page maps each to its
    DataKeyEntry. Headers of an unknown format are left out (such a value raises when read)."""
    page = PageKeys()
    missing = {}
    by_header = key_cache.by_header
    for header in headers:
        entry = by_header(header)
        if entry is not None:
            page[header] = entry
        elif (key_id := _key_id(header)) is not None:
            missing[key_id] = header
    if not missing:
        return page
    keks: dict[str, AESGCM] = {}
    fetched: list[tuple[tuple[str, object], DataKeyEntry]] = []
    # Per key, this loop is most of what a page of rows under one key holder each costs: it is
    # unwrap() and _entry() written out, on plain tuples (no model instances, no UUID objects).
    for key_id, holder_type, holder_hex, kek_id, wrapped, shredded_at in _key_rows(list(missing)):
        if shredded_at is not None:
            aead = None
        else:
            kek = keks.get(kek_id)
            if kek is None:
                kek = keks[kek_id] = _kek_aead(key_ring().kek(kek_id))
            blob = bytes(wrapped)
            try:
                key = kek.decrypt(
                    blob[:NONCE_SIZE],
                    blob[NONCE_SIZE:],
                    _wrap_ad_hex(holder_type, holder_hex, kek_id),
                )
            except InvalidTag:
                raise DecryptionError(f"Data key {key_id} failed to unwrap (tampered).") from None
            aead = AESGCM(key)
        header = missing[key_id]
        entry = DataKeyEntry(key_id, aead, header, b"%d" % key_id)
        page[header] = entry
        # The cache keys holders by (type, id as an int), which the hex digits give directly.
        fetched.append(((holder_type, int(holder_hex, 16)), entry))
    key_cache.put_many(fetched)
    return page


def _data_key_create(holder_type: str, holder_id: uuid.UUID) -> DataKey:
    """A new data key for the holder, or the one another request created first: two requests may
    create the first record of a holder at once, and the unique constraint keeps one key. One
    `INSERT ... ON CONFLICT DO NOTHING RETURNING` (PostgreSQL and SQLite alike), so no savepoint
    and no reading back what was just written."""
    ring = key_ring()
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    created = DataKey(
        holder_type=holder_type,
        holder_id=holder_id,
        kek_id=ring.active_id,
        wrapped=wrap(key=key, holder_type=holder_type, holder_id=holder_id, kek_id=ring.active_id),
        created_at=timezone.now(),
    )
    connection = connections[router.db_for_write(DataKey)]
    fields = cast(
        "list[models.Field[Any, Any]]", [DataKey._meta.get_field(name) for name in _CREATED]
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(DataKey._meta.db_table)} "  # noqa: S608  # nosec B608: quoted names from the model, values bound
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            "ON CONFLICT (holder_type, holder_id) DO NOTHING RETURNING id",
            [
                field.get_db_prep_save(getattr(created, field.attname), connection)
                for field in fields
            ],
        )
        row = cursor.fetchone()
    if row is None:  # the other request's key won
        return DataKey.objects.get(holder_type=holder_type, holder_id=holder_id)
    created.pk = row[0]
    created._state.adding, created._state.db = False, connection.alias
    return created


_CREATED = ("holder_type", "holder_id", "kek_id", "wrapped", "created_at")


def holder_entry(holder_type: str, holder_id: uuid.UUID) -> DataKeyEntry:
    """The holder's data key (created on first use). Raises HolderShredded once shredded."""
    entry = key_cache.holder(holder_type, holder_id)
    if entry is None:
        data_key = DataKey.objects.filter(holder_type=holder_type, holder_id=holder_id).first()
        if data_key is None:
            data_key = _data_key_create(holder_type, holder_id)
        entry = _remember(data_key)
    if entry.aead is None:
        raise HolderShredded(f"{holder_type} {holder_id.hex} was shredded: nothing can be stored.")
    return entry


def data_key_for_holder(holder_type: str, holder_id: uuid.UUID) -> tuple[int, AESGCM]:
    """The holder's (key id, data key), created on first use. Raises HolderShredded once
    shredded."""
    entry = holder_entry(holder_type, holder_id)
    return entry.key_id, entry.aead  # type: ignore[return-value]


# --- Sealing values -----------------------------------------------------------------------------
# The hot paths take the associated data's fixed part (`app.model|field|row uuid|`) ready-made:
# the fields compute it once per row, not once per value. The key id that ends it, and the header
# a value starts with, are kept with each cached data key.


def ad_prefix(*, label: str, field: str, row_id: uuid.UUID) -> bytes:
    return f"{label}|{field}|{row_id.hex}|".encode()


def seal_entry(plain: bytes, prefix: bytes, entry: DataKeyEntry) -> Sealed:
    """Seal under `entry` (from holder_entry, so never a shredded key)."""
    nonce = urandom(NONCE_SIZE)
    return Sealed(
        entry.header + nonce + entry.aead.encrypt(nonce, plain, prefix + entry.ad_suffix)  # type: ignore[union-attr]
    )


def seal_with(plain: bytes, prefix: bytes, holder: tuple[str, uuid.UUID]) -> Sealed:
    return seal_entry(plain, prefix, holder_entry(*holder))


def decrypt_failed(prefix: bytes) -> DecryptionError:
    label, field, row_hex, _ = prefix.decode().split("|")
    return DecryptionError(
        f"{label}.{field} of row {row_hex} failed to decrypt: the value was altered, "
        "moved from another row or field, or belongs to another key."
    )


def unseal_with(blob: bytes, prefix: bytes, page: dict | None = None) -> bytes | Shredded:
    """The one way a stored value is opened: every field read runs it, once per value.

    `page` maps headers to the keys a queryset page preloaded. Written for speed: the process
    cache is read directly (what `key_cache.by_header` does), no object is made but the slices."""
    if len(blob) < OVERHEAD:
        raise DecryptionError("An encrypted value is truncated or of an unknown format.")
    header = blob[:HEADER_SIZE]
    entry = None if page is None else page.get(header)
    if entry is None:
        # The process cache holds only headers of the current format; anything else is looked
        # up (and refused) by entry_for_header.
        cached = _KEYS_BY_HEADER.get(header)
        entry = entry_for_header(header) if cached is None or cached[0] < monotonic() else cached[1]
    aead = entry.aead
    if aead is None:
        return SHREDDED
    try:
        return aead.decrypt(blob[HEADER_SIZE:NONCE_END], blob[NONCE_END:], prefix + entry.ad_suffix)
    except InvalidTag:
        raise decrypt_failed(prefix) from None


def seal(
    plain: bytes, *, label: str, field: str, row_id: uuid.UUID, holder: tuple[str, uuid.UUID]
) -> Sealed:
    return seal_with(plain, ad_prefix(label=label, field=field, row_id=row_id), holder)


def unseal(sealed: Sealed, *, label: str, field: str, row_id: uuid.UUID) -> bytes | Shredded:
    return unseal_with(sealed.blob, ad_prefix(label=label, field=field, row_id=row_id))


def data_key_shred(*, holder_type: str, holder_id: uuid.UUID) -> bool:
    """Destroy the holder's data key (or record a tombstone, so none is made later). True when a
    live key was destroyed; False when it was shredded before or there was none."""
    data_key = (
        DataKey.objects.select_for_update()
        .filter(holder_type=holder_type, holder_id=holder_id)
        .first()
    )
    now = timezone.now()
    destroyed = data_key is not None and data_key.shredded_at is None
    if data_key is None:
        data_key = DataKey.objects.create(
            holder_type=holder_type, holder_id=holder_id, kek_id="", wrapped=None, shredded_at=now
        )
    elif destroyed:
        data_key.wrapped, data_key.kek_id, data_key.shredded_at = None, "", now
        data_key.save(update_fields=["wrapped", "kek_id", "shredded_at"])
    key_cache.forget(data_key.id, (holder_type, holder_id))
    return destroyed
