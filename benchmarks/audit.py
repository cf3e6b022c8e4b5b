"""Audit benchmark: throughput of a case-detail-like endpoint with auditing on and off, same run.

    .venv/bin/python -m benchmarks.audit [--requests 400] [--clients 8] [--workers N] [--rounds 16]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sd_bench_audit;
dropped and created anew each run, so its name must start with sd_bench) and Redis for the cache
(REDIS_URL, default db 12).

What runs: gunicorn from this venv on 127.0.0.1 serves two routes of the same DRF view, which
authenticates a bearer token, reads one row scoped to the user (a team the user belongs to, standing
in for `case_get_for_user`) and returns it; `/api/bench/on/...` also calls `audit_record_view` (one
INSERT, committed on its own), `/api/bench/off/...` does not. `--clients` client processes each
send their share of `--requests` requests per phase; phases alternate off/on/on/off... so load
drift hits both alike. A sealer thread runs `audit_seal()` every `--seal-every` seconds throughout
(both phases), as Celery beat would. Prints one table; the median of the per-round on/off ratios is
the figure the issue asks for.

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
from urllib.parse import urlsplit, urlunsplit

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

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if not name.startswith("sd_bench"):
        raise SystemExit(f"Refusing to drop {name}: the bench database's name starts sd_bench.")
    admin_url = urlunsplit(url._replace(path="/postgres", query=""))
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
    parser.add_argument("--requests", type=int, default=400, help="requests per phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) * 2 + 1,
        help="gunicorn sync workers (default as deploy/gunicorn.conf.py: 2 x CPUs + 1)",
    )
    parser.add_argument("--rounds", type=int, default=16, help="off/on pairs")
    parser.add_argument("--seal-every", type=float, default=2.0, help="sealer period, seconds")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    _environment()
    _database_create()
    team_id, token = _setup()
    servers = [_server(args.port, args.workers)]
    targets = {
        "off": (args.port, f"/api/bench/off/{team_id}/"),
        "on": (args.port, f"/api/bench/on/{team_id}/"),
    }
    load_before = os.getloadavg()
    stop, sealed = threading.Event(), []
    sealer = threading.Thread(target=_sealer, args=(stop, args.seal_every, sealed), daemon=True)
    results: dict[str, list[dict]] = {mode: [] for mode in targets}
    try:
        for port, path in targets.values():
            _wait_ready(port, path, token)
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            for port, path in targets.values():  # warm-up: workers, connections, caches
                _phase(pool, port, path, token, args.clients, args.clients * 25)
            sealer.start()
            modes = list(targets)
            for round_ in range(args.rounds):
                # off, on, on, off, ...: load drift from elsewhere on the machine falls on both.
                for mode in modes if round_ % 2 == 0 else reversed(modes):
                    port, path = targets[mode]
                    results[mode].append(
                        _phase(pool, port, path, token, args.clients, args.requests)
                    )
    finally:
        stop.set()
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    if sealer.is_alive():
        sealer.join(timeout=30)
    _report(args, results, sealed, load=(load_before[0], os.getloadavg()[0]))


def _server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "SD_BENCH_AUDIT_SERVER": "1"}
    return subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, loopback only
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "benchmarks.audit:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def _commit_milliseconds() -> float:
    """What one durable commit (the WAL flush) costs on this machine: the wait a view event adds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_durable (x int)")
        started = time.perf_counter()
        for value in range(200):
            cursor.execute("INSERT INTO bench_commit_durable (x) VALUES (%s)", [value])
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_commit_durable")
    return elapsed / 200 * 1000


def _report(
    args: argparse.Namespace,
    results: dict[str, list[dict]],
    sealed: list[int],
    load: tuple[float, float],
) -> None:
    from supportdesk.audit.chain import audit_seal, verify

    audit_seal()
    intact = verify().intact
    baseline = statistics.median(run["rps"] for run in results["off"])
    print(
        f"\nAudit benchmark: {args.clients} clients, gunicorn {args.workers} sync workers, "
        f"{args.rounds} rounds of {args.requests} requests per mode; sealer every "
        f"{args.seal_every} s; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.1f} before and {load[1]:.1f} after"
    )
    header = (
        f"| {'auditing':<8} | {'requests':>8} | {'req/s (median)':>14} | {'min':>6} | "
        f"{'max':>6} | {'vs off':>7} | {'p50 ms':>6} | {'p95 ms':>6} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for mode, runs in results.items():
        median = statistics.median(run["rps"] for run in runs)
        print(
            f"| {mode:<8} | {sum(run['requests'] for run in runs):>8} | {median:>14.1f} | "
            f"{min(run['rps'] for run in runs):>6.1f} | {max(run['rps'] for run in runs):>6.1f} | "
            f"{median / baseline - 1:>+7.1%} | "
            f"{statistics.median(run['p50'] for run in runs):>6.1f} | "
            f"{statistics.median(run['p95'] for run in runs):>6.1f} |"
        )
    pairs = {
        mode: statistics.median(
            on["rps"] / off["rps"] for on, off in zip(runs, results["off"], strict=True)
        )
        for mode, runs in results.items()
        if mode != "off"
    }
    for mode, ratio in pairs.items():
        verdict = "met" if ratio >= 0.9 else "MISSED"
        print(
            f"auditing {mode}: median of per-round ratios {ratio:.1%} of off; "
            f"target >= 90%: {verdict}"
        )
    print(f"events sealed during the run: {sum(sealed)}; chain intact afterwards: {intact}")
    print(f"one durable INSERT + commit on this machine: {_commit_milliseconds():.2f} ms")
    print(
        "per-round req/s, off/on: "
        + "  ".join(
            f"{off['rps']:.0f}/{on['rps']:.0f}"
            for off, on in zip(results["off"], results["on"], strict=True)
        )
    )


if __name__ == "__main__":
    main()
