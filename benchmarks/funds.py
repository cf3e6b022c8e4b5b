"""Funds benchmark: approvals and payments on one hot fund, and the ledger check at scale.

    python -m benchmarks.funds [--clients 8] [--per-client 50] [--entries 1000000]

Uses its own PostgreSQL database (FUNDS_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sd_bench_funds; dropped, created and migrated each run).
In one run:
  1. `clients` threads, each approving and paying its own requests, all drawing on one fund (every
     approval and payment locks the same fund row: the worst case);
  2. the same number of threads making the same number of plain one-row INSERT transactions
     (the floor any write costs on this machine);
  3. `check_ledger` over `entries` ledger entries (bulk-loaded with COPY).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import platform
import secrets
import threading
import time
import uuid
from collections.abc import Callable

from benchmarks.database import database_create

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sd_bench_funds"


def _environment() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("FUNDS_BENCH_DATABASE_URL", DEFAULT_DB)
    os.environ["SUPPORTDESK_ENV"] = "test"
    os.environ["ENV_FILE"] = "/nonexistent"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("SUPPORTDESK_AUDIT_KEY", "bench-only-audit-key-" + "b" * 32)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    if not os.environ.get("SUPPORTDESK_KEYS"):  # a throwaway key ring for the bench database
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        os.environ["SUPPORTDESK_KEYS"] = json.dumps({"active": "bench", "keys": {"bench": key}})
        os.environ["SUPPORTDESK_INDEX_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()


def _threads(clients: int, work: Callable[[int], None]) -> float:
    from django.db import connection

    start = threading.Barrier(clients + 1)

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE funds_approval, funds_disbursement, funds_donation, funds_donor, "
            "funds_entry, funds_transfer, funds_idempotencykey, funds_account CASCADE"
        )


def _approvals(clients: int, per_client: int) -> float:
    from cases.models import Case
    from cases.tests.factories import CaseFactory
    from funds.models import Disbursement
    from funds.services import disbursements as service
    from funds.tests.conftest import give
    from funds.tests.factories import FundFactory
    from supportdesk.accounts.models import User
    from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory

    team = TeamFactory.create()
    volunteer = MembershipFactory.create(team=team).user
    coordinators = [
        MembershipFactory.create(team=team, user__role=User.Role.COORDINATOR).user
        for _ in range(clients)
    ]
    fund = FundFactory.create(team=team)
    give(fund, 10_000_000_000)
    cases = [
        CaseFactory.create(team=team, verification=Case.Verification.VERIFIED)
        for _ in range(clients)
    ]
    queues: list[list[Disbursement]] = [
        [
            service.disbursement_request(
                actor=volunteer,
                case=cases[n],
                fund=fund,
                purpose="food",
                amount=1000,
                justification="Rice",
            )
            for _ in range(per_client)
        ]
        for n in range(clients)
    ]

    def work(n: int) -> None:
        for request in queues[n]:
            approved = service.disbursement_approve(actor=coordinators[n], disbursement=request)
            service.disbursement_pay(actor=volunteer, disbursement=approved, method="cash")

    return _threads(clients, work)


def _plain_inserts(clients: int, count: int) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_plain (id bigserial, v bigint)")
        cursor.execute("TRUNCATE bench_plain")

    def work(n: int) -> None:
        for i in range(count):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_plain (v) VALUES (%s)", [i])

    return _threads(clients, work)


def _check(entries: int) -> tuple[float, float, list[str]]:
    from django.db import connection

    from funds.checks import ledger_problems
    from funds.services import ledger
    from funds.tests.factories import FundFactory

    _empty()
    fund = FundFactory.create()
    donors = ledger.counterpart(team=fund.team_id, currency="MMK", kind="donations")
    transfers = entries // 2
    began = time.perf_counter()
    ids = [uuid.uuid4() for _ in range(transfers)]
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY funds_transfer (id, debit_account_id, credit_account_id, amount, currency, "
            "flag, purpose, created_at) FROM STDIN"
        ) as copy:
            chunk = io.StringIO()
            for transfer_id in ids:
                chunk.write(
                    f"{transfer_id}\t{donors.pk}\t{fund.pk}\t1\tMMK\tposted\tdonation\t"
                    "2026-01-01 00:00:00+00\n"
                )
            copy.write(chunk.getvalue())
        with cursor.copy(
            "COPY funds_entry (transfer_id, account_id, balance, amount) FROM STDIN"
        ) as copy:
            chunk = io.StringIO()
            for transfer_id in ids:
                chunk.write(f"{transfer_id}\t{donors.pk}\tdebits_posted\t1\n")
                chunk.write(f"{transfer_id}\t{fund.pk}\tcredits_posted\t1\n")
            copy.write(chunk.getvalue())
        cursor.execute(
            "UPDATE funds_account SET debits_posted = %s WHERE id = %s", [transfers, donors.pk]
        )
        cursor.execute(
            "UPDATE funds_account SET credits_posted = %s WHERE id = %s", [transfers, fund.pk]
        )
        cursor.execute("ANALYZE funds_entry")
    load = time.perf_counter() - began
    began = time.perf_counter()
    problems = ledger_problems()
    return load, time.perf_counter() - began, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=50)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()

    _environment()
    database_create(fresh=True)  # factories name teams and users from a fresh sequence
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _empty()
    pairs = args.clients * args.per_client
    money = _approvals(args.clients, args.per_client)
    plain = _plain_inserts(args.clients, 2 * args.per_client)  # one insert per approval or payment
    load, check, problems = _check(args.entries)

    print(f"Funds, {args.clients} concurrent clients on one fund")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print()
    print("| what | operations | seconds | per second |")
    print("|---|---:|---:|---:|")
    print(
        f"| approve + pay (one hot fund) | {2 * pairs:,} | {money:.2f} | {2 * pairs / money:,.0f} |"
    )
    print(
        f"| plain one-row INSERT transactions | {2 * pairs:,} | {plain:.2f} | "
        f"{2 * pairs / plain:,.0f} |"
    )
    print(f"| check_ledger over {args.entries:,} entries | 1 | {check:.2f} | (load {load:.1f} s) |")
    print()
    print(
        f"approve + pay cost {plain and money / plain:.1f}x a plain insert; "
        f"ledger check found {len(problems)} problem(s)"
    )
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
