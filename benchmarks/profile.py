"""Profile one endpoint of the app in-process with pyinstrument, over a seeded bench database.

    .venv/bin/python -m benchmarks.profile --cases 10000 --endpoint list [--requests 100]

Uses the installation benchmarks/run.py made (var/bench/env, the seed file of that size) and
Django's test client through the whole middleware stack, as gunicorn would call it. Prints the
mean time per request and pyinstrument's tree (`--html` writes the HTML view instead).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument(
        "--endpoint", choices=("list", "detail", "transition", "intake"), default="list"
    )
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--html", type=Path, default=None)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="the list's page query with and without case_status_risk_created, and stop",
    )
    args = parser.parse_args()
    info = json.loads((VAR / f"seed-{args.cases}.json").read_text())
    os.environ["ENV_FILE"] = str(VAR / "env")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/sd_bench_{args.cases}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    import django

    django.setup()
    if args.explain:
        explain_list()
        return
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {info['token']}",
        HTTP_HOST="desk.bench",
        HTTP_X_FORWARDED_PROTO="https",
    )
    ids = info["detail_ids"]
    moves = {case_id: "in_transit" for case_id in info["transition_ids"]}

    def call(n: int) -> None:
        if args.endpoint == "list":
            answer = client.get("/api/v1/cases/?status=hiding&page_size=50")
        elif args.endpoint == "detail":
            answer = client.get(f"/api/v1/cases/{ids[n % len(ids)]}/")
        else:
            case_id = info["transition_ids"][n % len(info["transition_ids"])]
            status = client.get(f"/api/v1/cases/{case_id}/").json()["status"]
            target = "hiding" if status == "in_transit" else "in_transit"
            moves[case_id] = target
            answer = client.post(
                f"/api/v1/cases/{case_id}/transition/",
                {"to_status": target},
                content_type="application/json",
            )
        assert answer.status_code == 200, answer.content[:300]

    for n in range(10):
        call(n)  # warm-up
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for n in range(args.requests):
        call(n)
    profiler.stop()
    elapsed = time.perf_counter() - started
    print(f"{args.endpoint}: {elapsed / args.requests * 1000:.1f} ms per request (profiled)")
    if args.html:
        args.html.write_text(profiler.output_html())
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


def explain_list(repeats: int = 5) -> None:
    """The list's page query (status filter, riskiest first, 51 rows) as EXPLAIN ANALYZE sees
    it, best of `repeats`, with the index and without it (dropped inside a transaction that is
    rolled back: what the list did before the index existed)."""
    from django.db import connection, transaction

    from cases import selectors
    from cases.pagination import ORDERING
    from supportdesk.accounts.models import User

    user = User.objects.get(username="bench")
    page = selectors.case_list(user=user, filters=selectors.CaseFilters(status="hiding"))
    sql, params = page.order_by(*ORDERING)[:51].query.sql_with_params()

    def measure(label: str) -> None:
        best: dict = {}
        with connection.cursor() as cursor:
            for _ in range(repeats):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0][0]
                if not best or plan["Execution Time"] < best["Execution Time"]:
                    best = plan
        top = best["Plan"]
        buffers = top["Shared Hit Blocks"] + top["Shared Read Blocks"]
        print(f"{label}: {best['Execution Time']:.2f} ms, {buffers} buffers")

    measure("with case_status_risk_created")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX case_status_risk_created")
        measure("without it (before)")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
