"""The key ring: master keys (KEKs) that wrap data keys, and the blind-index root key.

Key material comes only from the environment or from files named there, never from SECRET_KEY and
never from the database, so a stolen database or backup holds nothing that opens it.

    SUPPORTDESK_KEYS        {"active": "<id>", "keys": {"<id>": "<base64 32 bytes>", ...}}
    SUPPORTDESK_KEYS_FILE   path of a file holding the same JSON
    SUPPORTDESK_INDEX_KEY   base64 32 bytes (blind-index root key, separate from the KEKs)
    SUPPORTDESK_INDEX_KEY_FILE

Outside production, files under settings.VAULT_LOCAL_KEY_DIR (written by `manage.py generate_keys
--write DIR --keep-existing`) are used when no variable is set, so `make run` needs no setup.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
KEYS_FILE_NAME = "keyring.json"
INDEX_KEY_FILE_NAME = "index.key"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True, repr=False)
class KeyRing:
    active_id: str
    keks: dict[str, bytes] = field(compare=False)
    index_key: bytes = field(compare=False)

    def __repr__(self) -> str:  # the keys themselves never reach a log or a traceback
        return f"<KeyRing active={self.active_id} ids={sorted(self.keks)}>"

    @property
    def active_kek(self) -> bytes:
        return self.keks[self.active_id]

    def kek(self, kek_id: str) -> bytes:
        try:
            return self.keks[kek_id]
        except KeyError:
            raise ImproperlyConfigured(
                f"Master key {kek_id!r} is not in the key ring: data keys wrapped by it cannot be "
                "opened. Add it back to SUPPORTDESK_KEYS, or run `manage.py rotate_keys` while "
                "it is still available."
            ) from None


def _decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{what} is not valid base64.") from None
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(f"{what} must be {KEY_BYTES} bytes (base64 of 32 random bytes).")
    return raw


def _read(var: str, local_name: str) -> str | None:
    """The value of VAR, else the file named by VAR_FILE, else (outside production) a local file."""
    if os.environ.get(var):
        return os.environ[var]
    path = os.environ.get(f"{var}_FILE")
    if not path:
        local_dir = getattr(settings, "VAULT_LOCAL_KEY_DIR", None)
        if local_dir is None or not (Path(local_dir) / local_name).is_file():
            return None
        path = str(Path(local_dir) / local_name)
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{var}_FILE names a file that cannot be read ({exc.strerror})."
        ) from None


def parse_keys(text: str) -> tuple[str, dict[str, bytes]]:
    try:
        data = json.loads(text)
        active, keys = data["active"], data["keys"]
    except (ValueError, KeyError, TypeError):
        raise ImproperlyConfigured(
            'SUPPORTDESK_KEYS must be JSON: {"active": "<id>", "keys": {"<id>": "<base64>"}}.'
        ) from None
    if not isinstance(keys, dict) or not keys:
        raise ImproperlyConfigured("SUPPORTDESK_KEYS holds no keys.")
    keks = {}
    for kek_id, value in keys.items():
        if not _KEY_ID.match(kek_id):
            raise ImproperlyConfigured("Key ids are 1-32 letters, digits, '.', '_' or '-'.")
        keks[kek_id] = _decode_key(value, f"Master key {kek_id!r}")
    if active not in keks:
        raise ImproperlyConfigured("The active key id of SUPPORTDESK_KEYS is not among its keys.")
    return active, keks


def load_key_ring() -> KeyRing:
    keys_text = _read("SUPPORTDESK_KEYS", KEYS_FILE_NAME)
    index_text = _read("SUPPORTDESK_INDEX_KEY", INDEX_KEY_FILE_NAME)
    if keys_text is None or index_text is None:
        raise ImproperlyConfigured(
            "The vault has no keys: set SUPPORTDESK_KEYS and SUPPORTDESK_INDEX_KEY (or their "
            "_FILE variants). `manage.py generate_keys` makes a new key ring."
        )
    active, keks = parse_keys(keys_text)
    index_key = _decode_key(index_text, "SUPPORTDESK_INDEX_KEY")
    if index_key in keks.values():
        raise ImproperlyConfigured("The blind-index key must differ from every master key.")
    return KeyRing(active_id=active, keks=keks, index_key=index_key)


@cache
def key_ring() -> KeyRing:
    return load_key_ring()


def key_ring_reload() -> KeyRing:
    """Read the environment again (tests, and a process told that the ring changed)."""
    key_ring.cache_clear()
    return key_ring()


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def new_key_ring_json(*, kek_id: str, keep: dict[str, str] | None = None) -> str:
    """A key ring whose active key is new; `keep` carries older keys still needed to unwrap."""
    keys = dict(keep or {})
    keys[kek_id] = new_key()
    return json.dumps({"active": kek_id, "keys": keys})
