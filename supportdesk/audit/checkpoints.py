"""Signed checkpoints of the audit log's Merkle tree: getting them signed, keeping them, checking
the log against them, and proofs for administrators.

A checkpoint (C2SP tlog-checkpoint) says "the log of N events has root hash R", signed with the
log's Ed25519 key. The signer (`supportdesk.audit.signer`) signs only a tree that extends the last
one it signed. It runs in this process with a key file on this server (`AUDIT_SIGNER = "local"`),
or on another machine reached by a command (`"command"`): then even someone holding this server
and its database cannot get a rewritten log signed. Checkpoints printed or sent elsewhere
(`manage.py audit_checkpoint --export`) let `manage.py verify_audit --against` catch a rewrite
afterwards, in either mode. docs/audit.md says what each protects against.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from array import array
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supportdesk.audit import chain, merkle, tree
from supportdesk.audit.models import AuditCheckpoint, AuditEvent
from supportdesk.audit.note import Checkpoint, NoteError, VerifierKey, open_checkpoint
from supportdesk.audit.signer import (
    EXIT_CONFLICT,
    EXIT_REFUSED,
    CheckpointSigner,
    Conflict,
    Refused,
    Signed,
    SignRequest,
    read_signer_key,
)
from supportdesk.errors import ApplicationError, NotFound

logger = logging.getLogger(__name__)


class CheckpointError(Exception):
    """Checkpoints cannot be signed or checked as asked."""


class SignerNotConfigured(CheckpointError):
    pass


class SignerUnavailable(CheckpointError):
    """The signer did not answer, or answered with something that is not a signed checkpoint."""


class CheckpointRefused(CheckpointError):
    """The log does not extend the last checkpoint signed: someone changed, removed or reordered
    signed events (or the signer's state was changed)."""


# --- Keys ---------------------------------------------------------------------------------------


def verifier_key(override: str | None = None) -> VerifierKey:
    """The log's public key: `override` (a key, or a file holding one), AUDIT_VERIFIER_KEY, or the
    local signing key's."""
    text = override or settings.AUDIT_VERIFIER_KEY
    if text and Path(text).is_file():
        text = Path(text).read_text()
    try:
        if text:
            return VerifierKey.parse(text)
        if settings.AUDIT_SIGNING_KEY_FILE and Path(settings.AUDIT_SIGNING_KEY_FILE).is_file():
            return read_signer_key(Path(settings.AUDIT_SIGNING_KEY_FILE)).verifier()
    except NoteError as error:
        raise SignerNotConfigured(f"The audit verifier key is not valid: {error}") from error
    raise SignerNotConfigured(
        "No audit signing key is configured: set AUDIT_SIGNING_KEY_FILE (local signer) or "
        "AUDIT_SIGNER_COMMAND and AUDIT_VERIFIER_KEY (signer on another host)."
    )


# --- Signing ------------------------------------------------------------------------------------


def _ask_local(request: SignRequest) -> Signed | Conflict:
    try:
        key = read_signer_key(Path(settings.AUDIT_SIGNING_KEY_FILE))
        signer = CheckpointSigner(key=key, state_path=Path(settings.AUDIT_SIGNER_STATE_FILE))
        return signer.sign(request)
    except Refused as refusal:
        raise CheckpointRefused(str(refusal)) from refusal
    except (OSError, NoteError, ValueError) as error:
        raise SignerUnavailable(f"The local signer failed: {error}") from error


def _ask_command(request: SignRequest) -> Signed | Conflict:
    command = shlex.split(settings.AUDIT_SIGNER_COMMAND)
    try:
        result = subprocess.run(  # noqa: S603 - the administrator's configured command
            command,
            input=request.encode(),
            capture_output=True,
            text=True,
            timeout=settings.AUDIT_SIGNER_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SignerUnavailable(f"The signer command did not answer: {error}") from error
    answer = result.stdout
    if result.returncode == 0:
        return Signed(answer)
    if result.returncode == EXIT_CONFLICT and answer.startswith("size "):
        size = answer[5:].strip()
        if size.isdigit():
            return Conflict(int(size))
    complaint = result.stderr.strip().removeprefix("refused: ")[:400]
    if result.returncode == EXIT_REFUSED:
        raise CheckpointRefused(complaint)
    raise SignerUnavailable(f"The signer command failed (exit {result.returncode}): {complaint}")


_SIGNERS = {"local": _ask_local, "command": _ask_command}


def checkpoint_latest() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-tree_size").first()


def checkpoint_sign(*, now: datetime | None = None) -> AuditCheckpoint:
    """Have the signer sign the tree as it is now, keep the signed checkpoint and return it.

    The request carries a consistency proof from the size the signer last signed; when the
    database's idea of that size is wrong (a checkpoint row lost, another run in between), the
    signer answers with its own and the proof is made again from there.
    """
    key = verifier_key()
    ask = _SIGNERS.get(settings.AUDIT_SIGNER)
    if ask is None:
        raise SignerNotConfigured("AUDIT_SIGNER is neither local nor command.")
    size = tree.tree_size()
    checkpoint = Checkpoint(key.name, size, tree.tree_root(size))
    latest = checkpoint_latest()
    old = latest.tree_size if latest else 0
    for _attempt in range(3):
        if old > size:
            raise CheckpointRefused(
                f"The signer last signed a log of {old} events; the tree has {size} now: "
                "signed events were removed."
            )
        request = SignRequest(
            old=old, proof=tree.consistency_proof(old=old, new=size), checkpoint=checkpoint
        )
        answer = ask(request)
        if isinstance(answer, Signed):
            return _keep(checkpoint, _checked(answer.note, key, checkpoint), now=now)
        old = answer.size
    raise SignerUnavailable("The signer's last size kept changing; try again.")


def _checked(note: str, key: VerifierKey, expected: Checkpoint) -> str:
    try:
        signed = open_checkpoint(note, key)
    except NoteError as error:
        raise SignerUnavailable(f"The signer's answer does not verify: {error}") from error
    if signed != expected:
        raise SignerUnavailable("The signer signed a different checkpoint from the one asked.")
    return note


def _keep(checkpoint: Checkpoint, note: str, *, now: datetime | None) -> AuditCheckpoint:
    try:
        # Two runs signing the same size (the signer signs the same text twice): keep one.
        with transaction.atomic():
            return AuditCheckpoint.objects.create(
                tree_size=checkpoint.size,
                root_hash=checkpoint.root,
                note=note,
                signed_at=now or timezone.now(),
            )
    except IntegrityError:
        return AuditCheckpoint.objects.get(tree_size=checkpoint.size)


# --- Checking the log against a checkpoint ------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """How today's log differs from the log a checkpoint signed, at the first place it does."""

    kind: str  # deleted | edited | reordered | truncated | somewhere | forged
    position: int | None  # the first position (1-based) that differs, when it can be named
    event_id: int | None  # the event concerned in today's log, when there is one
    message: str


def checkpoint_open(note: str, *, key: str | None = None) -> Checkpoint:
    """The checkpoint in a kept signed note, if the log's key signed it; CheckpointError if not."""
    try:
        return open_checkpoint(note, verifier_key(key))
    except NoteError as error:
        raise CheckpointError(f"Not a checkpoint signed by this log's key: {error}") from error


def log_check(checkpoint: Checkpoint) -> Difference | None:
    """None when the first `checkpoint.size` sealed events are exactly those the checkpoint
    signed; otherwise the first event missing or changed.

    Today's tree is recomputed from the events themselves. To find the first difference the
    stored tree nodes are used, but only along a path that hashes up to the checkpoint's root: a
    node that does not is not believed, and the answer is then the range that could be checked.
    """
    leaves: list[bytes] = []
    ids = array("q")
    for event, leaf in chain.sealed_leaves(limit=checkpoint.size):
        leaves.append(leaf)
        ids.append(event.id)
    if len(leaves) == checkpoint.size and merkle.root_of(leaves) == checkpoint.root:
        return None
    return _Locator(checkpoint, leaves, ids).locate()


class _Locator:
    def __init__(self, checkpoint: Checkpoint, leaves: list[bytes], ids: array[int]) -> None:
        self.checkpoint, self.leaves, self.ids = checkpoint, leaves, ids

    def current(self, start: int, end: int) -> bytes | None:
        return merkle.root_of(self.leaves[start:end]) if end <= len(self.leaves) else None

    def locate(self) -> Difference:
        # Invariant: `trusted` is the signed hash of leaves [start, end), and today's differ.
        start, end, trusted = 0, self.checkpoint.size, self.checkpoint.root
        while end - start > 1:
            middle = start + (1 << ((end - start - 1).bit_length() - 1))
            left = tree.stored_range_hash(start, middle)
            right = tree.stored_range_hash(middle, end)
            if left is None or right is None or merkle.node_hash(left, right) != trusted:
                return self.somewhere(start, end)
            if self.current(start, middle) != left:
                end, trusted = middle, left
            else:
                start, trusted = middle, right
        return self.describe(start, trusted)

    def somewhere(self, start: int, end: int) -> Difference:
        return Difference(
            "somewhere",
            None,
            None,
            f"One or more of the events at positions {start + 1} to {end} are missing or "
            "changed. The database's copy of the tree was rewritten too, so this checkpoint alone "
            "cannot name the event: check the log against older kept checkpoints to narrow it "
            "down (the change comes after the largest one that still matches).",
        )

    def describe(self, index: int, original: bytes) -> Difference:
        position, count = index + 1, len(self.leaves)
        if index >= count:
            last = f" (event {self.ids[-1]})" if count else ""
            return Difference(
                "truncated",
                position,
                None,
                f"The events signed at positions {position} to {self.checkpoint.size} are "
                f"missing: the log now ends at position {count}{last}. They were the newest "
                "events when the checkpoint was signed.",
            )
        found = self._find(original)
        if found is not None and found != index:
            return Difference(
                "reordered",
                position,
                self.ids[found],
                f"Event {self.ids[found]} was signed at position {position} and is now at "
                f"position {found + 1}: events were reordered.",
            )
        if self._signed_leaf(index + 1) == self.leaves[index]:
            return self.deleted(index)
        return Difference(
            "edited",
            position,
            self.ids[index],
            f"Event {self.ids[index]}, at position {position}, is not the event signed there: "
            "it was edited or replaced after it was sealed.",
        )

    def deleted(self, index: int) -> Difference:
        position, following = index + 1, self.ids[index]
        before = self.ids[index - 1] if index else None
        around = (
            f"after event {before} and before event {following}"
            if before is not None
            else f"before event {following}"
        )
        return Difference(
            "deleted",
            position,
            None,
            f"The event signed at position {position}, {around}, is missing: it was deleted. "
            f"{_missing_ids(before, following)}".strip(),
        )

    def _find(self, leaf: bytes) -> int | None:
        try:
            return self.leaves.index(leaf)
        except ValueError:
            return None

    def _signed_leaf(self, index: int) -> bytes | None:
        """The leaf the checkpoint signed at `index`, if the stored nodes prove it."""
        size = self.checkpoint.size
        if index >= size or (leaf := tree.stored_leaf(index)) is None:
            return None
        try:
            proof = tree.inclusion_proof(index=index, size=size)
        except tree.TreeIncomplete:
            return None
        proven = merkle.verify_inclusion(
            leaf=leaf, index=index, size=size, proof=proof, root=self.checkpoint.root
        )
        return leaf if proven else None


def _missing_ids(before: int | None, following: int) -> str:
    """Ids are given out in order, so the deleted event's id lies between its neighbours'."""
    low = 0 if before is None else before
    if following - low - 1 not in range(1, 11):
        return ""
    present = set(
        AuditEvent.objects.filter(id__gt=low, id__lt=following).values_list("id", flat=True)
    )
    missing = [str(value) for value in range(low + 1, following) if value not in present]
    if len(missing) == 1:
        return f"Its id was {missing[0]} (the only id between its neighbours that is gone)."
    return f"Its id was one of {', '.join(missing)}." if missing else ""


def checkpoint_check_latest() -> Difference | None:
    """The log against the newest checkpoint the database holds (what the nightly check does).
    A checkpoint whose signature does not verify with the log's key is reported as forged."""
    latest = checkpoint_latest()
    if latest is None:
        return None
    try:
        checkpoint = checkpoint_open(latest.note)
    except SignerNotConfigured:
        checkpoint = Checkpoint("", latest.tree_size, bytes(latest.root_hash))
    except CheckpointError as error:
        return Difference("forged", None, None, f"The newest checkpoint in the database: {error}")
    if checkpoint.size != latest.tree_size or checkpoint.root != bytes(latest.root_hash):
        return Difference(
            "forged", None, None, "The newest checkpoint row does not match its signed note."
        )
    return log_check(checkpoint)


# --- Proofs for administrators ------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    event_id: int
    chain_position: int
    tree_size: int
    leaf_data: str  # the canonical bytes the leaf hashes: ids, times, field names
    leaf_hash: bytes
    root_hash: bytes
    proof: list[bytes]
    checkpoint: str  # the signed note for this size, when one was kept


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]


def _size_or_default(size: int | None) -> int:
    available = tree.tree_size()
    if size is None:
        latest = checkpoint_latest()
        size = latest.tree_size if latest and latest.tree_size <= available else available
    if not 0 <= size <= available:
        raise ApplicationError(
            _("The audit log has %(count)d sealed events: ask for a size up to that.")
            % {"count": available}
        )
    return size


def _note_for(size: int) -> str:
    kept = AuditCheckpoint.objects.filter(tree_size=size).first()
    return kept.note if kept else ""


def inclusion_proof_for_event(*, event_id: int, tree_size: int | None = None) -> InclusionProof:
    """Proof that a sealed event is in the log of `tree_size` events (by default the newest
    signed checkpoint's size)."""
    event = AuditEvent.objects.filter(pk=event_id, chain_position__isnull=False).first()
    if event is None or event.chain_position is None:
        raise NotFound(_("No sealed audit event has this id."))
    size = _size_or_default(tree_size)
    if event.chain_position > size:
        raise ApplicationError(
            _("This event was sealed after the log had %(count)d events: ask for a larger size.")
            % {"count": size}
        )
    data = chain.canonical(event)
    return InclusionProof(
        event_id=event.id,
        chain_position=event.chain_position,
        tree_size=size,
        leaf_data=data.decode(),
        leaf_hash=merkle.leaf_hash(data),
        root_hash=tree.tree_root(size),
        proof=tree.inclusion_proof(index=event.chain_position - 1, size=size),
        checkpoint=_note_for(size),
    )


def consistency_proof_between(*, first: int, second: int | None = None) -> ConsistencyProof:
    """Proof that the log of `first` events is a prefix of the log of `second` (by default the
    newest signed checkpoint's size)."""
    second = _size_or_default(second)
    if not 0 <= first <= second:
        raise ApplicationError(_("The first size must not be larger than the second."))
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=tree.tree_root(first),
        second_root=tree.tree_root(second),
        proof=tree.consistency_proof(old=first, new=second),
    )
