"""Audit benchmark: throughput of a case-detail-like endpoint with auditing on and off, same run.

    .venv/bin/python -m benchmarks.audit [--requests 1000] [--clients 8] [--workers N] [--rounds 6]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sd_bench_audit; dropped and
created anew each run, so its name must start with sd_bench) and Redis for the cache (REDIS_URL, default db 12).

What runs: gunicorn from this venv on 127.0.0.1 serves two routes of the same DRF view, which
authenticates a bearer token, reads one row scoped to the user (a team the user belongs to, standing
in for `case_get_for_user`) and returns it; `/api/bench/on/...` also calls `audit_record_view` (one
INSERT, committed on its own), `/api/bench/off/...` does
not. `--clients` client processes each send
their share of `--requests` requests per phase; phases alternate off/on/on/off... so drift hits both
alike. A sealer thread runs `audit_seal()` every `--seal-every` seconds throughout (both phases), as
Celery beat would. Prints one table; the on/off ratio is the figure the issue asks for.

The same module is the WSGI entry point gunicorn loads (`benchmarks.audit:application`) and the
URL configuration of the bench routes.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sd_bench_audit"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"


def _environment() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    os.environ.setdefault("CACHE_KEY_PREFIX", "sd-bench-audit")
    os.environ["SUPPORTDESK_ENV"] = "test"  # no production start-up checks, no local key files
    os.environ["ENV_FILE"] = "/nonexistent"
    os.environ["DEBUG"] = "off"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SUPPORTDESK_AUDIT_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")


# --- Served by gunicorn -----------------------------------------------------------------------


def _bench_urlpatterns() -> list[Any]:
    from django.urls import path
    from rest_framework import serializers
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from supportdesk.accounts.selectors import teams_for_user
    from supportdesk.audit.services import audit_record_view

    class Output(serializers.Serializer):
        id = serializers.UUIDField()
        name = serializers.CharField()
        created_at = serializers.DateTimeField()

    class BenchDetailApi(APIView):
        audited = True

        def get(self, request: Request, team_id: str) -> Response:
            team = teams_for_user(user=request.user).get(pk=team_id)
            if self.audited:
                audit_record_view(actor=request.user, obj=team, fields=["name"])
            return Response(Output(team).data)

    return [
        # Under /api/: the middleware accepts bearer tokens there, as for every API route.
        path("api/bench/on/<uuid:team_id>/", BenchDetailApi.as_view(audited=True)),
        path("api/bench/off/<uuid:team_id>/", BenchDetailApi.as_view(audited=False)),
    ]


if os.environ.get("SD_BENCH_AUDIT_SERVER") == "1":
    _environment()
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = __name__
    urlpatterns = _bench_urlpatterns()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()


# --- The driver -------------------------------------------------------------------------------


def _database_create() -> None:
    """A new database each run: the chain key is new each run, and the table starts empty."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    if not name.startswith("sd_bench"):
        raise SystemExit(f"Refusing to drop {name}: the bench database's name starts sd_bench.")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _setup() -> tuple[str, str]:
    """Migrate, and make a user on a team with an API token. Returns (team id, token)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from supportdesk.accounts import services
    from supportdesk.accounts.models import Team, User

    user = User.objects.filter(username="bench").first() or User.objects.create_user(
        "bench", secrets.token_urlsafe(16)
    )
    team, _ = Team.objects.get_or_create(name="Bench team")
    team.memberships.get_or_create(user=user)
    token = services.api_token_issue(user=user).token
    from django.db import connections

    connections.close_all()  # client processes are forked from here: share no connection
    return str(team.pk), token


def _client(args: tuple[int, str, str, int]) -> list[float]:
    port, path, token, count = args
    latencies = []
    headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
    for _ in range(count):
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        latencies.append(time.perf_counter() - started)
    return latencies


def _phase(pool: Any, port: int, path: str, token: str, clients: int, total: int) -> dict:
    share = total // clients
    started = time.perf_counter()
    results = pool.map(_client, [(port, path, token, share)] * clients)
    elapsed = time.perf_counter() - started
    latencies = sorted(value for client in results for value in client)
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def _wait_ready(port: int, path: str, token: str) -> None:
    deadline, last = time.monotonic() + 30, ""
    while time.monotonic() < deadline:
        try:
            _client((port, path, token, 1))
            return
        except (OSError, RuntimeError, http.client.HTTPException) as error:
            last = str(error)
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 30 s ({last})")


def _sealer(stop: threading.Event, every: float, sealed: list[int]) -> None:
    from django.db import connection

    from supportdesk.audit.chain import audit_seal

    while not stop.wait(every):
        sealed.append(audit_seal())
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) * 2 + 1,
        help="gunicorn sync workers (default as deploy/gunicorn.conf.py: 2 x CPUs + 1)",
    )
    parser.add_argument("--rounds", type=int, default=6, help="off/on pairs")
    parser.add_argument("--seal-every", type=float, default=2.0, help="sealer period, seconds")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    _environment()
    _database_create()
    team_id, token = _setup()
    env = {**os.environ, "SD_BENCH_AUDIT_SERVER": "1"}
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, loopback only
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "benchmarks.audit:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    paths = {mode: f"/api/bench/{mode}/{team_id}/" for mode in ("off", "on")}
    stop, sealed = threading.Event(), []
    sealer = threading.Thread(target=_sealer, args=(stop, args.seal_every, sealed), daemon=True)
    try:
        _wait_ready(args.port, paths["on"], token)
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            for mode in ("off", "on"):  # warm-up: connections, caches, JIT-free but still
                _phase(pool, args.port, paths[mode], token, args.clients, args.clients * 25)
            sealer.start()
            results: dict[str, list[dict]] = {"off": [], "on": []}
            for round_ in range(args.rounds):
                order = ("off", "on") if round_ % 2 == 0 else ("on", "off")
                for mode in order:
                    results[mode].append(
                        _phase(pool, args.port, paths[mode], token, args.clients, args.requests)
                    )
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
    if sealer.is_alive():
        sealer.join(timeout=30)
    _report(args, results, sealed)


def _report(args: argparse.Namespace, results: dict[str, list[dict]], sealed: list[int]) -> None:
    from supportdesk.audit.chain import audit_seal, verify

    audit_seal()
    intact = verify().intact
    rows = []
    for mode in ("off", "on"):
        runs = results[mode]
        rows.append(
            (
                f"auditing {mode}",
                sum(run["requests"] for run in runs),
                statistics.median(run["rps"] for run in runs),
                min(run["rps"] for run in runs),
                max(run["rps"] for run in runs),
                statistics.median(run["p50"] for run in runs),
                statistics.median(run["p95"] for run in runs),
            )
        )
    ratio = rows[1][2] / rows[0][2]
    print(
        f"\nAudit benchmark: {args.clients} clients, gunicorn {args.workers} sync workers, "
        f"{args.rounds} rounds of {args.requests} requests per mode; sealer every "
        f"{args.seal_every} s; {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(
        f"{'mode':<14} {'requests':>8} {'req/s median':>13} {'min':>8} {'max':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8}"
    )
    for name, count, median, low, high, p50, p95 in rows:
        print(
            f"{name:<14} {count:>8} {median:>13.1f} {low:>8.1f} {high:>8.1f} {p50:>8.2f} {p95:>8.2f}"
        )
    print(
        f"throughput with auditing on: {ratio:.1%} of off ({ratio - 1:+.1%}); target >= 90%: "
        f"{'met' if ratio >= 0.9 else 'MISSED'}"
    )
    print(f"events sealed during the run: {sum(sealed)}; chain intact afterwards: {intact}")


if __name__ == "__main__":
    main()
