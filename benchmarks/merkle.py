"""Merkle tree benchmark: sealing throughput with the tree against the sealer without it, in the
same run, then proof generation on a log of a million events.

    .venv/bin/python -m benchmarks.merkle [--seal-events 20000] [--rounds 6] [--batch-size 1000]
                                          [--proof-events 1000000] [--proofs 500] [--skip-check]

Needs PostgreSQL (MERKLE_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sd_bench_merkle; dropped and created anew each run, so its name
must start with sd_bench; a superuser, to load sealed rows past the append-only trigger).

1. Sealing. Each round inserts `--seal-events` unsealed events with one INSERT ... SELECT, then
   seals them with `chain.audit_seal()` in batches of `--batch-size`, once per mode, in an order
   that alternates from round to round: `without tree` is the sealer with its tree step replaced
   by a no-op (the sealer as it was before the tree: canonical bytes, two HMACs, the UPDATEs, the
   head), `with tree` is the sealer as shipped (plus a leaf hash per event and the new nodes, one
   INSERT per batch). After a `without tree` round the tree is caught up, untimed. The figure is
   the median of the per-round ratios.
2. Proofs. `--proof-events` sealed events are loaded with one INSERT ... SELECT (positions and
   placeholder MACs set directly: the proofs do not read MACs), the tree is built from them with
   `chain.tree_build()` (the sealer's leaf code, timed), and then `--proofs` inclusion proofs for
   random events (`checkpoints.inclusion_proof_for_event`: the event, its canonical bytes, the
   audit path and the root) and as many consistency proofs between random sizes are made and
   timed one by one, each checked afterwards. Also timed: signing a checkpoint of the whole log
   (local signer) and, unless `--skip-check`, `verify_audit --against` that checkpoint (the log
   recomputed from its events).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.database import database_create

T = TypeVar("T")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sd_bench_merkle"
MODES = ("without tree", "with tree")
EVENT_COLUMNS = "occurred_at, actor_id, action, object_type, object_id, fields, request_id, ip"
EVENT_VALUES = (
    "now() - make_interval(secs => (%(count)s - g) * 0.001), NULL, 'case.view', 'cases.case', "
    "md5(g::text), '[\"alias\"]'::jsonb, repeat('r', 32), '192.0.2.1'"
)


def _environment() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("MERKLE_BENCH_DATABASE_URL", DEFAULT_DB)
    os.environ["SUPPORTDESK_ENV"] = "test"  # no production start-up checks, no local key files
    os.environ["ENV_FILE"] = "/nonexistent"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SUPPORTDESK_AUDIT_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")


def _sql(statement: str, params: dict[str, Any] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _insert_unsealed(count: int) -> None:
    _sql(
        f"INSERT INTO audit_auditevent ({EVENT_COLUMNS}) "  # noqa: S608 - constants  # nosec B608: columns and values are module constants
        f"SELECT {EVENT_VALUES} FROM generate_series(1, %(count)s) AS g",
        {"count": count},
    )


# --- 1. Sealing ---------------------------------------------------------------------------------


def _seal_round(mode: str, count: int, batch_size: int) -> float:
    """Seal `count` new events in `mode`; events per second."""
    from supportdesk.audit import chain

    _insert_unsealed(count)
    _sql("ANALYZE audit_auditevent")
    original = chain._tree_extend
    if mode == "without tree":  # the sealer as it was: no leaves, no nodes
        setattr(chain, "_tree_extend", lambda **_: None)  # noqa: B010 - swapped for the round
    try:
        started = time.perf_counter()
        sealed = chain.audit_seal(batch_size=batch_size, max_batches=10**9)
        seconds = time.perf_counter() - started
    finally:
        setattr(chain, "_tree_extend", original)  # noqa: B010
    assert sealed == count, sealed
    if mode == "without tree":
        chain.tree_build()  # untimed: the next "with tree" round finds the tree in step
    return count / seconds


def _sealing(args: argparse.Namespace) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {mode: [] for mode in MODES}
    _seal_round("with tree", args.batch_size, args.batch_size)  # warm-up: caches, plans
    for round_ in range(args.rounds):
        order = MODES if round_ % 2 == 0 else MODES[::-1]
        for mode in order:
            rates[mode].append(_seal_round(mode, args.seal_events, args.batch_size))
    return rates


# --- 2. Proofs ----------------------------------------------------------------------------------


def _load_sealed(count: int) -> tuple[int, float]:
    """`count` sealed events after the current end of the chain, loaded in one statement."""
    from django.db import transaction

    from supportdesk.audit import tree

    start = tree.tree_size()
    started = time.perf_counter()
    with transaction.atomic():
        _sql("SET LOCAL session_replication_role = replica")  # past the append-only trigger
        _sql(
            f"INSERT INTO audit_auditevent ({EVENT_COLUMNS}, chain_position, event_mac, "  # noqa: S608  # nosec B608: columns and values are module constants
            f"chain_mac) SELECT {EVENT_VALUES}, %(start)s + g, repeat('0', 64), repeat('0', 64) "
            "FROM generate_series(1, %(count)s) AS g",
            {"count": count, "start": start},
        )
        _sql("UPDATE audit_auditchainhead SET position = %(end)s", {"end": start + count})
    _sql("VACUUM ANALYZE audit_auditevent")
    return start + count, time.perf_counter() - started


@dataclass(frozen=True)
class ProofFigures:
    size: int
    load_seconds: float
    built: int
    build_seconds: float
    path_length: float
    inclusion_ms: list[float]
    consistency_ms: list[float]
    sign_seconds: float
    check_seconds: float | None


def _timed(calls: list[Callable[[], T]]) -> tuple[list[float], list[T]]:
    milliseconds, results = [], []
    for call in calls:
        started = time.perf_counter()
        results.append(call())
        milliseconds.append((time.perf_counter() - started) * 1000)
    return milliseconds, results


def _proofs(args: argparse.Namespace) -> ProofFigures:
    from supportdesk.audit import chain, checkpoints, merkle, tree
    from supportdesk.audit.models import AuditEvent

    size, load_seconds = _load_sealed(args.proof_events)
    started = time.perf_counter()
    built = chain.tree_build(batch_size=50_000)
    build_seconds = time.perf_counter() - started
    _sql("VACUUM ANALYZE audit_audittreenode")
    assert tree.tree_size() == size
    rng = random.Random(17)  # positions to prove, not secrets
    positions = [rng.randint(1, size) for _ in range(args.proofs)]
    ids = dict(
        AuditEvent.objects.filter(chain_position__in=positions).values_list("chain_position", "id")
    )
    inclusion_ms, inclusions = _timed(
        [
            partial(checkpoints.inclusion_proof_for_event, event_id=ids[p], tree_size=size)
            for p in positions
        ]
    )
    firsts = [rng.randint(1, size) for _ in range(args.proofs)]
    consistency_ms, consistencies = _timed(
        [partial(checkpoints.consistency_proof_between, first=m, second=size) for m in firsts]
    )
    root = tree.tree_root(size)
    for proof in inclusions:
        assert merkle.verify_inclusion(
            leaf=proof.leaf_hash,
            index=proof.chain_position - 1,
            size=size,
            proof=proof.proof,
            root=root,
        )
    for consistency in consistencies:
        assert merkle.verify_consistency(
            old=consistency.first,
            new=size,
            old_root=consistency.first_root,
            new_root=root,
            proof=consistency.proof,
        )
    sign_seconds, check_seconds = _sign_and_check(skip_check=args.skip_check)
    return ProofFigures(
        size=size,
        load_seconds=load_seconds,
        built=built,
        build_seconds=build_seconds,
        path_length=statistics.median(len(proof.proof) for proof in inclusions),
        inclusion_ms=inclusion_ms,
        consistency_ms=consistency_ms,
        sign_seconds=sign_seconds,
        check_seconds=check_seconds,
    )


def _sign_and_check(*, skip_check: bool) -> tuple[float, float | None]:
    from django.conf import settings

    from supportdesk.audit import checkpoints
    from supportdesk.audit.note import SignerKey
    from supportdesk.audit.signer import write_signer_key

    directory = Path(tempfile.mkdtemp(prefix="sd-bench-merkle-"))
    write_signer_key(directory / "signing.key", SignerKey.generate("bench.example.org/audit"))
    settings.AUDIT_SIGNER = "local"
    settings.AUDIT_SIGNING_KEY_FILE = str(directory / "signing.key")
    settings.AUDIT_SIGNER_STATE_FILE = str(directory / "state.json")
    started = time.perf_counter()
    signed = checkpoints.checkpoint_sign()
    sign_seconds = time.perf_counter() - started
    if skip_check:
        return sign_seconds, None
    started = time.perf_counter()
    difference = checkpoints.log_check(checkpoints.checkpoint_open(signed.note))
    check_seconds = time.perf_counter() - started
    assert difference is None, difference
    return sign_seconds, check_seconds


# --- Report -------------------------------------------------------------------------------------


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _report(
    args: argparse.Namespace,
    rates: dict[str, list[float]],
    proofs: ProofFigures,
    load: tuple[float, float],
    postgres: str,
) -> None:
    print(
        f"\nMerkle benchmark: Python {platform.python_version()}, {postgres}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} before and {load[1]:.1f} after"
    )
    print(
        f"\nSealing: {args.rounds} rounds of {args.seal_events} events per mode, batches of "
        f"{args.batch_size}, order alternating"
    )
    print("| sealer       | events/s (median) |    min |    max | per-round vs without tree |")
    print("|--------------|-------------------|--------|--------|---------------------------|")
    for mode in MODES:
        ratio = statistics.median(
            run / base for run, base in zip(rates[mode], rates["without tree"], strict=True)
        )
        print(
            f"| {mode:<12} | {statistics.median(rates[mode]):>17.0f} | "
            f"{min(rates[mode]):>6.0f} | {max(rates[mode]):>6.0f} | {ratio:>25.1%} |"
        )
    print(
        "per-round events/s, without / with: "
        + "  ".join(
            f"{a:.0f}/{b:.0f}"
            for a, b in zip(rates["without tree"], rates["with tree"], strict=True)
        )
    )
    print(
        f"\nProofs at {proofs.size:,} events: loaded {args.proof_events:,} sealed events in "
        f"{proofs.load_seconds:.1f} s; tree built from them in {proofs.build_seconds:.1f} s "
        f"({proofs.built / proofs.build_seconds:,.0f} events/s); audit path "
        f"{proofs.path_length:.0f} hashes"
    )
    print("| proof (one call)                         |  calls | median ms | p95 ms | max ms |")
    print("|------------------------------------------|--------|-----------|--------|--------|")
    for label, values in (
        ("inclusion, event id -> proof and root", proofs.inclusion_ms),
        ("consistency, random size -> whole log", proofs.consistency_ms),
    ):
        print(
            f"| {label:<40} | {len(values):>6} | {statistics.median(values):>9.2f} | "
            f"{_quantile(values, 0.95):>6.2f} | {max(values):>6.2f} |"
        )
    worst = max(*proofs.inclusion_ms, *proofs.consistency_ms)
    verdict = "met" if worst < 50 else "MISSED"
    print(f"target: every proof under 50 ms: {verdict} (worst {worst:.2f} ms)")
    print(f"signing a checkpoint of the whole log (local signer): {proofs.sign_seconds:.3f} s")
    if proofs.check_seconds is not None:
        print(f"verify_audit --against it (from the events): {proofs.check_seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seal-events", type=int, default=20_000, help="events per sealing round")
    parser.add_argument("--rounds", type=int, default=6, help="sealing rounds per mode")
    parser.add_argument("--batch-size", type=int, default=1000, help="the sealer's batch size")
    parser.add_argument("--proof-events", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=500, help="proofs of each kind")
    parser.add_argument("--skip-check", action="store_true", help="skip verify --against")
    args = parser.parse_args()

    _environment()
    database_create(fresh=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = f"PostgreSQL {cursor.fetchone()[0]}"
    load_before = os.getloadavg()
    rates = _sealing(args)
    proofs = _proofs(args)
    _report(args, rates, proofs, (load_before[0], os.getloadavg()[0]), postgres)


if __name__ == "__main__":
    main()
