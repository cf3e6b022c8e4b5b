"""The Merkle tree in the database: kept by the sealer as it seals, proofs from it, its
write-once tables, and leaves that survive shredding."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from supportdesk.audit import alerts, chain, merkle, tree
from supportdesk.audit.models import AuditAlert, AuditCheckpoint, AuditEvent, AuditTreeNode
from supportdesk.audit.tests.helpers import (
    audit_triggers_bypassed,
    event_at,
    is_postgresql,
    make_events,
    raw,
)

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def leaves_of_events() -> list[bytes]:
    return [leaf for _event, leaf in chain.sealed_leaves()]


def stored_nodes() -> dict[int, bytes]:
    return {key: bytes(value) for key, value in AuditTreeNode.objects.values_list("id", "hash")}


def test_the_sealer_grows_the_tree_as_it_seals(db: None) -> None:
    make_events(7)
    chain.audit_seal(batch_size=3)  # batches of 3, 3 and 1
    make_events(6)
    chain.audit_seal(batch_size=4)
    leaves = leaves_of_events()
    assert len(leaves) == tree.tree_size() == 13
    # Exactly the nodes of the tree over the events, each stored once.
    assert stored_nodes() == merkle.all_nodes(leaves)
    assert tree.tree_root(13) == merkle.root_of(leaves)


def test_a_leaf_hashes_the_canonical_bytes_of_its_event(db: None) -> None:
    make_events(2)
    chain.audit_seal()
    first = event_at(1)
    assert tree.stored_leaf(0) == merkle.leaf_hash(chain.canonical(first))
    assert b"alias" in chain.canonical(first)  # field names, never values


@pytest.mark.parametrize("size", [1, 2, 5, 8, 11])
def test_proofs_from_the_database_verify(size: int) -> None:
    make_events(11)
    chain.audit_seal(batch_size=4)
    leaves = leaves_of_events()
    root = tree.tree_root(size)
    assert root == merkle.root_of(leaves[:size])
    for index in range(size):
        proof = tree.inclusion_proof(index=index, size=size)
        assert merkle.verify_inclusion(
            leaf=leaves[index], index=index, size=size, proof=proof, root=root
        )
    for old in range(size + 1):
        proof = tree.consistency_proof(old=old, new=size)
        assert merkle.verify_consistency(
            old=old, new=size, old_root=tree.tree_root(old), new_root=root, proof=proof
        )


def test_a_proof_takes_one_query(django_assert_num_queries: object) -> None:
    make_events(40)
    chain.audit_seal()
    with django_assert_num_queries(1):  # type: ignore[operator]
        tree.inclusion_proof(index=17, size=39)
    with django_assert_num_queries(1):  # type: ignore[operator]
        tree.consistency_proof(old=13, new=40)


def test_the_tree_for_a_log_sealed_before_it_existed_is_built(db: None) -> None:
    make_events(9)
    chain.audit_seal()
    expected = stored_nodes()
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {AuditTreeNode._meta.db_table}")  # noqa: S608
    assert chain.tree_build(batch_size=4) == 9
    assert stored_nodes() == expected
    make_events(2)
    chain.audit_seal()
    assert tree.tree_size() == 11


def test_a_tree_longer_than_the_chain_stops_growing_and_alerts(db: None) -> None:
    make_events(6)
    chain.audit_seal()
    # A sealed event removed and the chain head moved back, as someone cutting the end would.
    with audit_triggers_bypassed():
        raw(f"DELETE FROM {TABLE} WHERE chain_position = 6")  # noqa: S608
        raw("UPDATE audit_auditchainhead SET position = 5")
    make_events(2)
    assert alerts.audit_seal() == 2
    assert tree.tree_size() == 6  # what was sealed (and may have been signed) is kept as it was
    alert = AuditAlert.objects.get(kind=AuditAlert.Kind.LOG_INCONSISTENT)
    assert "tree has 6 events and the chain had 5" in alert.detail
    assert alerts.audit_seal() == 0 and AuditAlert.objects.count() == 1  # once a day


def test_shredding_a_case_leaves_the_tree_verifiable(db: None) -> None:
    """Events hold ids and field names only: destroying a case's key changes no leaf."""
    from cases.tests.factories import CaseFactory
    from supportdesk.audit.services import audit_record_view
    from supportdesk.vault.services import key_holder_shred

    case = CaseFactory.create()
    audit_record_view(actor=None, obj=case, fields=["alias", "real_name"])
    chain.audit_seal()
    root = tree.tree_root(1)
    key_holder_shred(holder=case)
    assert merkle.root_of(leaves_of_events()) == root
    assert "Aung" not in chain.canonical(event_at(1)).decode()


# --- Written once -------------------------------------------------------------------------------


@pytest.fixture
def _postgresql_only() -> None:
    if not is_postgresql():
        pytest.skip("the write-once triggers exist on PostgreSQL only")


@pytest.mark.usefixtures("_postgresql_only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_audittreenode SET hash = '\\x00' WHERE id = 0",
        "DELETE FROM audit_audittreenode WHERE id = 0",
        "UPDATE audit_auditcheckpoint SET tree_size = 99",
        "DELETE FROM audit_auditcheckpoint",
    ],
)
def test_tree_nodes_and_checkpoints_cannot_be_changed(sql: str) -> None:
    make_events(2)
    chain.audit_seal()
    AuditCheckpoint.objects.create(
        tree_size=2, root_hash=tree.tree_root(2), note="n", signed_at=event_at(1).occurred_at
    )
    with pytest.raises(DatabaseError, match="written once"), transaction.atomic():
        raw(sql)
