"""`manage.py audit_signer ...`: the checkpoint signer's command line (`supportdesk.audit.signer`),
for a machine that has the project's settings. A signer host without them runs
`python -m supportdesk.audit.signer` with the same arguments."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from supportdesk.audit import signer


class Command(BaseCommand):
    help = "Sign checkpoints that extend the last one signed (sign, generate-key, public-key)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "arguments", nargs="*", help="as for python -m supportdesk.audit.signer"
        )

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after the command name is the signer's own (its --key, --state, --name).
        sys.exit(signer.main(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:
        # Only reached through call_command: positional arguments, no options of the signer's.
        code = signer.main(options["arguments"])
        if code:
            sys.exit(code)
