"""Encrypted model fields and blind indexes.

A model with encrypted fields names its key holder (and has a UUID primary key assigned in Python,
so a value can be bound to its row before the row is inserted)::

    class FamilyMember(VaultModel):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
        case = models.ForeignKey(Case, on_delete=models.CASCADE)
        name = EncryptedCharField(max_length=200)
        phone = EncryptedCharField(max_length=40, blank=True)
        phone_index = BlindIndexField(source="phone", normaliser="phone", index_name="phone")

        class Vault:
            key_holder = "case"  # a foreign key (or "a.b" path) to the holder, or "self"

Values are sealed in `pre_save` (so `save()`, `create()` and `bulk_create()` encrypt) and opened on
first attribute access. Anything else that would write or compare a plaintext value in SQL raises.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import json
import uuid
from functools import cached_property, lru_cache
from os import urandom
from time import monotonic
from typing import Any, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core import checks
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from supportdesk.vault import crypto
from supportdesk.vault.crypto import (
    NONCE_SIZE,
    SHREDDED,
    Sealed,
    VaultError,
    unseal_with,
)
from supportdesk.vault.keyring import key_ring
from supportdesk.vault.normalise import NORMALISERS

# The process's cache of data keys, read directly on the sealing path (see crypto._KeyCache).
_KEYS_BY_HOLDER = crypto.key_cache.by_holder_table
_UUID = uuid.UUID


class EncryptedFieldQueryError(VaultError):
    pass


class EncryptedFieldWriteError(VaultError):
    pass


_OPTIONS: dict[type, tuple[str, str]] = {}


def vault_options(model: type[models.Model]) -> tuple[str, str]:
    """(key holder path, row id attribute) declared by the model's inner `Vault` class."""
    try:
        return _OPTIONS[model]
    except KeyError:
        options = getattr(model, "Vault", None)
        found = (getattr(options, "key_holder", ""), getattr(options, "row_id", "pk"))
        if not model._meta.apps.ready:  # models still being declared: do not cache yet
            return found
        return _OPTIONS.setdefault(model, found)


def row_id_of(instance: models.Model) -> uuid.UUID:
    _holder, row_attr = vault_options(type(instance))
    row_id = getattr(instance, row_attr)
    if not isinstance(row_id, uuid.UUID):
        raise VaultError(
            f"{instance._meta.label_lower} needs a UUID {row_attr} assigned before saving."
        )
    return row_id


def holder_of(instance: models.Model) -> tuple[str, uuid.UUID]:
    """The key holder as (model label, pk), read from foreign-key ids where possible."""
    path, row_attr = vault_options(type(instance))
    if path == "self":
        row_id = getattr(instance, row_attr)
        if isinstance(row_id, uuid.UUID):
            return instance._meta.label_lower, row_id
        return instance._meta.label_lower, row_id_of(instance)
    *hops, last = path.split(".")
    obj: Any = instance
    for hop in hops:
        obj = getattr(obj, hop)
    fk = obj._meta.get_field(last)
    holder_id = getattr(obj, fk.attname)
    if holder_id is None:
        raise VaultError(f"{instance._meta.label_lower} has no key holder ({path}) yet.")
    return fk.related_model._meta.label_lower, holder_id


class VaultDescriptor:
    """Holds the sealed value as loaded; opens it on first read and keeps the plaintext only on the
    instance (re-sealed by the next save). A shredded holder's values read as SHREDDED."""

    def __init__(self, field: EncryptedMixin) -> None:
        self.field = field
        self.name = field.attname
        self.stored_types = field.stored_types

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        name = self.name
        data = instance.__dict__
        try:
            value = data[name]
        except KeyError:
            instance.refresh_from_db(fields=[name])  # a deferred field, as Django would
            value = data[name]
        kind = type(value)
        if kind not in self.stored_types:
            return value  # plaintext (or None, or SHREDDED)
        plain = self.field.open(instance, value.blob if kind is Sealed else bytes(value))
        if plain is not SHREDDED:
            data[name] = plain
        return plain

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.name] = value


class EncryptedMixin:
    """Shared behaviour of the encrypted fields; each concrete field adds encode/decode."""

    # Set by the models.Field each concrete field also derives from.
    model: type[models.Model]
    name: str
    attname: str

    descriptor_class = VaultDescriptor
    encrypted = True
    # What a loaded, still unopened value looks like on an instance. Text, dates, JSON and decimals
    # keep the bytes the database returned (no converter runs per row, so loading costs what it
    # costs for plain columns); binary fields wrap them in Sealed, as their plaintext is bytes too.
    stored_types: frozenset[type] = frozenset({Sealed, bytes, memoryview})

    def stored(self, value: Any) -> bytes | None:
        """The sealed bytes if `value` is a value as stored, else None (plaintext or None)."""
        kind = type(value)
        if kind is Sealed:
            return value.blob
        if kind in self.stored_types:
            return bytes(value)
        return None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for option in ("unique", "db_index", "primary_key"):
            if kwargs.get(option):
                raise TypeError(f"Encrypted fields cannot be {option}: use a BlindIndexField.")
        # Left out of dumpdata and every serializers.serialize() output: a fixture or an export
        # would otherwise hold the decrypted values.
        kwargs["serialize"] = False
        super().__init__(*args, **kwargs)
        # Plain UTF-8 text (encode/decode not overridden): the hot paths call str.encode and
        # bytes.decode directly instead of going through the methods.
        kind = type(self)
        self.text_codec = (
            kind.encode is EncryptedMixin.encode and kind.decode is EncryptedMixin.decode
        )

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        kwargs.pop("serialize", None)
        return name, path, args, kwargs

    # --- storage ---------------------------------------------------------------------------
    def get_internal_type(self) -> str:
        return "BinaryField"

    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, raw: bytes) -> Any:
        return raw.decode("utf-8")

    @cached_property
    def _label(self) -> str:
        return self.model._meta.label_lower

    @cached_property
    def _label_prefix(self) -> bytes:
        """The constant start of this field's associated data: `app.model|field|`."""
        return f"{self._label}|{self.name}|".encode()

    @cached_property
    def _row_attname(self) -> str:
        row_attr = vault_options(self.model)[1]
        return self.model._meta.pk.attname if row_attr == "pk" else row_attr

    def _row_bytes(self, instance: models.Model) -> bytes:
        """`row uuid|`, kept on the instance with the id it was made from (one uuid-to-hex
        conversion per row, not per value; made again whenever the id changes)."""
        data = instance.__dict__
        row_id = data.get(self._row_attname)
        cached = data.get("_vault_row")
        if cached is None or (cached[0] is not row_id and cached[0] != row_id):
            if type(row_id) is not uuid.UUID or type(instance) is not self.model:
                row_id = row_id_of(instance)  # raises when there is no UUID yet
            # `%032x` of the UUID's int is exactly uuid.hex, without the property call.
            cached = (data.get(self._row_attname), b"%032x|" % row_id.int)
            data["_vault_row"] = cached
        return cached[1]

    def _prefix(self, instance: models.Model) -> bytes:
        """The fixed part of the associated data: `app.model|field|row uuid|`."""
        return self._label_prefix + self._row_bytes(instance)

    @cached_property
    def _holder_path(self) -> tuple[tuple[str, ...], str, str] | None:
        """(hops, foreign-key attname, holder label) of the key holder, None for "self"."""
        path = vault_options(self.model)[0]
        if path == "self":
            return None
        *hops, last = path.split(".")
        model: Any = self.model
        for hop in hops:
            model = model._meta.get_field(hop).related_model
        fk = model._meta.get_field(last)
        return tuple(hops), fk.attname, fk.related_model._meta.label_lower

    def _holder(self, instance: models.Model) -> tuple[str, uuid.UUID]:
        holder_path = self._holder_path
        if holder_path is None:
            row_id = instance.__dict__.get(self._row_attname)
            if type(row_id) is uuid.UUID:
                return self._label, row_id
            return holder_of(instance)  # raises the usual error
        if type(instance) is not self.model:
            return holder_of(instance)  # a subclass may declare its own holder
        hops, attname, label = holder_path
        obj: Any = instance
        for hop in hops:
            obj = getattr(obj, hop)
        holder_id = getattr(obj, attname)
        if holder_id is None:
            return holder_of(instance)  # raises the usual error
        return label, holder_id

    def open(self, instance: models.Model, blob: bytes) -> Any:
        """The plaintext of a stored value of this field on this row (SHREDDED once its holder
        was shredded). Raises DecryptionError for anything that does not open."""
        label_prefix, row_attname, text_codec = self._read_constants
        data = instance.__dict__
        cached = data.get("_vault_row")
        if cached is None or cached[0] is not data.get(row_attname):
            prefix = label_prefix + self._row_bytes(instance)
        else:
            prefix = label_prefix + cached[1]
        plain = unseal_with(blob, prefix, data.get("_vault_keys"))
        if plain is SHREDDED:
            return SHREDDED
        # Bytes from here on: the identity test above is cheaper than a cast or an isinstance.
        if text_codec:
            return plain.decode()  # type: ignore[union-attr]
        return self.decode(plain)  # type: ignore[arg-type]

    @cached_property
    def _read_constants(self) -> tuple[bytes, str, bool]:
        """What open() needs of the field, in one attribute read."""
        return self._label_prefix, self._row_attname, self.text_codec

    @cached_property
    def _save_constants(self) -> tuple[str, frozenset, str, str, bytes, bool, bool]:
        """What pre_save() needs of the field, in one attribute read."""
        holds_itself = self._holder_path is None
        return (
            self.attname,
            self.stored_types,
            self._row_attname,
            self._label,
            self._label_prefix,
            self.text_codec,
            holds_itself,
        )

    def pre_save(self, model_instance: models.Model, add: bool) -> Sealed | None:
        attname, stored_types, row_attname, label, label_prefix, text_codec, holds_itself = (
            self._save_constants
        )
        data = model_instance.__dict__
        value = data.get(attname)
        if value is None:
            return None
        kind = type(value)
        if kind in stored_types:
            return self._keep_or_reseal(model_instance, value.blob if kind is Sealed else value)
        if value is SHREDDED:
            raise crypto.HolderShredded("A shredded value cannot be saved again.")
        row_id = data.get(row_attname)
        entry = None
        if holds_itself and type(row_id) is _UUID:
            cached = _KEYS_BY_HOLDER.get((label, row_id.int))  # the row holds its own key
            if cached is not None and cached[0] >= monotonic():
                entry = cached[1]
        if entry is None or entry.aead is None:
            entry = crypto.holder_entry(*self._holder(model_instance))  # raises once shredded
        cached = data.get("_vault_row")
        if cached is None or cached[0] is not row_id:
            prefix = label_prefix + self._row_bytes(model_instance)
        else:
            prefix = label_prefix + cached[1]
        plain = value.encode() if kind is str and text_codec else self.encode(value)
        nonce = urandom(NONCE_SIZE)
        aead = cast(AESGCM, entry.aead)  # holder_entry raised if the key was shredded
        return Sealed(entry.header + nonce + aead.encrypt(nonce, plain, prefix + entry.ad_suffix))

    def _keep_or_reseal(self, model_instance: models.Model, stored: bytes) -> Sealed:
        """A value unread since loading: check it still opens for this row, and keep it if the
        holder is unchanged. A moved record (new holder) is sealed again under the new holder's
        key. A value that does not open raises, so a damaged value is never saved over."""
        holder = self._holder(model_instance)
        blob = bytes(stored)
        sealed = Sealed(blob)
        plain = unseal_with(
            blob, self._prefix(model_instance), model_instance.__dict__.get("_vault_keys")
        )
        if plain is SHREDDED or sealed.key_id == crypto.data_key_for_holder(*holder)[0]:
            return sealed
        return crypto.seal_with(cast(bytes, plain), self._prefix(model_instance), holder)

    def get_db_prep_save(self, value: Any, connection: Any) -> bytes | None:
        return self.get_db_prep_value(value, connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
        raise EncryptedFieldWriteError(
            f"{self.model._meta.label_lower}.{self.name} is encrypted: it is written only by "
            "save()/create()/bulk_create(), never by update(), bulk_update() or raw values."
        )

    def get_db_converters(self, connection: Any) -> list:
        return []

    def to_python(self, value: Any) -> Any:
        if self.stored(value) is not None or value is SHREDDED:
            return value
        return super().to_python(value)  # type: ignore[misc]

    # --- guards ----------------------------------------------------------------------------
    def _query_error(self) -> EncryptedFieldQueryError:
        return EncryptedFieldQueryError(
            f"{self.model._meta.label_lower}.{self.name} is encrypted: the database cannot filter "
            "or sort by it. Look records up through a blind index "
            "(Model.objects.filter_blind(...)) and sort in Python."
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)  # type: ignore[misc]
        raise self._query_error()

    def get_transform(self, lookup_name: str) -> Any:
        raise self._query_error()

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)  # type: ignore[misc]
        holder, row_attr = vault_options(self.model)
        label = f"{self.model._meta.label}.{self.name}"
        if not holder:
            errors.append(
                checks.Error(
                    f"{label} is encrypted but the model declares no key holder.",
                    hint='Add `class Vault: key_holder = "<foreign key>"` (or "self").',
                    obj=self,
                    id="vault.E001",
                )
            )
        meta = self.model._meta
        row_field = meta.pk if row_attr == "pk" else meta.get_field(row_attr)
        if not isinstance(row_field, models.UUIDField) or not callable(row_field.default):
            errors.append(
                checks.Error(
                    f"{label} is encrypted but {row_attr} is not a UUID assigned in Python.",
                    hint="Use models.UUIDField(primary_key=True, default=uuid.uuid4).",
                    obj=self,
                    id="vault.E002",
                )
            )
        if getattr(self, "auto_now", False) or getattr(self, "auto_now_add", False):
            errors.append(
                checks.Error(f"{label}: auto_now is not supported.", obj=self, id="vault.E003")
            )
        return errors


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """Short strings. max_length bounds the plaintext (validation); the column is binary."""


class EncryptedDateField(EncryptedMixin, models.DateField):
    def encode(self, value: Any) -> bytes:
        return self.to_python(value).isoformat().encode("ascii")

    def decode(self, raw: bytes) -> datetime.date:
        return datetime.date.fromisoformat(raw.decode("ascii"))


class EncryptedDecimalField(EncryptedMixin, models.DecimalField):
    def encode(self, value: Any) -> bytes:
        return str(self.to_python(value)).encode("ascii")

    def decode(self, raw: bytes) -> decimal.Decimal:
        return decimal.Decimal(raw.decode("ascii"))


class EncryptedJSONField(EncryptedMixin, models.JSONField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("encoder", DjangoJSONEncoder)
        super().__init__(*args, **kwargs)

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, cls=self.encoder, ensure_ascii=False).encode("utf-8")

    def decode(self, raw: bytes) -> Any:
        return json.loads(raw.decode("utf-8"), cls=self.decoder)


class EncryptedBinaryField(EncryptedMixin, models.BinaryField):
    stored_types = frozenset({Sealed})

    def get_db_converters(self, connection: Any) -> list:
        return [self.from_db_value]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | None:
        return None if value is None else Sealed(bytes(value))

    def encode(self, value: Any) -> bytes:
        return bytes(value)

    def decode(self, raw: bytes) -> bytes:
        return raw


# --- Blind indexes --------------------------------------------------------------------------------

INDEX_BYTES = 32


@lru_cache(maxsize=256)
def _index_key(root: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root)


def blind_index(value: str, *, index_name: str, version: int, normaliser: str) -> bytes:
    """HMAC-SHA256 of the normalised value under a key derived for this index and version."""
    normalised = NORMALISERS[normaliser](value)
    info = f"supportdesk.vault.blind-index|{index_name}|v{version}".encode()
    key = _index_key(key_ring().index_key, info)
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).digest()


class BlindIndexField(models.BinaryField):
    """An exact-match index for the encrypted field `source`, computed on save.

    `index_name` names the derived key: indexes sharing a name (the phones of cases and of
    family members, say) can be matched against each other; the default is per model and field.
    """

    def __init__(
        self,
        *args: Any,
        source: str,
        normaliser: str = "exact",
        index_name: str = "",
        version: int = 1,
        **kwargs: Any,
    ) -> None:
        if normaliser not in NORMALISERS:
            raise TypeError(f"Unknown normaliser {normaliser!r}: one of {sorted(NORMALISERS)}.")
        self.source, self.normaliser = source, normaliser
        self.index_name, self.version = index_name, version
        kwargs.update(null=True, editable=False, max_length=INDEX_BYTES)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for option in ("null", "editable", "max_length"):
            kwargs.pop(option, None)
        kwargs.update(source=self.source, normaliser=self.normaliser, version=self.version)
        if self.index_name:
            kwargs["index_name"] = self.index_name
        return name, path, args, kwargs

    @property
    def key_name(self) -> str:
        return self.index_name or f"{self.model._meta.label_lower}.{self.source}"

    def compute(self, value: Any) -> bytes | None:
        if value is None or value == "":
            return None
        return blind_index(
            str(value), index_name=self.key_name, version=self.version, normaliser=self.normaliser
        )

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        source = cast(EncryptedMixin, model_instance._meta.get_field(self.source))
        value = model_instance.__dict__.get(source.attname)
        if source.stored(value) is not None or value is SHREDDED:
            return model_instance.__dict__.get(self.attname)  # source unchanged since loading
        digest = self.compute(value)
        setattr(model_instance, self.attname, digest)
        return digest

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        return None if value is None else bytes(value)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedMixin]:
    found = [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
    return cast("list[EncryptedMixin]", found)


def blind_index_fields(model: type[models.Model]) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
