"""Make a new key ring: print it, or write it to files readable by their owner only."""

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportdesk.operations.keys import FILE_NAME as BACKUP_KEY_FILE_NAME
from supportdesk.operations.keys import new_backup_key_ring_json
from supportdesk.vault.keyring import (
    INDEX_KEY_FILE_NAME,
    KEYS_FILE_NAME,
    new_key,
    new_key_ring_json,
    parse_keys,
)


def _write_private(path: Path, text: str) -> None:
    # Created with 0600 from the start: the key never sits in a world-readable file, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


class Command(BaseCommand):
    help = (
        "Print a new vault key ring (SUPPORTDESK_KEYS and SUPPORTDESK_INDEX_KEY) and a backup "
        "key ring (SUPPORTDESK_BACKUP_KEY), or write them to files with --write DIR. With "
        "--add-kek, print the current ring plus a new active KEK (then run rotate_keys)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kek-id", default=f"k{timezone.now():%Y%m%d%H%M}")
        parser.add_argument(
            "--write", metavar="DIR", help="write keyring.json, index.key and backup.json"
        )
        parser.add_argument("--backup-key-id", default=f"b{timezone.now():%Y%m%d%H%M}")
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="with --write: do nothing when the files exist (for `make run`)",
        )
        parser.add_argument(
            "--add-kek",
            action="store_true",
            help="keep the keys of the current SUPPORTDESK_KEYS and add a new active one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keep = None
        if options["add_kek"]:
            current = os.environ.get("SUPPORTDESK_KEYS") or self._file("SUPPORTDESK_KEYS_FILE")
            _active, keks = parse_keys(current)
            keep = json.loads(current)["keys"]
            if options["kek_id"] in keks:
                raise CommandError(f"Key id {options['kek_id']} is already in the key ring.")
        ring = new_key_ring_json(kek_id=options["kek_id"], keep=keep)
        if options["write"]:
            self._write(Path(options["write"]), ring, options["keep_existing"])
            self._write_backup_key(Path(options["write"]), options)
            return
        self.stderr.write("Keep these secret; losing them loses every encrypted value.")
        self.stdout.write(f"SUPPORTDESK_KEYS='{ring}'")
        if not options["add_kek"]:
            self.stdout.write(f"SUPPORTDESK_INDEX_KEY={new_key()}")
            backup = new_backup_key_ring_json(key_id=options["backup_key_id"])
            self.stdout.write(f"SUPPORTDESK_BACKUP_KEY='{backup}'")

    def _file(self, var: str) -> str:
        path = os.environ.get(var)
        if not path:
            raise CommandError("--add-kek needs SUPPORTDESK_KEYS or SUPPORTDESK_KEYS_FILE set.")
        return Path(path).read_text(encoding="utf-8")

    def _write(self, directory: Path, ring: str, keep_existing: bool) -> None:
        keys, index = directory / KEYS_FILE_NAME, directory / INDEX_KEY_FILE_NAME
        if keys.exists() or index.exists():
            if keep_existing and keys.exists() and index.exists():
                return
            raise CommandError(f"{directory} already holds key files: not overwriting them.")
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_private(keys, ring)
        _write_private(index, new_key())
        self.stdout.write(f"Wrote a new local key ring to {directory} (mode 0600).")

    def _write_backup_key(self, directory: Path, options: dict[str, Any]) -> None:
        # Its own file, added to a folder of older keys too (`make run` on an existing var/keys).
        path = directory / BACKUP_KEY_FILE_NAME
        if path.exists():
            if options["keep_existing"]:
                return
            raise CommandError(f"{path} already exists: not overwriting it.")
        _write_private(path, new_backup_key_ring_json(key_id=options["backup_key_id"]))
        self.stdout.write(f"Wrote a new local backup key to {path} (mode 0600).")
