"""The backup key ring: the keys that seal backup archives, apart from every other key.

    SUPPORTDESK_BACKUP_KEY       {"active": "<id>", "keys": {"<id>": "<base64 32 bytes>", ...}}
    SUPPORTDESK_BACKUP_KEY_FILE  path of a file holding the same JSON

New archives are sealed under the active key and name its id; older ids stay in the ring for as
long as archives made with them are kept, so they can still be restored. Like the vault's keys
(supportdesk.vault.keyring) the ring is read from the environment itself, never from settings or
the database, and in development only a file under settings.VAULT_LOCAL_KEY_DIR is used when
neither variable is set (`manage.py generate_keys --write var/keys --keep-existing`).

It must differ from the master keys and the index key: an archive holds the data keys wrapped by
the master keys, and a leaked archive must stay closed to whoever holds only those.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from supportdesk.errors import ApplicationError
from supportdesk.operations.archive import UnknownBackupKey
from supportdesk.vault.keyring import key_ring

VARIABLE = "SUPPORTDESK_BACKUP_KEY"
FILE_NAME = "backup.json"  # in the local key folder of `make run`
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class BackupKeyError(ApplicationError):
    """No usable backup key ring: a sentence saying what to set."""


@dataclass(frozen=True, repr=False)
class BackupKeyRing:
    active_id: str
    keys: dict[str, bytes] = field(compare=False)

    def __repr__(self) -> str:  # the keys never reach a log or a traceback
        return f"<BackupKeyRing active={self.active_id} ids={sorted(self.keys)}>"

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownBackupKey(
                _(
                    "This archive was made with backup key %(key_id)s, which is not in "
                    "SUPPORTDESK_BACKUP_KEY: add that key to the ring to restore it."
                )
                % {"key_id": key_id}
            ) from None


def _text() -> str | None:
    if os.environ.get(VARIABLE):
        return os.environ[VARIABLE]
    path = os.environ.get(f"{VARIABLE}_FILE")
    if not path:
        local_dir = getattr(settings, "VAULT_LOCAL_KEY_DIR", None)
        if local_dir is None or not (Path(local_dir) / FILE_NAME).is_file():
            return None
        path = str(Path(local_dir) / FILE_NAME)
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BackupKeyError(
            _("SUPPORTDESK_BACKUP_KEY_FILE names a file that cannot be read (%(reason)s).")
            % {"reason": exc.strerror}
        ) from None


def parse_backup_keys(text: str) -> BackupKeyRing:
    invalid = BackupKeyError(
        _(
            'SUPPORTDESK_BACKUP_KEY must be JSON: {"active": "<id>", "keys": {"<id>": "<base64 '
            'of 32 random bytes>"}}.'
        )
    )
    try:
        data = json.loads(text)
        active, keys = data["active"], data["keys"]
    except (ValueError, KeyError, TypeError):
        raise invalid from None
    if not isinstance(keys, dict) or active not in keys:
        raise invalid
    ring = {}
    for key_id, value in keys.items():
        try:
            raw = base64.b64decode(str(value).strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if not _KEY_ID.match(key_id) or len(raw) != KEY_BYTES:
            raise invalid
        ring[key_id] = raw
    return BackupKeyRing(active_id=active, keys=ring)


def _vault_keys() -> set[bytes]:
    try:
        ring = key_ring()
    except ImproperlyConfigured:
        return set()  # no vault keys to compare with (the vault refuses on its own)
    return {*ring.keks.values(), ring.index_key}


def backup_key_ring() -> BackupKeyRing:
    """Read the ring now (not cached: a process sees a new ring at its next backup)."""
    text = _text()
    if text is None:
        raise BackupKeyError(
            _(
                "There is no backup key: set SUPPORTDESK_BACKUP_KEY or "
                "SUPPORTDESK_BACKUP_KEY_FILE (`manage.py generate_keys` makes one)."
            )
        )
    ring = parse_backup_keys(text)
    if set(ring.keys.values()) & _vault_keys():
        raise BackupKeyError(
            _("A backup key must differ from every master key and from the index key.")
        )
    return ring


def new_backup_key_ring_json(*, key_id: str) -> str:
    key = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    return json.dumps({"active": key_id, "keys": {key_id: key}})
