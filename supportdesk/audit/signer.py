"""The checkpoint signer: holds the log's Ed25519 key and signs a checkpoint only when it extends
the last checkpoint it signed, proven by a consistency proof (RFC 6962).

It runs either inside the app ("local" mode: the key file is on the app server) or on another
machine that the app reaches with a command ("command" mode, e.g. `ssh signer@host`, whose
authorized_keys entry runs `python -m supportdesk.audit.signer sign --key ... --state ...`). No
Django and no database: the signer host keeps the key and one small state file (the size and root
it last signed), nothing else of the app. docs/audit.md says what each mode protects against.

The request, on stdin, follows C2SP tlog-witness's add-checkpoint:

    old <the tree size the app believes the signer last signed>
    <consistency proof from that size to the new one: one base64 hash a line>
    <empty line>
    <the checkpoint text to sign: origin, tree size, root hash>

Answers: exit 0 with the signed note on stdout; exit 3 with `size <N>` on stdout when `old` is
not the size the signer last signed (ask again with a proof from N); exit 2 with a sentence on
stderr when it refuses (the new tree does not extend the last one it signed); exit 1 on a usage
or key error. The first request (no state yet) is trusted as it is: keep the state file.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from supportdesk.audit import merkle
from supportdesk.audit.note import Checkpoint, NoteError, SignerKey

EXIT_REFUSED = 2
EXIT_CONFLICT = 3


class Refused(Exception):
    """The signer will not sign this checkpoint: it does not extend the last one it signed."""


@dataclass(frozen=True)
class SignRequest:
    old: int
    proof: list[bytes]
    checkpoint: Checkpoint

    def encode(self) -> str:
        proof = "".join(base64.b64encode(piece).decode() + "\n" for piece in self.proof)
        return f"old {self.old}\n{proof}\n{self.checkpoint.text()}"

    @classmethod
    def parse(cls, text: str) -> SignRequest:
        head, separator, body = text.partition("\n\n")
        lines = head.split("\n")
        if not separator or not lines[0].startswith("old "):
            raise NoteError("a request is `old <size>`, the proof, an empty line, the checkpoint")
        try:
            old = int(lines[0][4:])
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
        except ValueError as error:
            raise NoteError("malformed request header") from error
        return cls(old=old, proof=proof, checkpoint=Checkpoint.parse(body))


@dataclass(frozen=True)
class Signed:
    note: str


@dataclass(frozen=True)
class Conflict:
    """The signer last signed a tree of `size`: ask again with a proof from there."""

    size: int


@dataclass(frozen=True)
class State:
    size: int
    root: bytes

    def encode(self, origin: str) -> str:
        root = base64.b64encode(self.root).decode()
        return json.dumps({"origin": origin, "size": self.size, "root": root}) + "\n"


class CheckpointSigner:
    """Signs checkpoints for one log, remembering the last one in `state_path`."""

    def __init__(self, *, key: SignerKey, state_path: Path) -> None:
        self.key = key
        self.state_path = state_path

    def sign(self, request: SignRequest) -> Signed | Conflict:
        with self._locked():
            state = self._state()
            if request.old != state.size:
                return Conflict(state.size)
            self._check(request, state)
            note = self.key.sign(request.checkpoint.text())
            checkpoint = request.checkpoint
            self._save(State(checkpoint.size, checkpoint.root))
            return Signed(note)

    def _check(self, request: SignRequest, state: State) -> None:
        checkpoint = request.checkpoint
        if checkpoint.origin != self.key.name:
            raise Refused(f"This signer signs for {self.key.name}, not {checkpoint.origin}.")
        if checkpoint.size < state.size:
            raise Refused(
                f"The log has {checkpoint.size} events, fewer than the {state.size} of the last "
                "checkpoint signed: events were removed."
            )
        if state.size and not merkle.verify_consistency(
            old=state.size,
            new=checkpoint.size,
            old_root=state.root,
            new_root=checkpoint.root,
            proof=request.proof,
        ):
            raise Refused(
                f"The log of {checkpoint.size} events does not extend the log of {state.size} "
                "events signed last: events already signed were changed, removed or reordered."
            )

    def _state(self) -> State:
        if not self.state_path.exists():
            return State(0, merkle.EMPTY_ROOT)
        data = json.loads(self.state_path.read_text())
        if data.get("origin") != self.key.name:
            raise Refused(f"The state file {self.state_path} belongs to another log.")
        return State(int(data["size"]), base64.b64decode(data["root"]))

    def _save(self, state: State) -> None:
        """Written to a new file and renamed over the old one: a crash leaves one or the other."""
        directory = self.state_path.parent
        with tempfile.NamedTemporaryFile("w", dir=directory, delete=False) as handle:
            handle.write(state.encode(self.key.name))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, self.state_path)
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Two requests at once (a beat tick and a manual run): the second waits, then sees the
        # first one's state, so both cannot extend the same old checkpoint differently.
        lock_path = self.state_path.with_name(self.state_path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def read_signer_key(path: Path) -> SignerKey:
    return SignerKey.parse(path.read_text())


def write_signer_key(path: Path, key: SignerKey) -> None:
    """A new key file, readable by its owner only; an existing file is never overwritten."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.encode() + "\n")


# --- Command line -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m supportdesk.audit.signer",
        description="Sign audit log checkpoints that extend the last one signed.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sign = commands.add_parser("sign", help="read a request on stdin, print the signed note")
    sign.add_argument("--key", type=Path, required=True, help="the signing key file")
    sign.add_argument("--state", type=Path, required=True, help="where the last signed size is")
    generate = commands.add_parser("generate-key", help="write a new signing key file")
    generate.add_argument(
        "--name", required=True, help="the log's origin, e.g. desk.example.org/audit"
    )
    generate.add_argument("path", type=Path)
    public = commands.add_parser("public-key", help="print the verifier key of a signing key")
    public.add_argument("--key", type=Path, required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate-key":
            key = SignerKey.generate(args.name)
            write_signer_key(args.path, key)
            print(key.verifier().encode())
            return 0
        key = read_signer_key(args.key)
        if args.command == "public-key":
            print(key.verifier().encode())
            return 0
        request = SignRequest.parse(sys.stdin.read())
        answer = CheckpointSigner(key=key, state_path=args.state).sign(request)
    except Refused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    except (NoteError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if isinstance(answer, Conflict):
        print(f"size {answer.size}")
        return EXIT_CONFLICT
    sys.stdout.write(answer.note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
