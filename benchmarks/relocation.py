"""Relocation benchmark: the missed-check-in sweep's cost follows the legs due, not the legs kept.

    python -m benchmarks.relocation [--total 1000000] [--due 10000] [--small 100000] [--runs 3]

Uses its own PostgreSQL database (RELOCATION_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sd_bench_relocation; dropped, created and migrated each run).
One case, a hundred route plans and one template leg are made through the models; every other
leg is a copy of the template written by one `INSERT ... SELECT` over `generate_series`, with its
own id, plan and position. The copies keep the template's sealed (blank) fields: they would not
open under another row's id, and the sweep never reads them.

Every leg is under way with its ladder not started, so every leg sits in the sweep's partial
index `routeleg_checkin_due` (the worst case: legs that arrived or were aborted are not in it at
all). `due` legs had their check-in due five minutes ago, spread evenly through the table (each on
its own heap page); the rest are due in an hour. Scenarios, all in one run:
  1. `due` due legs among `small` legs;
  2. the same `due` due legs among `total` legs;
  3. a tenth as many due legs among `total` legs.
Each runs `checkins_missed_sweep` (batches of RELOCATION_CHECKIN_SWEEP_BATCH, one transaction
each: claim with SKIP LOCKED, one INSERT of the ladder's first follow-up rows, one UPDATE of the
legs) `runs` times, the legs put back on time and the table vacuumed between runs. Before the
runs of scenario 2, the sweep's own claim query (captured from one batch, rolled back) is shown
with EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import statistics
import time
from datetime import datetime, timedelta
from typing import Any, TypedDict

from benchmarks.database import database_create

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sd_bench_relocation"
PLANS = 100  # legs per plan = total / PLANS (positions are unique within a plan, smallint)
INDEX = "routeleg_checkin_due"


class Scenario(TypedDict):
    """One scenario's row of the table: its shape and its times in seconds."""

    total: int
    due: int
    load: float
    sweeps: list[float]


def _environment() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("RELOCATION_BENCH_DATABASE_URL", DEFAULT_DB)
    os.environ["SUPPORTDESK_ENV"] = "test"  # no production start-up checks, no local key files
    os.environ["ENV_FILE"] = "/nonexistent"
    os.environ["REDIS_URL"] = ""  # the sweep only writes follow-up rows: nothing is published
    os.environ.setdefault("SUPPORTDESK_AUDIT_KEY", "bench-only-audit-key-" + "b" * 32)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    if not os.environ.get("SUPPORTDESK_KEYS"):  # a throwaway key ring for the bench database
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        os.environ["SUPPORTDESK_KEYS"] = json.dumps({"active": "bench", "keys": {"bench": key}})
        os.environ["SUPPORTDESK_INDEX_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()


def _fixtures() -> list[str]:
    """The case, its plans and the template leg (kept in bench_leg_template); the plans' ids."""
    from django.db import connection

    from cases.models import Case
    from cases.tests.factories import CaseFactory
    from relocation.models import RouteLeg
    from relocation.tests.factories import RouteLegFactory, RoutePlanFactory

    case = CaseFactory.create(status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED)
    plans = [RoutePlanFactory.create(case=case) for _ in range(PLANS)]
    template = RouteLegFactory.create(
        plan=plans[0], position=0, from_place="", to_place="", state=RouteLeg.State.UNDER_WAY
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_leg_template AS SELECT * FROM relocation_routeleg WHERE id = %s",
            [template.pk],
        )
    return [str(plan.pk) for plan in plans]


def _load(*, total: int, due: int, now: datetime, plan_ids: list[str]) -> float:
    """Empty the legs and write `total` copies of the template, `due` of them due now."""
    from django.db import connection

    from relocation.models import RouteLeg

    per_plan = -(-total // PLANS)
    step = total // due
    set_here = {
        "id": "gen_random_uuid()",
        "plan_id": "(%(plans)s::uuid[])[n / %(per_plan)s + 1]",
        "position": "n %% %(per_plan)s",
        "state": "'under_way'",
        "ladder": "0",
        "started_at": "%(started)s",
        "check_in_due_at": (
            "CASE WHEN n %% %(step)s = 0 AND n / %(step)s < %(due)s "
            "THEN %(past)s ELSE %(later)s END"
        ),
    }
    columns = [field.column for field in RouteLeg._meta.concrete_fields]
    values = [set_here.get(column, f"t.{column}") for column in columns]
    sql = (
        f"INSERT INTO relocation_routeleg ({', '.join(columns)}) "  # noqa: S608 - model columns
        f"SELECT {', '.join(values)} FROM bench_leg_template t, "
        "generate_series(0, %(last)s) AS n"
    )
    params: dict[str, Any] = {
        "plans": plan_ids,
        "per_plan": per_plan,
        "step": step,
        "due": due,
        "past": now - timedelta(minutes=5),
        "later": now + timedelta(hours=1),
        "started": now - timedelta(hours=1),
        "last": total - 1,
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE relocation_routeleg CASCADE")
        cursor.execute("TRUNCATE followups_followup, followups_followup_users RESTART IDENTITY")
        cursor.execute(sql, params)
        cursor.execute("VACUUM ANALYZE relocation_routeleg")
    return time.perf_counter() - started


def _reset() -> None:
    """Put the swept legs back on time (in the index again) and forget their follow-up rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE relocation_routeleg SET ladder = 0 WHERE ladder <> 0")
        cursor.execute("TRUNCATE followups_followup, followups_followup_users RESTART IDENTITY")
        cursor.execute("VACUUM ANALYZE relocation_routeleg")
        cursor.execute("VACUUM ANALYZE followups_followup")


def _explain(now: datetime) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim query one batch of the sweep sends (captured
    from a batch run in a transaction that is rolled back, then explained in another)."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from relocation.services import checkins

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        checkins._missed_batch(now=now, limit=int(settings.RELOCATION_CHECKIN_SWEEP_BATCH))
        transaction.set_rollback(True)
    claims = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(claims) == 1, queries.captured_queries
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {claims[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def _scenario(
    *, total: int, due: int, runs: int, plan_ids: list[str], explain: bool
) -> tuple[Scenario, str]:
    from django.utils import timezone

    from relocation.models import RouteLeg
    from relocation.services.checkins import checkins_missed_sweep
    from supportdesk.followups.models import FollowUp

    now = timezone.now()
    load = _load(total=total, due=due, now=now, plan_ids=plan_ids)
    assert RouteLeg.objects.count() == total
    plan = ""
    if explain:
        plan = _explain(now)
        _reset()
    sweeps = []
    for _ in range(runs):
        started = time.perf_counter()
        swept = checkins_missed_sweep(now=now)
        sweeps.append(time.perf_counter() - started)
        assert swept == due, (swept, due)
        assert FollowUp.objects.count() == due
        assert RouteLeg.objects.filter(ladder=RouteLeg.Ladder.MISSED).count() == due
        _reset()
    return {"total": total, "due": due, "load": load, "sweeps": sweeps}, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    _environment()
    database_create(fresh=True)  # factories name teams and users from a fresh sequence
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    plan_ids = _fixtures()
    scenarios = [(args.small, args.due), (args.total, args.due), (args.total, args.due // 10)]
    rows: list[Scenario] = []
    plan = ""
    for total, due in scenarios:
        row, explained = _scenario(
            total=total,
            due=due,
            runs=args.runs,
            plan_ids=plan_ids,
            explain=total == args.total and due == args.due,
        )
        rows.append(row)
        plan = plan or explained

    batch = int(settings.RELOCATION_CHECKIN_SWEEP_BATCH)
    print(f"Missed-check-in sweep, batch size {batch}, {args.runs} runs per scenario")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    print()
    header = ("legs", "due", "load (SQL)", "sweep median", "min", "max", "due legs/s")
    print("| {:>9} | {:>6} | {:>10} | {:>12} | {:>6} | {:>6} | {:>10} |".format(*header))
    print(f"|{'-' * 11}|{'-' * 8}|{'-' * 12}|{'-' * 14}|{'-' * 8}|{'-' * 8}|{'-' * 12}|")
    for row in rows:
        median = statistics.median(row["sweeps"])
        print(
            f"| {row['total']:>9,} | {row['due']:>6,} | {row['load']:>8.1f} s | "
            f"{median:>10.2f} s | {min(row['sweeps']):>4.2f} s | {max(row['sweeps']):>4.2f} s | "
            f"{row['due'] / median:>10,.0f} |"
        )
    print()
    medians = [statistics.median(row["sweeps"]) for row in rows]
    print(
        f"{args.due:,} due: among {args.total:,} / among {args.small:,}: "
        f"{medians[1] / medians[0]:.2f}x"
    )
    print(
        f"among {args.total:,}: {args.due:,} due / {args.due // 10:,} due: "
        f"{medians[1] / medians[2]:.2f}x"
    )
    target = "met" if max(rows[1]["sweeps"]) < 2 else "MISSED"
    print(f"target (< 2 s for {args.due:,} due among {args.total:,}, every run): {target}")
    print()
    print(f"The claim query of one batch, {args.due:,} due among {args.total:,}:")
    print(plan)
    print(f"index {INDEX} used: {'yes' if INDEX in plan else 'NO'}")


if __name__ == "__main__":
    main()
