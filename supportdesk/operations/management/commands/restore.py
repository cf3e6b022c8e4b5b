"""Restore the configured, empty database from an archive, or only check an archive."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.errors import ApplicationError
from supportdesk.operations.keys import backup_key_ring
from supportdesk.operations.progress import Progress
from supportdesk.operations.services import (
    archive_check,
    backup_restore,
    database_unreachable,
)


class Command(BaseCommand):
    help = (
        "Restore the database named by DATABASE_URL, which must be empty, from a backup "
        "archive. With --check, only read the whole archive and say whether it is sound."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="check the archive; restore nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["archive"]
        if not path.is_file():
            raise CommandError(f"There is no archive at {path}.")
        bar = None
        if not options["no_progress"]:
            bar = Progress(
                lambda text: self.stderr.write(text, ending=""),
                label="Checking" if options["check"] else "Restoring",
                total=path.stat().st_size,
                tty=self.stderr.isatty(),
            )
        progress = bar.update if bar is not None else None
        try:
            if options["check"]:
                checked = archive_check(path=path, ring=backup_key_ring(), progress=progress)
                header, detail = checked.header, f"{checked.chunks} chunks, dump of "
                detail += f"{checked.dump_bytes} bytes"
            else:
                header, detail = backup_restore(path=path, progress=progress), ""
        except psycopg.Error as error:
            raise CommandError(database_unreachable(error)) from None
        except ApplicationError as refused:
            if bar is not None:
                self.stderr.write("")
            raise CommandError(str(refused.message)) from None
        if bar is not None:
            bar.finish()
        made = datetime.datetime.fromtimestamp(header.created_at, tz=datetime.UTC)
        about = f"archive {header.archive_id.hex()}, made {made:%Y-%m-%d %H:%M} UTC"
        if options["check"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"The archive is whole and opens with backup key {header.key_id} ({about}, "
                    f"{detail})."
                )
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Restored from {path} ({about})."))
        self.stdout.write(
            "Next: `manage.py db_roles --apply` (the app role's grants), "
            "`manage.py verify_audit`, then start the web, worker and beat services."
        )
