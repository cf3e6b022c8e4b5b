"""RFC 6962 hashing and proofs, against the test vectors of the transparency-dev reference
(github.com/transparency-dev/merkle, proof/verify_test.go; the same leaves and roots as
Certificate Transparency's own tests), and against the RFC's recursive definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.audit import merkle

LEAVES = [
    bytes.fromhex(value)
    for value in (
        *("", "00", "10", "2021", "3031", "40414243", "5051525354555657"),
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(value)
    for value in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]


def h(value: str) -> bytes:
    return bytes.fromhex(value)


# (leaf, 1-based as in the reference; tree size; audit path)
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (3, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        2,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]
LEAF_HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]
NODES = merkle.all_nodes(LEAF_HASHES)
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH as RFC 6962 section 2.1 defines it, recursively, on leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_the_empty_tree_hashes_the_empty_string() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.root_of([]) == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_root_hashes_match_the_reference_vectors(size: int) -> None:
    assert merkle.root_of(LEAF_HASHES[:size]) == ROOTS[size - 1]
    stored = merkle.all_nodes(LEAF_HASHES[:size])
    assert merkle.range_hash(0, size, stored) == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(
    leaf: int, size: int, path: list[bytes]
) -> None:
    assert merkle.inclusion_proof(leaf - 1, size, NODES) == path
    assert merkle.verify_inclusion(
        leaf=LEAF_HASHES[leaf - 1], index=leaf - 1, size=size, proof=path, root=ROOTS[size - 1]
    )


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(
    old: int, new: int, path: list[bytes]
) -> None:
    assert merkle.consistency_proof(old, new, NODES) == path
    assert merkle.verify_consistency(
        old=old, new=new, old_root=ROOTS[old - 1], new_root=ROOTS[new - 1], proof=path
    )


@pytest.mark.parametrize(("leaf", "size", "path"), [v for v in INCLUSION if v[2]])
def test_corrupted_inclusion_proofs_are_rejected(leaf: int, size: int, path: list[bytes]) -> None:
    index, leaf_hash, root = leaf - 1, LEAF_HASHES[leaf - 1], ROOTS[size - 1]
    flipped = [bytes([path[0][0] ^ 8]) + path[0][1:], *path[1:]]
    probes = [
        (index - 1, size, leaf_hash, path, root),
        (index + 1, size, leaf_hash, path, root),
        (index ^ 2, size, leaf_hash, path, root),
        (index, size * 2, leaf_hash, path, root),
        (index, size // 2, leaf_hash, path, root),
        (index, size, merkle.leaf_hash(b"WrongLeaf"), path, root),
        (index, size, leaf_hash, path, merkle.EMPTY_ROOT),
        (index, size, leaf_hash, path, SOME_HASH),
        (index, size, leaf_hash, [*path, b""], root),
        (index, size, leaf_hash, [*path, root], root),
        (index, size, leaf_hash, [b"", *path], root),
        (index, size, leaf_hash, [root, *path], root),
        (index, size, leaf_hash, path[:-1], root),
        (index, size, leaf_hash, flipped, root),
    ]
    for probe_index, probe_size, probe_leaf, probe_path, probe_root in probes:
        assert not merkle.verify_inclusion(
            leaf=probe_leaf, index=probe_index, size=probe_size, proof=probe_path, root=probe_root
        ), (probe_index, probe_size)


@pytest.mark.parametrize(("old", "new", "path"), [v for v in CONSISTENCY if v[2]])
def test_corrupted_consistency_proofs_are_rejected(old: int, new: int, path: list[bytes]) -> None:
    root1, root2 = ROOTS[old - 1], ROOTS[new - 1]
    probes = [
        (old - 1, new, root1, root2, path),
        (old + 1, new, root1, root2, path),
        (old ^ 2, new, root1, root2, path),
        (old, new * 2, root1, root2, path),
        (old, new // 2, root1, root2, path),
        (old, new, SOME_HASH, root2, path),
        (old, new, root1, SOME_HASH, path),
        (old, new, root2, root1, path),
        (old, new, root1, root2, []),
        (old, new, root1, root2, [*path, b""]),
        (old, new, root1, root2, [*path, root1]),
        (old, new, root1, root2, [*path, root2]),
        (old, new, root1, root2, [b"", *path]),
        (old, new, root1, root2, [root1, *path]),
        (old, new, root1, root2, [root2, *path]),
        (old, new, root1, root2, [path[0], *path]),
        (old, new, root1, root2, path[:-1]),
    ]
    for number in range(len(path)):
        flipped = list(path)
        flipped[number] = bytes([path[number][0] ^ 16]) + path[number][1:]
        probes.append((old, new, root1, root2, flipped))
    for probe_old, probe_new, probe_root1, probe_root2, probe_path in probes:
        assert not merkle.verify_consistency(
            old=probe_old,
            new=probe_new,
            old_root=probe_root1,
            new_root=probe_root2,
            proof=probe_path,
        ), (probe_old, probe_new)


def test_edge_cases_of_consistency_follow_the_reference() -> None:
    root1, root2 = b"don't care 1", b"don't care 2"
    assert merkle.verify_consistency(old=0, new=0, old_root=root1, new_root=root1, proof=[])
    assert merkle.verify_consistency(old=0, new=1, old_root=root1, new_root=root2, proof=[])
    assert not merkle.verify_consistency(old=1, new=1, old_root=root1, new_root=root2, proof=[])
    assert not merkle.verify_consistency(old=1, new=0, old_root=root1, new_root=root2, proof=[])
    assert not merkle.verify_consistency(old=1, new=2, old_root=root1, new_root=root2, proof=[])
    empty = merkle.EMPTY_ROOT
    for old, new in [(0, 0), (0, 1), (1, 1)]:
        assert not merkle.verify_consistency(
            old=old, new=new, old_root=empty, new_root=empty, proof=[empty]
        )


def test_node_ids_number_the_tree_in_order() -> None:
    assert [merkle.node_id(0, i) for i in range(4)] == [0, 2, 4, 6]
    assert [merkle.node_id(1, i) for i in range(2)] == [1, 5]
    assert merkle.node_id(2, 0) == 3
    # The largest stored id is the last leaf's, whatever the size.
    for size in range(1, 40):
        assert merkle.size_of_stored_tree(max(merkle.all_nodes([bytes(32)] * size))) == size
    assert merkle.size_of_stored_tree(None) == 0


@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_proof_of_random_trees_verifies(size: int, data: st.DataObject) -> None:
    leaves = [merkle.leaf_hash(n.to_bytes(4, "big")) for n in range(size)]
    nodes = merkle.all_nodes(leaves)
    root = reference_root(leaves)
    assert merkle.range_hash(0, size, nodes) == root
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = merkle.inclusion_proof(index, size, nodes)
    assert merkle.verify_inclusion(
        leaf=leaves[index], index=index, size=size, proof=proof, root=root
    )
    old = data.draw(st.integers(min_value=0, max_value=size))
    old_root = reference_root(leaves[:old])
    proof = merkle.consistency_proof(old, size, nodes)
    assert merkle.verify_consistency(
        old=old, new=size, old_root=old_root, new_root=root, proof=proof
    )
    # A proof never needs more than two hashes a level.
    assert len(merkle.node_ids_for(merkle.consistency_ranges(old, size))) <= 2 * size.bit_length()
