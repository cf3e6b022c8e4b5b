"""Recompute every balance from the ledger's entries; exit non-zero on any mismatch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from funds.checks import ledger_problems


class Command(BaseCommand):
    help = "Recompute every account balance from the ledger entries and compare (exit 1 if off)."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"The ledger does not add up: {len(problems)} problem(s).")
        self.stdout.write("The ledger adds up: every balance matches its entries.")
