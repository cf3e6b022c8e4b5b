"""`manage.py audit_proof`: an inclusion proof (`--event ID`: this event is in the log of N
events) or a consistency proof (`--from M`: the log of M events is a prefix of the log of N), as
JSON with base64 hashes. N is `--size`, by default the newest signed checkpoint's."""

import base64
import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.audit import checkpoints
from supportdesk.errors import ApplicationError


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


class Command(BaseCommand):
    help = "Print an inclusion proof for an event or a consistency proof between two sizes."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--event", type=int, help="The audit event's id.")
        which.add_argument("--from", dest="first", type=int, help="The smaller tree size.")
        parser.add_argument("--size", type=int, help="The tree size to prove against.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["event"] is not None:
                proof: Any = checkpoints.inclusion_proof_for_event(
                    event_id=options["event"], tree_size=options["size"]
                )
            else:
                proof = checkpoints.consistency_proof_between(
                    first=options["first"], second=options["size"]
                )
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        data = {key: _jsonable(value) for key, value in asdict(proof).items()}
        self.stdout.write(json.dumps(data, indent=2))
