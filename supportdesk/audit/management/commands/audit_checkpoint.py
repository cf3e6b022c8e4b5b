"""`manage.py audit_checkpoint`: seal, have the tree signed now, and print the checkpoint.

`--export` prints only the signed checkpoint (a signed note), for someone outside the server to
keep: another organisation, a printed page, a message to a coordinator. `--public-key` prints the
log's verifier key, which they keep with it.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.audit import alerts, checkpoints


class Command(BaseCommand):
    help = "Sign a checkpoint of the audit log now; --export prints it for a witness to keep."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--export", action="store_true", help="Print the signed checkpoint and nothing else."
        )
        parser.add_argument(
            "--public-key", action="store_true", help="Print the log's verifier key."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["public_key"]:
                self.stdout.write(checkpoints.verifier_key().encode())
                return
            alerts.audit_seal()
            checkpoint = checkpoints.checkpoint_sign()
        except checkpoints.CheckpointRefused as refusal:
            alerts.alert_log_inconsistent(reason="signer", message=f"The signer refused: {refusal}")
            raise CommandError(f"The signer refused to sign: {refusal}") from refusal
        except checkpoints.CheckpointError as error:
            raise CommandError(str(error)) from error
        if options["export"]:
            self.stdout.write(checkpoint.note, ending="")
            return
        self.stdout.write(
            f"Checkpoint signed: {checkpoint.tree_size} events, "
            f"signed {checkpoint.signed_at:%Y-%m-%d %H:%M:%S} UTC.\n\n{checkpoint.note}",
            ending="",
        )
