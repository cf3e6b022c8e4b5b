"""Re-wrap every data key under the active KEK: online, in committed batches, safe to re-run."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from supportdesk.vault.services import data_keys_rewrap_batch, data_keys_status


class Command(BaseCommand):
    help = (
        "Re-wrap data keys under the active master key. Each batch commits on its own, so the "
        "command can be stopped and run again; it ends with what is still under old keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--max-batches", type=int, default=0, help="stop after this many batches (0: all)"
        )
        parser.add_argument(
            "--pause", type=float, default=0.0, help="seconds between batches, for a busy database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        status = data_keys_status()
        total = status.under_old_keks
        self.stdout.write(f"Active master key: {status.active_id}; {total} data keys to re-wrap.")
        done = batches = 0
        while not options["max_batches"] or batches < options["max_batches"]:
            count = data_keys_rewrap_batch(batch_size=options["batch_size"])
            if not count:
                break
            done, batches = done + count, batches + 1
            self.stdout.write(self._bar(done, total))
            self.stdout.flush()
            time.sleep(options["pause"])
        self._summary()

    @staticmethod
    def _bar(done: int, total: int, width: int = 30) -> str:
        filled = width * done // total if total else width
        return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"

    def _summary(self) -> None:
        status = data_keys_status()
        for kek_id, count in status.by_kek.items():
            marker = " (active)" if kek_id == status.active_id else ""
            self.stdout.write(f"  {kek_id}{marker}: {count} data keys")
        self.stdout.write(f"  shredded: {status.shredded}")
        if status.under_old_keks:
            self.stdout.write(
                self.style.WARNING(
                    f"{status.under_old_keks} data keys are still under old master keys: "
                    "run rotate_keys again before removing those keys from the ring."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "Every data key is under the active master key: old master "
                    "keys can be removed from the ring."
                )
            )
