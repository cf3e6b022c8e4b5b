"""Audit benchmark: throughput of the case detail endpoint with auditing on, off, and with
django-auditlog recording the same reads instead, in the same run.

    .venv/bin/python -m benchmarks.audit [--requests 400] [--clients 8] [--workers N] [--rounds 12]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sd_bench_audit;
dropped and created anew each run, so its name must start with sd_bench) and Redis for the cache
(REDIS_URL, default db 12).

What runs: three gunicorn servers from this venv on 127.0.0.1, one per mode, each serving the
project's own URLs over the same database:

- `on`: the project as shipped. `GET /api/v1/cases/<id>/` records its `case.view` event (one
  INSERT, committed durably).
- `off`: the same code with the case API's `audit_record_view` replaced by a no-op.
- `django-auditlog`: the same code with that call replaced by django-auditlog's access logging
  (`accessed.send(...)` for the case, which `auditlog.register(Case)` turns into one `LogEntry`
  with action ACCESS, actor and client address set by `set_actor`), the way its
  `LogAccessMixin` records a detail view.

Two endpoints are measured: the real case detail (bearer token, the case with its contacts,
family members, flags, needs and CDM requests, every personal field decrypted and serialized) and
a minimal one (bearer token, one row read scoped to the user, three fields) that shows what one
audit event costs when the request around it does almost nothing.

`--clients` client processes each send their share of `--requests` requests per phase; within a
round the modes take turns in an order that rotates from round to round, so load drift on the
machine falls on all alike. A sealer thread runs `audit_seal()` every `--seal-every` seconds
throughout, as Celery beat would. The median of the per-round ratios against `off` is the figure
the issue asks for.

The same module is the WSGI entry point gunicorn loads (`benchmarks.audit:application`) and the
URL configuration of the servers.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from benchmarks.database import database_create

if TYPE_CHECKING:
    from django.db.models import Model

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sd_bench_audit"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
MODES = ("off", "on", "django-auditlog")


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
    if not os.environ.get("SUPPORTDESK_KEYS"):  # new each run, shared by the servers it starts
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        os.environ["SUPPORTDESK_KEYS"] = json.dumps({"active": "bench", "keys": {"bench": key}})
        os.environ["SUPPORTDESK_INDEX_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()


def _django_setup() -> None:
    """Django with django-auditlog installed too, in every mode, so that all three servers and
    the set-up share one schema; only the `django-auditlog` mode records anything with it."""
    import django
    from django.conf import settings

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "auditlog"]
    django.setup()


# --- Served by gunicorn -----------------------------------------------------------------------


class RecordView(Protocol):
    """`audit_record_view` as the case API calls it: what it returns is never used."""

    def __call__(
        self,
        *,
        actor: Model | None,
        obj: Model,
        fields: Iterable[str],
        action: str | None = None,
    ) -> object: ...


def _auditlog_record_view(
    *,
    actor: Model | None,
    obj: Model,
    fields: Iterable[str],
    action: str | None = None,
) -> None:
    """django-auditlog's access logging in place of `audit_record_view`: one `LogEntry` for the
    object; `fields` and `action` have no place in it."""
    from auditlog.context import set_actor
    from auditlog.signals import accessed

    from supportdesk.request_context import current_ip

    with set_actor(actor, remote_addr=current_ip()):
        accessed.send(sender=type(obj), instance=obj)


def _mode_apply(mode: str) -> None:
    """Swap the case API's view recording for this server's mode."""
    from auditlog.registry import auditlog

    from cases import api as cases_api
    from cases.models import Case
    from supportdesk.accounts.models import Team

    def swap(replacement: RecordView) -> None:
        # The module attribute's declared type is audit_record_view's, which returns the event;
        # the case API never uses that, so a recorder returning None stands in for it.
        setattr(cases_api, "audit_record_view", replacement)  # noqa: B010 - see above

    if mode == "off":
        swap(lambda **_: None)
    elif mode == "django-auditlog":
        for model in (Case, Team):
            auditlog.register(model)
        swap(_auditlog_record_view)


def _bench_urlpatterns(mode: str) -> list[Any]:
    from django.urls import include, path
    from rest_framework import serializers
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from supportdesk.accounts.selectors import teams_for_user
    from supportdesk.api.authentication import AuthenticatedApiRequest
    from supportdesk.audit.services import audit_record_view

    records: dict[str, RecordView] = {
        "on": audit_record_view,
        "django-auditlog": _auditlog_record_view,
    }
    record = records.get(mode)

    class Output(serializers.Serializer):
        id = serializers.UUIDField()
        name = serializers.CharField()
        created_at = serializers.DateTimeField()

    class MinimalDetailApi(APIView):
        def get(self, request: AuthenticatedApiRequest, team_id: str) -> Response:
            team = teams_for_user(user=request.user).get(pk=team_id)
            if record is not None:
                record(actor=request.user, obj=team, fields=["name"])
            return Response(Output(team).data)

    return [
        # Under /api/: the middleware accepts bearer tokens there, as for every API route.
        path("api/bench/minimal/<uuid:team_id>/", MinimalDetailApi.as_view()),
        path("", include("supportdesk.urls")),
    ]


if os.environ.get("SD_BENCH_AUDIT_MODE") in MODES:
    _environment()
    _django_setup()
    from django.conf import settings

    _MODE = os.environ["SD_BENCH_AUDIT_MODE"]
    _mode_apply(_MODE)
    settings.ROOT_URLCONF = __name__
    urlpatterns = _bench_urlpatterns(_MODE)
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()


# --- The driver -------------------------------------------------------------------------------


def _setup() -> tuple[dict[str, str], str]:
    """Migrate; make a volunteer on a team with an API token and one case as intake records it,
    with two contacts and two relatives (one flagged). Returns ({endpoint: path}, token)."""
    import datetime

    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from cases.models import Case, ContactChannel, FamilyMember, SecurityFlag, ServiceBranch
    from cases.services import family, intake
    from supportdesk.accounts import services
    from supportdesk.accounts.models import Team, User

    user = User.objects.create_user("bench", secrets.token_urlsafe(16))
    team = Team.objects.create(name="Bench team")
    team.memberships.create(user=user)
    token = services.api_token_issue(user=user).token
    today = datetime.date.today()
    case = intake.case_create(
        actor=user,
        team=team,
        alias="Ko Zaw (bench)",
        service_branch=ServiceBranch.ARMY,
        contact_method=Case.ContactMethod.MESSAGING_APP,
        contacts=[
            intake.ContactInput(kind=ContactChannel.Kind.SIGNAL, value="09 420 123 456"),
            intake.ContactInput(kind=ContactChannel.Kind.TELEGRAM, value="@zaw_bench"),
        ],
        needs=["food", "medical", "shelter"],
        languages=["my", "en"],
        date_left=today - datetime.timedelta(days=20),
        real_name="ဇော်မင်းထွန်း",
        rank="Sergeant",
        unit="LIB 123",
        service_number="BA-123456",
        current_area="Near the border crossing, east side",
        medical_notes="Leg wound, healing; needs antibiotics.",
        notes="Left the unit with two others in March. Wife and son still in the compound. " * 3,
    )
    relatives = [
        family.family_member_create(
            actor=user,
            case=case,
            relation=relation,
            name=name,
            location="Hpa-An, ward 4",
            phone="09 420 555 0" + str(n),
            in_military_compound=True,
        )
        for n, (relation, name) in enumerate(
            [(FamilyMember.Relation.SPOUSE, "Daw Hla"), (FamilyMember.Relation.CHILD, "Maung Aye")]
        )
    ]
    family.security_flag_add(
        actor=user,
        member=relatives[0],
        kind=SecurityFlag.Kind.SURVEILLANCE,
        severity=2,
        observed_on=today,
        review_on=today + datetime.timedelta(days=14),
    )
    from django.db import connections

    connections.close_all()  # client processes are forked from here: share no connection
    paths = {
        "case detail": f"/api/v1/cases/{case.pk}/",
        "minimal": f"/api/bench/minimal/{team.pk}/",
    }
    return paths, token


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
    deadline, last = time.monotonic() + 60, ""
    while time.monotonic() < deadline:
        try:
            _client((port, path, token, 1))
            return
        except (OSError, RuntimeError, http.client.HTTPException) as error:
            last = str(error)
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 60 s ({last})")


def _sealer(stop: threading.Event, every: float, sealed: list[int]) -> None:
    from django.db import connection

    from supportdesk.audit.chain import audit_seal

    while not stop.wait(every):
        sealed.append(audit_seal())
    connection.close()


def _server(mode: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "SD_BENCH_AUDIT_MODE": mode}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) * 2 + 1,
        help="gunicorn sync workers per server (default as deploy/gunicorn.conf.py: 2 x CPUs + 1)",
    )
    parser.add_argument("--rounds", type=int, default=12, help="rounds of one phase per mode")
    parser.add_argument("--seal-every", type=float, default=2.0, help="sealer period, seconds")
    parser.add_argument("--port", type=int, default=8765, help="first of three ports")
    parser.add_argument("--endpoint", choices=("case detail", "minimal", "both"), default="both")
    args = parser.parse_args()

    _environment()
    database_create(fresh=True)
    _django_setup()
    paths, token = _setup()
    endpoints = list(paths) if args.endpoint == "both" else [args.endpoint]
    ports = {mode: args.port + n for n, mode in enumerate(MODES)}
    servers = [_server(mode, port, args.workers) for mode, port in ports.items()]
    load_before = os.getloadavg()
    stop = threading.Event()
    sealed: list[int] = []
    sealer = threading.Thread(target=_sealer, args=(stop, args.seal_every, sealed), daemon=True)
    results: dict[str, dict[str, list[dict]]] = {
        endpoint: {mode: [] for mode in MODES} for endpoint in endpoints
    }
    try:
        for endpoint in endpoints:
            for port in ports.values():
                _wait_ready(port, paths[endpoint], token)
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            for endpoint in endpoints:  # warm-up: workers, connections, caches
                for port in ports.values():
                    _phase(pool, port, paths[endpoint], token, args.clients, args.clients * 25)
            sealer.start()
            for endpoint in endpoints:
                for round_ in range(args.rounds):
                    # The order rotates (off on auditlog, on auditlog off, ...): load drift from
                    # elsewhere on the machine falls on every mode alike.
                    shift = round_ % len(MODES)
                    for mode in MODES[shift:] + MODES[:shift]:
                        results[endpoint][mode].append(
                            _phase(
                                pool,
                                ports[mode],
                                paths[endpoint],
                                token,
                                args.clients,
                                args.requests,
                            )
                        )
    finally:
        stop.set()
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    if sealer.is_alive():
        sealer.join(timeout=30)
    _report(args, results, sealed, load=(load_before[0], os.getloadavg()[0]))


def _commit_milliseconds() -> float:
    """What one durable commit (the WAL flush) costs on this machine."""
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
    results: dict[str, dict[str, list[dict]]],
    sealed: list[int],
    load: tuple[float, float],
) -> None:
    from auditlog.models import LogEntry

    from supportdesk.audit.chain import audit_seal, verify
    from supportdesk.audit.models import AuditEvent

    audit_seal()
    intact = verify().intact
    print(
        f"\nAudit benchmark: {args.clients} clients, gunicorn {args.workers} sync workers per "
        f"mode, {args.rounds} rounds of {args.requests} requests per mode; sealer every "
        f"{args.seal_every} s; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.1f} before and {load[1]:.1f} after"
    )
    header = (
        f"| {'endpoint':<11} | {'auditing':<15} | {'requests':>8} | {'req/s (median)':>14} | "
        f"{'min':>6} | {'max':>6} | {'p50 ms':>6} | {'p95 ms':>6} | {'per-round vs off':>16} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    verdicts = []
    for endpoint, modes in results.items():
        for mode, runs in modes.items():
            ratio = statistics.median(
                run["rps"] / off["rps"] for run, off in zip(runs, modes["off"], strict=True)
            )
            print(
                f"| {endpoint:<11} | {mode:<15} | {sum(run['requests'] for run in runs):>8} | "
                f"{statistics.median(run['rps'] for run in runs):>14.1f} | "
                f"{min(run['rps'] for run in runs):>6.1f} | "
                f"{max(run['rps'] for run in runs):>6.1f} | "
                f"{statistics.median(run['p50'] for run in runs):>6.1f} | "
                f"{statistics.median(run['p95'] for run in runs):>6.1f} | "
                f"{ratio:>16.1%} |"
            )
            if mode != "off":
                verdicts.append((endpoint, mode, ratio))
    for endpoint, mode, ratio in verdicts:
        line = f"{endpoint}, {mode}: median of per-round ratios {ratio:.1%} of off"
        if endpoint == "case detail" and mode == "on":
            line += f"; target >= 90%: {'met' if ratio >= 0.9 else 'MISSED'}"
        print(line)
    print(
        f"supportdesk events: {AuditEvent.objects.count()} (sealed during the run: "
        f"{sum(sealed)}; chain intact afterwards: {intact}); django-auditlog entries: "
        f"{LogEntry.objects.count()}"
    )
    print(f"one durable INSERT + commit on this machine: {_commit_milliseconds():.2f} ms")
    for endpoint, modes in results.items():
        print(
            f"per-round req/s, {endpoint}, {' / '.join(MODES)}: "
            + "  ".join(
                "/".join(f"{modes[mode][n]['rps']:.0f}" for mode in MODES)
                for n in range(len(modes["off"]))
            )
        )


if __name__ == "__main__":
    main()
