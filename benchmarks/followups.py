"""Follow-ups benchmark: the sweep's cost follows the number of due rows, not the table's size.

    python -m benchmarks.followups [--total 1000000] [--due 10000] [--batch-size 100]

Uses its own PostgreSQL database (FOLLOWUPS_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sd_bench_followups; created and migrated if missing, its
follow-up table emptied before each scenario). Rows are bulk-loaded with COPY.

Scenarios, all in one run:
  1. `due` pending rows, all due, in a table of exactly `due` rows;
  2. the same `due` due rows among `total` pending rows (the rest due tomorrow), spread evenly
     through the table (every due row on its own heap page: the worst case for locality);
  3. the same, with the due rows written together (as rows scheduled around the same time are);
  4. a tenth as many due rows among `total`, spread.
Each sweeps with a no-op handler until nothing is due, claiming and committing in batches as in
production. The table prints the times and their ratios.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict

from benchmarks.database import database_create

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sd_bench_followups"
KIND = "bench.noop"
COPY_CHUNK = 50_000


class Scenario(TypedDict):
    """One scenario's row of the table: its shape and its times in seconds."""

    total: int
    due: int
    layout: str
    load: float
    sweep: float


def _environment() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("FOLLOWUPS_BENCH_DATABASE_URL", DEFAULT_DB)
    os.environ["SUPPORTDESK_ENV"] = "test"  # no production start-up checks, no local key files
    os.environ["ENV_FILE"] = "/nonexistent"
    os.environ["REDIS_URL"] = ""  # nothing is published: the handler notifies nobody
    os.environ.setdefault("SUPPORTDESK_AUDIT_KEY", "bench-only-audit-key-" + "b" * 32)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")


def _load(*, total: int, due: int, spread: bool, now: datetime, subject_type_id: int) -> float:
    """Empty the table and COPY in `total` pending rows, `due` of them due now."""
    from django.db import connection

    started = time.perf_counter()
    step = total // due
    past, later = (now - timedelta(minutes=5)).isoformat(), (now + timedelta(days=1)).isoformat()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE followups_followup, followups_followup_users RESTART IDENTITY")
        columns = "kind, subject_type_id, subject_id, due_at, state, attempts, next_attempt_at, "
        columns += "last_error, created_at"
        with cursor.copy(f"COPY followups_followup ({columns}) FROM STDIN") as copy:
            for start in range(0, total, COPY_CHUNK):
                chunk = io.StringIO()
                for n in range(start, min(start + COPY_CHUNK, total)):
                    is_due = n % step == 0 and n // step < due if spread else n < due
                    when = past if is_due else later
                    chunk.write(
                        f"{KIND}\t{subject_type_id}\t{n}\t{when}\tpending\t0\t{when}\t\t{now}\n"
                    )
                copy.write(chunk.getvalue())
        cursor.execute("VACUUM ANALYZE followups_followup")
    return time.perf_counter() - started


def _scenario(
    *, total: int, due: int, spread: bool, batch_size: int, subject_type_id: int
) -> Scenario:
    from django.utils import timezone

    from supportdesk.followups.models import FollowUp
    from supportdesk.followups.sweep import followups_sweep

    now = timezone.now()
    load_seconds = _load(
        total=total, due=due, spread=spread, now=now, subject_type_id=subject_type_id
    )
    assert FollowUp.objects.filter(next_attempt_at__lte=now).count() == due
    started = time.perf_counter()
    result = followups_sweep(batch_size=batch_size, budget_seconds=3600)
    seconds = time.perf_counter() - started
    assert result.done == due, result
    assert FollowUp.objects.filter(state=FollowUp.State.DONE).count() == due
    layout = "all due" if total == due else ("spread" if spread else "together")
    return {"total": total, "due": due, "layout": layout, "load": load_seconds, "sweep": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()

    _environment()
    database_create(fresh=False)
    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from supportdesk.accounts.models import Team
    from supportdesk.followups.registry import register_handler

    call_command("migrate", verbosity=0)
    register_handler(KIND, lambda followup: None)
    subject_type_id = ContentType.objects.get_for_model(Team).pk

    scenarios = [
        (args.due, args.due, True),
        (args.total, args.due, True),
        (args.total, args.due, False),
        (args.total, args.due // 10, True),
    ]
    rows = [
        _scenario(
            total=t,
            due=d,
            spread=spread,
            batch_size=args.batch_size,
            subject_type_id=subject_type_id,
        )
        for t, d, spread in scenarios
    ]
    print(f"Follow-up sweep, batch size {args.batch_size}, no-op handler")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    print()
    header = ("pending rows", "due", "due rows", "load (COPY)", "sweep", "due rows/s")
    print("| {:>12} | {:>6} | {:>8} | {:>11} | {:>8} | {:>10} |".format(*header))
    print(f"|{'-' * 14}|{'-' * 8}|{'-' * 10}|{'-' * 13}|{'-' * 10}|{'-' * 12}|")
    for row in rows:
        print(
            f"| {row['total']:>12,} | {row['due']:>6,} | {row['layout']:>8} | "
            f"{row['load']:>9.1f} s | {row['sweep']:>6.2f} s | "
            f"{row['due'] / row['sweep']:>10,.0f} |"
        )
    print()
    base = rows[0]["sweep"]
    for label, row in [("spread", rows[1]), ("together", rows[2])]:
        ratio = row["sweep"] / base
        print(f"{args.due:,} due among {args.total:,} ({label}) / among {args.due:,}: {ratio:.2f}x")
    tenth = rows[1]["sweep"] / rows[3]["sweep"]
    print(f"among {args.total:,}: {args.due:,} due / {args.due // 10:,} due: {tenth:.2f}x")
    target = "met" if max(rows[1]["sweep"], rows[2]["sweep"]) < 10 else "MISSED"
    print(f"target (< 10 s for {args.due:,} due among {args.total:,}): {target}")


if __name__ == "__main__":
    main()
