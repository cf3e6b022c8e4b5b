"""Write one encrypted, compressed archive of the database, now (docs/operations.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.errors import ApplicationError
from supportdesk.operations import pg
from supportdesk.operations.progress import Progress
from supportdesk.operations.services import (
    backup_create,
    database_unreachable,
    default_database,
)


class Command(BaseCommand):
    help = (
        "Back up the database: pg_dump, compressed and sealed under the active backup key "
        "(SUPPORTDESK_BACKUP_KEY), into BACKUP_DIR (keeping the BACKUP_KEEP newest) or --output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="write the archive here instead")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is not None and output.exists():
            raise CommandError(f"{output} exists already: choose a new file name.")
        started = time.monotonic()
        progress = None
        try:
            if not options["no_progress"]:
                bar = Progress(
                    lambda text: self.stderr.write(text, ending=""),
                    label="Dumping",
                    total=pg.data_size(default_database()),
                    tty=self.stderr.isatty(),
                    estimate=True,
                )
                progress = bar.update
            backup = backup_create(output=output, progress=progress)
        except (psycopg.Error, ApplicationError, OSError) as error:
            if progress is not None:
                self.stderr.write("")  # end the bar's line
            raise CommandError(self._sentence(error)) from None
        if progress is not None:
            bar.finish()
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written and checked: {backup.path} ({backup.size_bytes} bytes, "
                f"{backup.chunks} chunks, backup key {backup.key_id}, archive {backup.archive_id}) "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    @staticmethod
    def _sentence(error: Exception) -> str:
        if isinstance(error, psycopg.Error):
            return database_unreachable(error)
        if isinstance(error, ApplicationError):
            return str(error.message)
        reason = error.strerror if isinstance(error, OSError) else None
        return f"The archive could not be written ({reason or type(error).__name__})."
