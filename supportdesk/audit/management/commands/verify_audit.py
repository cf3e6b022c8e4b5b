"""`manage.py verify_audit`: exit 0 when the audit log is intact, 1 naming the first bad event.

Without options: the HMAC chain, then the log against the newest checkpoint the database holds.
`--against FILE` (repeatable) also checks it against checkpoints kept outside the server: the only
check that someone holding this server, its keys and its database cannot pass after a rewrite.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.audit import alerts, chain, checkpoints


class Command(BaseCommand):
    help = (
        "Verify the audit chain and the log against signed checkpoints; name the first edited, "
        "deleted, moved or added event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seal-first",
            action="store_true",
            help="Seal waiting events before verifying (what the nightly task does).",
        )
        parser.add_argument(
            "--against",
            action="append",
            default=[],
            type=Path,
            metavar="FILE",
            help="A signed checkpoint kept earlier (audit_checkpoint --export); repeatable.",
        )
        parser.add_argument(
            "--key",
            help="The log's verifier key (or a file holding it), as kept with the checkpoints; "
            "by default the configured one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seal_first"]:
            alerts.audit_seal()
        failures = [*self._chain(), *self._latest()]
        for path in options["against"]:
            failures += self._against(path, key=options["key"])
        if failures:
            raise CommandError("\n".join(failures))

    def _chain(self) -> list[str]:
        result = chain.verify()
        summary = (
            f"{result.checked} sealed events checked, {result.unsealed} waiting to be sealed; "
            f"head position {result.head_position} mac {result.head_mac or '-'}"
        )
        if result.problem is not None:
            self.stderr.write(summary)
            problem = result.problem
            return [f"Audit chain broken ({problem.kind}): {problem.message}"]
        self.stdout.write(f"Audit chain intact: {summary}")
        return []

    def _latest(self) -> list[str]:
        latest = checkpoints.checkpoint_latest()
        if latest is None:
            self.stdout.write("No signed checkpoint in the database yet.")
            return []
        difference = checkpoints.checkpoint_check_latest()
        if difference is not None:
            return [
                f"Audit log does not match the newest checkpoint in the database "
                f"({latest.tree_size} events, {difference.kind}): {difference.message}"
            ]
        self.stdout.write(
            f"The log matches the newest checkpoint in the database ({latest.tree_size} events)."
        )
        return []

    def _against(self, path: Path, *, key: str | None) -> list[str]:
        try:
            checkpoint = checkpoints.checkpoint_open(path.read_text(), key=key)
        except (OSError, UnicodeDecodeError, checkpoints.CheckpointError) as error:
            return [f"{path}: {error}"]
        difference = checkpoints.log_check(checkpoint)
        if difference is not None:
            return [
                f"{path}: the log does not match this checkpoint ({checkpoint.size} events, "
                f"{difference.kind}): {difference.message}"
            ]
        self.stdout.write(
            f"{path}: the first {checkpoint.size} events are exactly those this checkpoint signed."
        )
        return []
