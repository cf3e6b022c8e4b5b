"""The Merkle tree over sealed audit events, kept in PostgreSQL as it grows.

The sealer (`supportdesk.audit.chain`) appends one leaf per sealed event, in chain-position order,
in the same transaction as the seal: leaf i is SHA-256(0x00 || canonical bytes of the event at
position i + 1). Every complete subtree is stored once, as an `AuditTreeNode` (about two rows per
event), and never changes, so a root or a proof for any size reads a few dozen rows by primary key
(`supportdesk.audit.merkle` names which). The request path never touches the tree.

The nodes are only a copy: whoever can write to the database can rewrite them, as they can rewrite
events. What makes them trustworthy is a signed checkpoint (`supportdesk.audit.checkpoints`): a
node is believed only when it hashes up to a root someone signed or kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection

from supportdesk.audit import merkle
from supportdesk.audit.models import AuditTreeNode

TABLE = AuditTreeNode._meta.db_table


class TreeIncomplete(LookupError):
    """A node the tree of this size must have is not stored (the tree is smaller, or was cut)."""


def tree_size() -> int:
    """How many leaves the stored tree has: its largest node id is its last leaf's (one index
    lookup)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {connection.ops.quote_name(TABLE)}")  # noqa: S608  # nosec B608: quoted table name from the model
        (largest,) = cursor.fetchone()
    return merkle.size_of_stored_tree(largest)


def nodes_get(ids: Iterable[int]) -> dict[int, bytes]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = AuditTreeNode.objects.filter(id__in=wanted).values_list("id", "hash")
    return {key: bytes(value) for key, value in rows}


def _complete(ids: Iterable[int]) -> dict[int, bytes]:
    wanted = set(ids)
    nodes = nodes_get(wanted)
    if len(nodes) != len(wanted):
        raise TreeIncomplete(f"{len(wanted) - len(nodes)} tree nodes are missing")
    return nodes


def tree_append(*, size: int, leaves: Sequence[bytes]) -> int:
    """Add leaves to the stored tree of `size` leaves; returns the new size. The caller holds the
    chain head's lock, so no other sealer appends at the same time."""
    if not leaves:
        return size
    ids = merkle.root_node_ids(size)
    nodes = _complete(ids)
    frontier = merkle.Frontier(size, [nodes[key] for key in ids])
    rows: list[tuple[int, bytes]] = []
    for leaf in leaves:
        rows += frontier.append(leaf)
    _insert(rows)
    return frontier.size


def _insert(rows: list[tuple[int, bytes]]) -> None:
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the batch's nodes (about two per event).
            cursor.execute(
                f"INSERT INTO {table} (id, hash) SELECT * FROM unnest(%s::bigint[], %s::bytea[])",  # noqa: S608  # nosec B608: quoted table name from the model, values bound
                [[key for key, _ in rows], [value for _, value in rows]],
            )
        else:
            cursor.executemany(f"INSERT INTO {table} (id, hash) VALUES (%s, %s)", rows)  # noqa: S608  # nosec B608: quoted table name from the model, values bound


def tree_root(size: int) -> bytes:
    ids = merkle.root_node_ids(size)
    nodes = _complete(ids)
    return merkle.fold([nodes[key] for key in ids])


def inclusion_proof(*, index: int, size: int) -> list[bytes]:
    """The audit path of leaf `index` (0-based) in the tree of `size` leaves: one query."""
    ranges = merkle.inclusion_ranges(index, size)
    nodes = _complete(merkle.node_ids_for(ranges))
    return [merkle.range_hash(start, end, nodes) for start, end in ranges]


def consistency_proof(*, old: int, new: int) -> list[bytes]:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new`: one query."""
    ranges = merkle.consistency_ranges(old, new)
    nodes = _complete(merkle.node_ids_for(ranges))
    return [merkle.range_hash(start, end, nodes) for start, end in ranges]


def stored_range_hash(start: int, end: int) -> bytes | None:
    """MTH of leaves [start, end) as the stored nodes give it; None if a node is missing."""
    ids = merkle.range_node_ids(start, end)
    nodes = nodes_get(ids)
    if len(nodes) != len(ids):
        return None
    return merkle.fold([nodes[key] for key in ids])


def stored_leaf(index: int) -> bytes | None:
    return nodes_get([merkle.node_id(0, index)]).get(merkle.node_id(0, index))
