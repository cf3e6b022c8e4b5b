"""`manage.py verify_audit`: exit 0 when the audit chain is intact, 1 naming the first bad event."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.audit import alerts, chain


class Command(BaseCommand):
    help = "Verify the audit chain; name the first edited, deleted, moved or added event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seal-first",
            action="store_true",
            help="Seal waiting events before verifying (what the nightly task does).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seal_first"]:
            alerts.audit_seal()
        result = chain.verify()
        summary = (
            f"{result.checked} sealed events checked, {result.unsealed} waiting to be sealed; "
            f"head position {result.head_position} mac {result.head_mac or '-'}"
        )
        if result.problem is not None:
            self.stderr.write(summary)
            problem = result.problem
            raise CommandError(f"Audit chain broken ({problem.kind}): {problem.message}")
        self.stdout.write(f"Audit chain intact: {summary}")
