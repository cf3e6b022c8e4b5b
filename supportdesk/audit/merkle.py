"""The Merkle tree of RFC 6962 / RFC 9162 (Certificate Transparency): hashes, proofs, checks.

Pure functions over bytes, without Django: the off-host signer (`supportdesk.audit.signer`) checks
consistency proofs with them. `supportdesk.audit.tree` keeps the tree of sealed audit events in the
database and builds proofs from it.

    leaf hash  = SHA-256(0x00 || leaf data)
    inner node = SHA-256(0x01 || left || right)
    MTH([])    = SHA-256("")

A tree of n leaves splits at k, the largest power of two below n: its left subtree is the perfect
tree over leaves [0, k), its right subtree the tree over [k, n). So every subtree is either perfect
and aligned (level L, index i: leaves [i * 2^L, (i + 1) * 2^L)), which is stored once it is
complete and never changes, or a right edge [a, n) made of the perfect subtrees of n - a.
Proofs name subtrees as ranges [start, end) and take their hashes from the perfect nodes
(`range_node_ids`).

Nodes are numbered in order (a "flat" tree): leaf i is 2i, and the perfect node of level L and
index i is i * 2^(L+1) + 2^L - 1. One integer key per node, and the largest key stored is always
the last leaf's, so the size of the stored tree is read from one index.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def node_id(level: int, index: int) -> int:
    return (index << (level + 1)) + (1 << level) - 1


def size_of_stored_tree(largest_node_id: int | None) -> int:
    """The number of leaves in a stored tree, from its largest node id (its last leaf, 2(n-1))."""
    return 0 if largest_node_id is None else largest_node_id // 2 + 1


def _split(size: int) -> int:
    """k: the largest power of two smaller than `size` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) whose hashes fold into MTH(leaves[start:end]), largest
    first. `start` is a subtree's start in the tree, so each piece is aligned."""
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"[{start}, {end}) is not a subtree of an RFC 6962 tree")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def range_node_ids(start: int, end: int) -> list[int]:
    return [node_id(level, index) for level, index in range_nodes(start, end)]


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect pieces, largest first: the right edge hashes up first."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for piece in reversed(hashes[:-1]):
        result = node_hash(piece, result)
    return result


def range_hash(start: int, end: int, nodes: Mapping[int, bytes]) -> bytes:
    return fold([nodes[key] for key in range_node_ids(start, end)])


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes are the audit path PATH(index, D[size]) of RFC 6962, section
    2.1.1, nearest the leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes are PROOF(old, D[new]) of RFC 6962, section 2.1.2 (SUBPROOF with
    b = true), deepest first. Empty when old is 0 or old == new."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    ranges: list[tuple[int, int]] = []
    if old in (0, new):
        return ranges
    start, end, m, whole = 0, new, old, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        ranges.append((start, end))
    return ranges[::-1]


def node_ids_for(ranges: Iterable[tuple[int, int]]) -> set[int]:
    return {key for start, end in ranges for key in range_node_ids(start, end)}


def root_node_ids(size: int) -> list[int]:
    return range_node_ids(0, size)


# --- Building ----------------------------------------------------------------------------------


class Frontier:
    """The right edge of a growing tree: the roots of the perfect subtrees of its size, largest
    first. Appending a leaf returns every node it completes, so they can be stored."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} has {size.bit_count()} frontier nodes")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, bytes]]:
        index, level, value = self.size, 0, leaf
        completed = [(node_id(0, index), leaf)]
        while (self.size >> level) & 1:
            value = node_hash(self.hashes.pop(), value)
            level, index = level + 1, index >> 1
            completed.append((node_id(level, index), value))
        self.hashes.append(value)
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold(self.hashes)


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH of a list of leaf hashes (any list: a slice of a tree is a tree of its own)."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def all_nodes(leaves: Iterable[bytes]) -> dict[int, bytes]:
    """Every perfect node of the tree over `leaves`, by id: what the database stores."""
    frontier, nodes = Frontier(), dict[int, bytes]()
    for leaf in leaves:
        nodes.update(frontier.append(leaf))
    return nodes


def inclusion_proof(index: int, size: int, nodes: Mapping[int, bytes]) -> list[bytes]:
    return [range_hash(start, end, nodes) for start, end in inclusion_ranges(index, size)]


def consistency_proof(old: int, new: int, nodes: Mapping[int, bytes]) -> list[bytes]:
    return [range_hash(start, end, nodes) for start, end in consistency_ranges(old, new)]


# --- Checking (RFC 9162, sections 2.1.3.2 and 2.1.4.2) ------------------------------------------


def _well_formed(hashes: Iterable[bytes]) -> bool:
    return all(len(value) == HASH_SIZE for value in hashes)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while not fn & 1 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(
    *, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` with `root`."""
    if not 0 <= index < size or not _well_formed([leaf, root, *proof]):
        return False
    fn, sn, result = index, size - 1, leaf
    for piece in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(piece, result)
            fn, sn = _shift_while_even(fn, sn)
        else:
            result = node_hash(result, piece)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(result, root)


def verify_consistency(
    *, old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows that the tree of `old` leaves with `old_root` is a prefix of the tree
    of `new` leaves with `new_root`. Every tree extends the empty one."""
    if not 0 <= old <= new or not _well_formed(proof):
        return False
    if old == new:
        return not proof and hmac.compare_digest(old_root, new_root)
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if (old & (old - 1)) == 0:  # old is a power of two: its root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for piece in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first, second = node_hash(piece, first), node_hash(piece, second)
            fn, sn = _shift_while_even(fn, sn)
        else:
            second = node_hash(second, piece)
        fn, sn = fn >> 1, sn >> 1
    return (
        sn == 0 and hmac.compare_digest(first, old_root) and hmac.compare_digest(second, new_root)
    )
