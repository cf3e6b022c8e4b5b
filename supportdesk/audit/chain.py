"""The tamper-evident chain over audit events: sealing in batches, and verifying.

Each sealed event carries
  event_mac = HMAC(key, canonical form of the event's columns)
  chain_mac = HMAC(key, previous event's chain_mac + this event_mac)
in chain-position order. The key (`SUPPORTDESK_AUDIT_KEY`) never enters the database, so someone
who can write to the database but does not hold the key cannot edit, remove, move or add a sealed
event without `verify()` noticing. Events are sealed a few seconds after they commit; docs/audit.md
explains that window and what it means.

In the same transaction the sealer appends each event to the Merkle tree (`supportdesk.audit.tree`):
leaf = SHA-256(0x00 || canonical bytes), the bytes the event MAC covers. The tree needs no key,
so a checkpoint of it, signed away from the database (`supportdesk.audit.checkpoints`), can be
checked by anyone; it also catches whoever holds the HMAC key and rewrites the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from supportdesk.audit import merkle, tree
from supportdesk.audit.models import CHAIN_COLUMNS, AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
CANONICAL_VERSION = 1
_CHAIN_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "fields",
    "request_id",
    "ip",
    *CHAIN_COLUMNS,
)


def _key() -> bytes:
    key = settings.SUPPORTDESK_AUDIT_KEY
    if not key:
        raise ImproperlyConfigured(
            "SUPPORTDESK_AUDIT_KEY (or SUPPORTDESK_AUDIT_KEY_FILE) is not set: "
            "the audit log cannot be sealed or verified."
        )
    return key.encode()


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's MAC covers: every column written at insert, in a fixed layout."""
    occurred = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = [
        CANONICAL_VERSION,
        event.id,
        occurred,
        event.actor_id.hex if event.actor_id else "",
        event.action,
        event.object_type,
        event.object_id,
        list(event.fields),
        event.request_id,
        event.ip or "",
    ]
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()


def event_mac(event: AuditEvent, key: bytes) -> str:
    return _event_mac_of(canonical(event), key)


def _event_mac_of(canonical_bytes: bytes, key: bytes) -> str:
    return hmac.new(key, b"audit-event\x00" + canonical_bytes, hashlib.sha256).hexdigest()


def event_leaf(event: AuditEvent) -> bytes:
    """The event's leaf in the Merkle tree: ids, times and field names, never values, so it
    verifies after a case is shredded as before."""
    return merkle.leaf_hash(canonical(event))


def chain_mac(previous: str, this_event_mac: str, key: bytes) -> str:
    message = b"audit-chain\x00" + previous.encode() + b"\x00" + this_event_mac.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


# --- Sealing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealBatch:
    sealed: int
    head_position: int
    late_event_ids: list[int]
    tree_problem: str | None = None


def audit_seal(
    *,
    batch_size: int | None = None,
    max_batches: int = 100,
    late_events: Callable[[list[int]], None] | None = None,
    tree_mismatch: Callable[[str], None] | None = None,
) -> int:
    """Seal every committed unsealed event, in short batches. Returns how many were sealed.

    Each batch is its own short transaction, so the chain head's lock is held for one batch only;
    requests never take that lock at all. `late_events` hears the ids of events sealed long after
    their time, `tree_mismatch` a sentence when the Merkle tree and the chain no longer have the
    same length (the alerts layer raises alerts: `supportdesk.audit.alerts.audit_seal`).
    """
    size = batch_size or settings.AUDIT_SEAL_BATCH_SIZE
    total = 0
    for _ in range(max_batches):
        batch = _seal_batch(limit=size)
        total += batch.sealed
        if batch.late_event_ids and late_events is not None:
            late_events(batch.late_event_ids)
        if batch.tree_problem and tree_mismatch is not None:
            tree_mismatch(batch.tree_problem)
        if batch.sealed < size:
            break
    return total


@transaction.atomic
def _seal_batch(*, limit: int) -> SealBatch:
    key = _key()
    AuditChainHead.objects.get_or_create(pk=1)
    # Two sealers (an overlapping beat tick, a manual run) must not both extend the chain from
    # the same head: that would fork it. The second waits here for the first batch to commit.
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    events = list(AuditEvent.objects.filter(chain_position__isnull=True).order_by("id")[:limit])
    if not events:
        return SealBatch(sealed=0, head_position=head.position, late_event_ids=[])
    now = timezone.now()
    late_before = now - timedelta(seconds=settings.AUDIT_SEAL_LATE_SECONDS)
    position, previous = head.position, head.mac or GENESIS
    encoded = []
    for event in events:
        position += 1
        encoded.append(data := canonical(event))
        event.chain_position = position
        event.event_mac = _event_mac_of(data, key)
        event.chain_mac = previous = chain_mac(previous, event.event_mac, key)
    _write_seals(events)
    tree_problem = _tree_extend(head_position=head.position, encoded=encoded)
    head.position, head.mac, head.sealed_at = position, previous, now
    head.save(update_fields=["position", "mac", "sealed_at"])
    # The head in the application log is a copy outside the database: compare it with
    # `verify_audit` output to notice the end of the chain being cut off with its head row.
    logger.info(
        "audit chain sealed %d events; head position=%d mac=%s", len(events), position, previous
    )
    late = [event.id for event in events if event.occurred_at < late_before]
    return SealBatch(
        sealed=len(events), head_position=position, late_event_ids=late, tree_problem=tree_problem
    )


def _tree_extend(*, head_position: int, encoded: list[bytes]) -> str | None:
    """Append the batch's leaves to the tree, which must end where the chain ended before it.

    A tree longer or shorter than the chain means sealed events or tree nodes were removed or
    added behind the sealer's back: the tree is left as it is (so it still holds what was signed)
    and the sealer reports it; the chain is sealed all the same.
    """
    size = tree.tree_size()
    if size != head_position:
        message = (
            f"The audit tree has {size} events and the chain had {head_position} before this "
            "batch: sealed events or tree nodes were removed or added. The tree is no longer "
            "extended; run `manage.py verify_audit --against` with a kept checkpoint."
        )
        logger.error("audit tree not extended: %s", message)
        return message
    tree.tree_append(size=size, leaves=[merkle.leaf_hash(data) for data in encoded])
    return None


def tree_build(*, batch_size: int = 10_000) -> int:
    """Add to the tree the sealed events it lacks, in position order; returns how many.

    For a log sealed before the tree existed (migration 0008) and for benchmarks; the sealer keeps
    the tree in step by itself. Refuses a tree longer than the chain.
    """
    added = 0
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
            if head is None:  # nothing was ever sealed
                return added
            size = tree.tree_size()
            if size > head.position:
                raise ValueError(f"the tree has {size} events, the chain {head.position}")
            leaves = [event_leaf(event) for event in _sealed_events(size, limit=batch_size)]
            tree.tree_append(size=size, leaves=leaves)
        added += len(leaves)
        if len(leaves) < batch_size:
            return added


def sealed_leaves(*, limit: int | None = None) -> Iterator[tuple[AuditEvent, bytes]]:
    """Every sealed event with its leaf hash, in chain order: the tree as the events make it
    today, whatever the stored nodes say."""
    for event in _sealed_events(0, limit=limit):
        yield event, event_leaf(event)


def _write_seals(events: list[AuditEvent]) -> None:
    """One UPDATE per event, sent together (psycopg pipelines executemany). Django's bulk_update
    builds one CASE per column with a branch per row: quadratic work in the database."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET chain_position = %s, event_mac = %s, chain_mac = %s "  # noqa: S608  # nosec B608: quoted table name from the model, values bound
            "WHERE id = %s AND chain_position IS NULL",
            [(e.chain_position, e.event_mac, e.chain_mac, e.id) for e in events],
        )


# --- Verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # edited | deleted | reordered | inserted
    event_id: int | None
    position: int | None
    message: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    unsealed: int
    head_position: int
    head_mac: str
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _sealed_events(after_position: int = 0, *, limit: int | None = None) -> Iterator[AuditEvent]:
    events = (
        AuditEvent.objects.filter(chain_position__isnull=False, chain_position__gt=after_position)
        .order_by("chain_position")
        .only(*_CHAIN_FIELDS)
    )
    return (events[:limit] if limit is not None else events).iterator(chunk_size=2000)


def verify() -> VerifyResult:
    """Walk the whole sealed chain and name the first event that is not as it was sealed."""
    key = _key()
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(position=0, mac="")
    previous, expected, checked = GENESIS, 1, 0
    problem: ChainProblem | None = None
    for event in _sealed_events():
        problem = _check(event, previous=previous, expected=expected, key=key, head=head)
        if problem is not None:
            break
        previous, expected, checked = event.chain_mac or "", expected + 1, checked + 1
    if problem is None:
        problem = _check_end(head=head, last_position=expected - 1, last_mac=previous)
    unsealed = AuditEvent.objects.filter(chain_position__isnull=True).count()
    return VerifyResult(
        checked=checked,
        unsealed=unsealed,
        head_position=head.position,
        head_mac=head.mac,
        problem=problem,
    )


def _check(
    event: AuditEvent, *, previous: str, expected: int, key: bytes, head: AuditChainHead
) -> ChainProblem | None:
    content_ok = _same(event_mac(event, key), event.event_mac)
    link_ok = content_ok and _same(chain_mac(previous, event.event_mac or "", key), event.chain_mac)
    if link_ok and event.chain_position == expected:
        return None
    if link_ok:
        return ChainProblem(
            "edited",
            event.id,
            event.chain_position,
            f"Event {event.id}: its chain position was changed (expected {expected}).",
        )
    if not content_ok:
        return _classify_bad_content(event, previous=previous, key=key, head=head)
    if _links_from_elsewhere(event, key=key):
        return ChainProblem(
            "reordered",
            event.id,
            event.chain_position,
            f"Event {event.id} was moved: it is sealed to follow a different event "
            f"(found at position {event.chain_position}).",
        )
    position = event.chain_position or 0
    missing = (
        f"positions {expected} to {position - 1}"
        if position > expected
        else "the event sealed just before it"
    )
    return ChainProblem(
        "deleted",
        event.id,
        event.chain_position,
        f"Events were deleted just before event {event.id} (position {event.chain_position}): "
        f"{missing}.",
    )


def _classify_bad_content(
    event: AuditEvent, *, previous: str, key: bytes, head: AuditChainHead
) -> ChainProblem:
    following = next(_sealed_events(after_position=event.chain_position or 0), None)
    if following is not None and _same(
        chain_mac(previous, following.event_mac or "", key), following.chain_mac
    ):
        # The next event is sealed to follow this one's predecessor: this row was put between.
        return ChainProblem(
            "inserted",
            event.id,
            event.chain_position,
            f"Event {event.id} (position {event.chain_position}) was inserted into the chain.",
        )
    if following is None and (event.chain_position or 0) > head.position:
        return ChainProblem(
            "inserted",
            event.id,
            event.chain_position,
            f"Event {event.id} (position {event.chain_position}) was added after the sealed end.",
        )
    return ChainProblem(
        "edited",
        event.id,
        event.chain_position,
        f"Event {event.id} (position {event.chain_position}) was edited after sealing.",
    )


def _links_from_elsewhere(event: AuditEvent, *, key: bytes) -> bool:
    """Whether `event` is a genuine sealed event whose sealed predecessor is still stored."""
    target = event.chain_mac or ""
    if _same(chain_mac(GENESIS, event.event_mac or "", key), target):
        return True
    return any(
        _same(chain_mac(other.chain_mac or "", event.event_mac or "", key), target)
        for other in _sealed_events()
        if other.id != event.id
    )


def _check_end(*, head: AuditChainHead, last_position: int, last_mac: str) -> ChainProblem | None:
    if head.position > last_position:
        return ChainProblem(
            "deleted",
            None,
            last_position + 1,
            f"Events at positions {last_position + 1} to {head.position}, at the end of the "
            "chain, were deleted.",
        )
    if head.position == last_position and not _same(head.mac or GENESIS, last_mac):
        return ChainProblem(
            "edited",
            None,
            last_position,
            "The chain head does not match the last sealed event.",
        )
    return None
