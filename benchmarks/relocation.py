"""Relocation benchmark: the missed-check-in sweep's cost follows the legs due, not the legs kept.

    python -m benchmarks.relocation [--total 1000000] [--due 10000] [--small 100000] [--runs 3]

Uses its own PostgreSQL database (RELOCATION_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sd_bench_relocation; dropped, created and migrated each run).
One case, a hundred route plans and one template leg (from a place in an area to a safe house,
as most legs go) are made through the models; every other leg is a copy of the template written
by one `INSERT ... SELECT` over `generate_series`, with its own id, plan and position. The copies
keep the template's sealed (blank) fields: they would not open under another row's id, and the
sweep never reads them.

Every leg is under way with its ladder not started, so every leg sits in the sweep's partial
index `routeleg_checkin_due` (the worst case: legs that arrived or were aborted are not in it at
all). `due` legs had their check-in due five minutes ago, spread evenly through the table (each on
its own heap page); the rest are due in an hour. Scenarios, all in one run:
  1. `due` due legs among `small` legs;
  2. the same `due` due legs among `total` legs;
  3. a tenth as many due legs among `total` legs.
Each runs `checkins_missed_sweep` (batches of RELOCATION_CHECKIN_SWEEP_BATCH, one transaction
and, on PostgreSQL, one statement each: claim with SKIP LOCKED, mark the legs, insert the
ladder's first follow-up rows) `runs` times, the legs put back on time and the table vacuumed
between runs. Scenario 2 also shows: the same sweeps with the ORM batch (what a SQLite set-up
runs: claim, bulk INSERT and UPDATE from Python), one more sweep timed by phase (statements,
commits, the rest), the leg table's indexes and how many of its updates were HOT, and one batch's
statement (captured from the sweep, rolled back) with EXPLAIN (ANALYZE, BUFFERS, WAL).
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
    orm_sweeps: list[float]  # the same sweeps with the ORM batch (main scenario only)


class Details(TypedDict):
    """What the main scenario shows besides its times."""

    plan: str
    phases: dict[str, float]
    facts: str


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
    from relocation.models import RouteLeg, Waypoint
    from relocation.tests.factories import RouteLegFactory, RoutePlanFactory, SafeHouseFactory

    case = CaseFactory.create(status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED)
    plans = [RoutePlanFactory.create(case=case) for _ in range(PLANS)]
    # A leg as most are: from a place in an area to a safe house (two of its four waypoint keys
    # set, so it is in the indexes of both, and in the live legs' index of its house).
    template = RouteLegFactory.create(
        plan=plans[0],
        position=0,
        from_place="",
        to_kind=Waypoint.SAFE_HOUSE,
        to_area=None,
        to_safe_house=SafeHouseFactory.create(team=case.team),
        to_place="",
        state=RouteLeg.State.UNDER_WAY,
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
        f"INSERT INTO relocation_routeleg ({', '.join(columns)}) "  # noqa: S608 - model columns  # nosec B608: column names from the model, values are constants
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
    """EXPLAIN (ANALYZE, BUFFERS, WAL) of the statement one batch of the sweep sends (claim,
    leg update and follow-up rows in one; captured from a batch run in a transaction that is
    rolled back, then explained, and so executed, in another that is rolled back too)."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from relocation.services import checkins

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        checkins._missed_batch_sql(now=now, limit=int(settings.RELOCATION_CHECKIN_SWEEP_BATCH))
        transaction.set_rollback(True)
    claims = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(claims) == 1, queries.captured_queries
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, WAL) {claims[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def _phases(now: datetime) -> dict[str, float]:
    """One sweep timed by phase: inside its statements, in its commits, and the rest (Python,
    the driver, BEGIN)."""
    from django.db import connection

    from relocation.services.checkins import checkins_missed_sweep

    spent = {"statements": 0.0, "commits": 0.0, "batches": 0.0}

    def timed_statement(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["statements"] += time.perf_counter() - started
            spent["batches"] += 1

    commit = connection._commit  # type: ignore[attr-defined]

    def timed_commit() -> None:
        started = time.perf_counter()
        try:
            commit()
        finally:
            spent["commits"] += time.perf_counter() - started

    connection._commit = timed_commit  # type: ignore[attr-defined]
    try:
        with connection.execute_wrapper(timed_statement):
            started = time.perf_counter()
            checkins_missed_sweep(now=now)
            spent["total"] = time.perf_counter() - started
    finally:
        del connection._commit  # type: ignore[attr-defined]
    spent["rest"] = spent["total"] - spent["statements"] - spent["commits"]
    return spent


def _orm_sweep(now: datetime) -> int:
    """The sweep with the ORM batch (what a SQLite set-up runs), for comparison."""
    from django.conf import settings

    from relocation.services import checkins

    size = int(settings.RELOCATION_CHECKIN_SWEEP_BATCH)
    return checkins._missed_batches(checkins._missed_batch_orm, now=now, size=size)


def _table_facts() -> str:
    """The leg table's size and indexes, and how many of its updates were HOT so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_table_size('relocation_routeleg')), "
            "pg_size_pretty(pg_indexes_size('relocation_routeleg'))"
        )
        table, indexes = cursor.fetchone()
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'relocation_routeleg' "
            "ORDER BY indexname"
        )
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE relname = 'relocation_routeleg'"
        )
        updated, hot = cursor.fetchone()
    return (
        f"relocation_routeleg: table {table}, {len(names)} indexes {indexes} "
        f"({', '.join(names)}); updates so far {updated:,}, of them HOT {hot:,}"
    )


def _timed(sweep: Any, *, now: datetime, due: int, runs: int) -> list[float]:
    """`runs` sweeps of the same due legs, each checked, the legs put back on time after each."""
    from relocation.models import RouteLeg
    from supportdesk.followups.models import FollowUp

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        swept = sweep(now=now)
        times.append(time.perf_counter() - started)
        assert swept == due, (swept, due)
        assert FollowUp.objects.count() == due
        assert RouteLeg.objects.filter(ladder=RouteLeg.Ladder.MISSED).count() == due
        _reset()
    return times


def _scenario(
    *, total: int, due: int, runs: int, plan_ids: list[str], main: bool
) -> tuple[Scenario, Details | None]:
    from django.utils import timezone

    from relocation.models import RouteLeg
    from relocation.services.checkins import checkins_missed_sweep

    now = timezone.now()
    load = _load(total=total, due=due, now=now, plan_ids=plan_ids)
    assert RouteLeg.objects.count() == total
    if not main:
        sweeps = _timed(checkins_missed_sweep, now=now, due=due, runs=runs)
        return {"total": total, "due": due, "load": load, "sweeps": sweeps, "orm_sweeps": []}, None
    plan = _explain(now)
    _reset()
    sweeps = _timed(checkins_missed_sweep, now=now, due=due, runs=runs)
    orm_sweeps = _timed(_orm_sweep, now=now, due=due, runs=runs)
    phases = _phases(now)
    facts = _table_facts()
    _reset()
    row: Scenario = {
        "total": total,
        "due": due,
        "load": load,
        "sweeps": sweeps,
        "orm_sweeps": orm_sweeps,
    }
    return row, {"plan": plan, "phases": phases, "facts": facts}


def _line(total: int, due: int, load: str, times: list[float], label: str = "") -> str:
    median = statistics.median(times)
    return (
        f"| {total:>9,} | {due:>6,}{label} | {load:>10} | {median:>10.2f} s | "
        f"{min(times):>4.2f} s | {max(times):>4.2f} s | {due / median:>10,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    _environment()
    load_before = os.getloadavg()[0]
    database_create(fresh=True)  # factories name teams and users from a fresh sequence
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    plan_ids = _fixtures()
    scenarios = [(args.small, args.due), (args.total, args.due), (args.total, args.due // 10)]
    rows: list[Scenario] = []
    details: Details | None = None
    for total, due in scenarios:
        row, shown = _scenario(
            total=total,
            due=due,
            runs=args.runs,
            plan_ids=plan_ids,
            main=total == args.total and due == args.due and details is None,
        )
        rows.append(row)
        details = details or shown
    assert details is not None

    batch = int(settings.RELOCATION_CHECKIN_SWEEP_BATCH)
    print(f"Missed-check-in sweep, batch size {batch}, {args.runs} runs per scenario")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print()
    header = ("legs", "due", "load (SQL)", "sweep median", "min", "max", "due legs/s")
    print("| {:>9} | {:>6} | {:>10} | {:>12} | {:>6} | {:>6} | {:>10} |".format(*header))
    print(f"|{'-' * 11}|{'-' * 8}|{'-' * 12}|{'-' * 14}|{'-' * 8}|{'-' * 8}|{'-' * 12}|")
    for row in rows:
        print(_line(row["total"], row["due"], f"{row['load']:.1f} s", row["sweeps"]))
        if row["orm_sweeps"]:
            print(_line(row["total"], row["due"], "ORM batch", row["orm_sweeps"]))
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
    phases = details["phases"]
    print(
        f"one more sweep by phase: {phases['total']:.2f} s = "
        f"{int(phases['batches'])} statements {phases['statements']:.2f} s"
        f" + commits {phases['commits']:.2f} s + the rest {phases['rest']:.2f} s"
    )
    print(details["facts"])
    print()
    print(f"One batch of the sweep (one statement), {args.due:,} due among {args.total:,}:")
    print(details["plan"])
    print(f"index {INDEX} used: {'yes' if INDEX in details['plan'] else 'NO'}")


if __name__ == "__main__":
    main()
