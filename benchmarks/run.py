"""Every benchmark from one command: `make bench` (or `make bench-quick`).

    .venv/bin/python -m benchmarks.run [--quick] [--sizes 10000,100000,1000000]
                                       [--only http|components]

Two parts, each bounded in time:

1. **Whole requests** at each size in `--sizes`: seeds `sd_bench_<size>` (benchmarks/seed.py;
   kept and reused while `var/bench/seed-<size>.json` matches it, `--reseed` to start over) and
   the baseline's `sd_bench_base_<size>` on the same PostgreSQL server; starts the app as
   deployed (gunicorn with deploy/gunicorn.conf.py, production settings from an env file in
   var/bench/, as tests/production_stack.py does) and the baseline (benchmarks/baseline, same
   gunicorn config); runs the load process (benchmarks/load.py: 8 clients, phases in turns) over
   the case list, detail, intake, a status transition and statistics.
2. **Components**: the existing benchmarks as they are (vault with its blind-index lookup at
   `--index-rows`, audit, follow-ups with the sweep among 1,000,000 rows, Merkle proofs, funds,
   relocation), each a subprocess with a timeout; their tables are kept verbatim.

Writes var/bench/results.json, regenerates the block between `<!-- bench:begin -->` and
`<!-- bench:end -->` in docs/benchmarks.md and draws docs/bench-latency.png.

PostgreSQL: DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432), as the superuser;
Redis: REDIS_URL (default db 8).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "benchmarks.md"
CHART = ROOT / "docs" / "bench-latency.png"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
HOST = "desk.bench"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"

# name, module, arguments in a full run, in a quick run, timeout (s)
COMPONENTS: list[tuple[str, str, list[str], list[str], int]] = [
    (
        "vault",
        "benchmarks.vault",
        ["--index-rows", "1000000"],
        ["--index-rows", "20000", "--small-rows", "2000", "--load-rows", "2000"],
        1500,
    ),
    (
        "audit",
        "benchmarks.audit",
        ["--rounds", "6"],
        ["--rounds", "2", "--requests", "160", "--endpoint", "case detail"],
        900,
    ),
    ("followups", "benchmarks.followups", [], ["--total", "20000", "--due", "2000"], 900),
    (
        "merkle",
        "benchmarks.merkle",
        ["--skip-check"],
        [
            "--seal-events",
            "2000",
            "--rounds",
            "2",
            "--proof-events",
            "20000",
            "--proofs",
            "50",
            "--skip-check",
        ],
        900,
    ),
    ("funds", "benchmarks.funds", [], ["--per-client", "5", "--entries", "20000"], 900),
    (
        "relocation",
        "benchmarks.relocation",
        [],
        ["--total", "20000", "--due", "2000", "--small", "10000", "--runs", "1"],
        1200,
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_url(name: str) -> str:
    base = urlsplit(os.environ.get("BENCH_SERVER_URL", DEFAULT_SERVER))
    return urlunsplit(base._replace(path=f"/{name}", query=""))


def psql(sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        cursor = conn.execute(sql.encode())
        return cursor.fetchall() if cursor.description else []


def database_exists(name: str) -> bool:
    assert re.fullmatch(r"sd_bench\w*", name), name
    # The name is checked against sd_bench\w* above: no quote can reach the statement.
    return bool(psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))  # noqa: S608  # nosec B608


def database_fresh(name: str) -> None:
    assert name.startswith("sd_bench"), name
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')


# --- the installation: keys and an env file, as deploy/env.example ---------------------------


def base_environment() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
    return {k: os.environ[k] for k in keep if k in os.environ} | {"ENV_FILE": "/nonexistent"}


def install() -> Path:
    """Keys (kept between runs: the seeded databases are sealed under them) and the env file."""
    VAR.mkdir(parents=True, exist_ok=True)
    keys = VAR / "keys"
    env_test = base_environment() | {"SUPPORTDESK_ENV": "test"}
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "generate_keys", "--write", str(keys), "--keep-existing"],
        cwd=ROOT,
        env=env_test,
        check=True,
        capture_output=True,
        timeout=120,
    )
    audit_key = VAR / "audit.key"
    if not audit_key.exists():
        audit_key.write_text(secrets.token_urlsafe(48))
        audit_key.chmod(0o600)
    signing = VAR / "audit-signing.key"
    if not signing.exists():
        subprocess.run(  # noqa: S603 - our own module
            [
                sys.executable,
                "-m",
                "supportdesk.audit.signer",
                "generate-key",
                "--name",
                f"{HOST}/audit",
                str(signing),
            ],
            cwd=ROOT,
            env=env_test,
            check=True,
            capture_output=True,
            timeout=60,
        )
    (VAR / "static").mkdir(exist_ok=True)
    secret = VAR / "secret"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(50))
        secret.chmod(0o600)
    values = {
        "SUPPORTDESK_ENV": "production",
        "SECRET_KEY": secret.read_text().strip(),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SUPPORTDESK_BASE_URL": f"https://{HOST}",
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS),
        "CACHE_KEY_PREFIX": "sd-bench",
        "SUPPORTDESK_KEYS_FILE": str(keys / "keyring.json"),
        "SUPPORTDESK_INDEX_KEY_FILE": str(keys / "index.key"),
        "SUPPORTDESK_AUDIT_KEY_FILE": str(audit_key),
        "SUPPORTDESK_BACKUP_KEY_FILE": str(keys / "backup.json"),
        "BACKUP_DIR": str(VAR / "backups"),
        "AUDIT_SIGNING_KEY_FILE": str(signing),
        "AUDIT_SIGNER_STATE_FILE": str(VAR / "audit-signer-state.json"),
        "STATIC_ROOT": str(VAR / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    env_file = VAR / "env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env_file.chmod(0o600)
    return env_file


def app_environment(env_file: Path, database: str) -> dict[str, str]:
    # The database is the one setting that differs per size: given here, it wins over the file.
    return base_environment() | {"ENV_FILE": str(env_file), "DATABASE_URL": server_url(database)}


def baseline_environment(database: str) -> dict[str, str]:
    return base_environment() | {
        "DJANGO_SETTINGS_MODULE": "benchmarks.baseline.settings",
        "BASELINE_DATABASE_URL": server_url(database),
    }


# --- seeding ------------------------------------------------------------------------------------


def seeded(env_file: Path, size: int, *, reseed: bool) -> dict[str, Any]:
    """The seed file of `size`, seeding both databases first unless a matching seed is kept."""
    app_db, base_db = f"sd_bench_{size}", f"sd_bench_base_{size}"
    info_file = VAR / f"seed-{size}.json"
    if not reseed and info_file.exists() and database_exists(app_db) and database_exists(base_db):
        info = json.loads(info_file.read_text())
        if info.get("cases") == size and info.get("baseline_token"):
            info["reused"] = True
            return info
    database_fresh(app_db)
    database_fresh(base_db)
    base_env = baseline_environment(base_db)
    django_admin = [sys.executable, "-m", "django"]
    subprocess.run(  # noqa: S603 - Django's own command
        [*django_admin, "migrate", "--run-syncdb", "-v", "0"],
        cwd=ROOT,
        env=base_env,
        check=True,
        timeout=300,
    )
    token = (
        subprocess.run(  # noqa: S603 - Django's own command
            [
                *django_admin,
                "shell",
                "-c",
                "from django.contrib.auth.models import User; "
                "from rest_framework.authtoken.models import Token; "
                "print(Token.objects.create(user=User.objects.create_user('bench')).key)",
            ],
            cwd=ROOT,
            env=base_env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own module
        [
            sys.executable,
            "-m",
            "benchmarks.seed",
            "--cases",
            str(size),
            "--baseline-url",
            server_url(base_db),
            "--out",
            str(info_file),
        ],
        cwd=ROOT,
        env=app_environment(env_file, app_db),
        check=True,
        timeout=4 * 3600,
    )
    info = json.loads(info_file.read_text())
    info["baseline_token"] = token
    info["wall_seconds"] = round(time.perf_counter() - started, 1)
    info["reused"] = False
    info_file.write_text(json.dumps(info))
    return info


# --- servers ------------------------------------------------------------------------------------


def gunicorn(name: str, app: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    log = (VAR / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, loopback only
        [
            str(BIN / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(url: str, headers: dict[str, str], process: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped; see {VAR}/*.log")
        try:
            if httpx.get(url, headers=headers, timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within 90 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def bench_size(env_file: Path, size: int, args: argparse.Namespace) -> dict[str, Any]:
    info = seeded(env_file, size, reseed=args.reseed)
    print(
        f"[{size:,} cases] "
        + ("seed kept from an earlier run" if info["reused"] else f"seeded in {info['seconds']} s"),
        flush=True,
    )
    app_port, base_port = free_port(), free_port()
    app = gunicorn(
        "app",
        "benchmarks.app_wsgi:application",
        app_environment(env_file, f"sd_bench_{size}"),
        app_port,
    )
    base = gunicorn(
        "baseline",
        "benchmarks.baseline.wsgi:application",
        baseline_environment(f"sd_bench_base_{size}"),
        base_port,
    )
    targets: dict[str, dict[str, Any]] = {
        "app": {
            "url": f"http://127.0.0.1:{app_port}",
            "prefix": "/api/v1",
            "host": HOST,
            "authorization": f"Bearer {info['token']}",
            "pid": app.pid,
        },
        "baseline": {
            "url": f"http://127.0.0.1:{base_port}",
            "prefix": "/api",
            "authorization": f"Token {info['baseline_token']}",
            "pid": base.pid,
        },
    }
    try:
        for name, spec in targets.items():
            headers = {
                "Authorization": spec["authorization"],
                "Host": spec.get("host", "x"),
                "X-Forwarded-Proto": "https",
            }
            wait_ready(
                f"{spec['url']}{spec['prefix']}/cases/statistics/",
                headers,
                app if name == "app" else base,
            )
        plan = {
            "targets": targets,
            "clients": 8,
            "rounds": 2 if args.quick else 4,
            "phase_seconds": 3.0 if args.quick else 6.0,
            "warmup_seconds": 1.0 if args.quick else 3.0,
            "detail_ids": info["detail_ids"],
            "transition_ids": info["transition_ids"][:200],
            "known_phones": info["known_phones"],
            "intake_team": info["intake_team"],
        }
        plan_file = VAR / f"load-{size}.json"
        plan_file.write_text(json.dumps(plan))
        plan_file.chmod(0o600)
        out = VAR / f"load-{size}-result.json"
        load_before = os.getloadavg()[0]
        subprocess.run(  # noqa: S603 - our own module, a process of its own
            [sys.executable, "-m", "benchmarks.load", "--plan", str(plan_file), "--out", str(out)],
            cwd=ROOT,
            env=base_environment(),
            check=True,
            timeout=1800,
        )
        phases = json.loads(out.read_text())
    finally:
        stop(app)
        stop(base)
    return {
        "cases": size,
        "seed_seconds": info["seconds"],
        "seed_reused": info["reused"],
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "phases": phases,
        "plan": {"rounds": plan["rounds"], "phase_seconds": plan["phase_seconds"]},
        "summary": summarise(phases),
    }


def summarise(phases: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for endpoint, by_target in phases.items():
        row: dict[str, Any] = {}
        for target, runs in by_target.items():
            rss = [mb for run in runs for mb in run["rss_mb"]]
            row[target] = {
                "requests": sum(run["requests"] for run in runs),
                "rps": statistics.median(run["rps"] for run in runs),
                "p50": statistics.median(run["p50"] for run in runs),
                "p95": statistics.median(run["p95"] for run in runs),
                "queries_min": min(run["queries_min"] for run in runs),
                "queries_max": max(run["queries_max"] for run in runs),
                "queries": statistics.median(run["queries_median"] for run in runs),
                "rss_mb": statistics.median(rss) if rss else None,
            }
        if "baseline" in by_target:
            row["ratio"] = statistics.median(
                a["rps"] / b["rps"]
                for a, b in zip(by_target["app"], by_target["baseline"], strict=True)
            )
        out[endpoint] = row
    return out


# --- the existing benchmarks ------------------------------------------------------------------


def components(quick: bool, only: set[str] | None) -> list[dict[str, Any]]:
    results = []
    env = base_environment() | {"REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS)}
    for name, module, full, short, timeout in COMPONENTS:
        if only and name not in only:
            continue
        argv = [sys.executable, "-m", module, *(short if quick else full)]
        print(f"[{name}] {' '.join(argv[1:])}", flush=True)
        started = time.perf_counter()
        try:
            done = subprocess.run(  # noqa: S603 - our own modules
                argv,
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            output, code = done.stdout, done.returncode
            if code:
                output += "\n" + done.stderr[-3000:]
        except subprocess.TimeoutExpired as expired:
            out = expired.stdout
            output = (out.decode() if isinstance(out, bytes) else out or "") + (
                f"\nstopped after {timeout} s"
            )
            code = -1
        results.append(
            {
                "name": name,
                "command": "python -m " + " ".join(argv[2:]),
                "returncode": code,
                "seconds": round(time.perf_counter() - started, 1),
                "output": output.strip(),
            }
        )
        print(
            f"[{name}] {'done' if code == 0 else 'FAILED'} in {results[-1]['seconds']} s",
            flush=True,
        )
    return results


# --- reporting ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    version = psql("SHOW server_version")[0][0]
    buffers = psql("SHOW shared_buffers")[0][0]
    return {
        "cpus": os.cpu_count(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "postgresql": version,
        "shared_buffers": buffers,
        "kernel": platform.release(),
    }


LABELS = {
    "list": "case list (50, status filter, riskiest first)",
    "detail": "case detail",
    "intake": "intake (write, dedup)",
    "transition": "status transition",
    "statistics": "statistics",
}


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        BEGIN,
        "",
        f"*Generated by `make bench{' ARGS=--quick' if results['quick'] else ''}` on "
        f"{results['date']}: {m['cpus']} CPUs ({m['arch']}), Python {m['python']}, "
        f"PostgreSQL {m['postgresql']} (`shared_buffers` {m['shared_buffers']}), "
        f"{mode(results)}. "
        "The machine is shared: compare the ratios within a run, not absolute figures across "
        "runs.*",
        "",
    ]
    sizes = results["sizes"]
    if sizes:
        lines += [
            "### Whole requests: the app against the plain DRF baseline",
            "",
            "8 clients; phases of each endpoint alternate between the two servers "
            "(app, baseline, then baseline, app); req/s and latencies are the medians of the "
            "phases; *ratio* the median of the per-round throughput ratios app / baseline; "
            "*queries* the SQL statements of a typical request (the range in brackets when "
            "some took more, e.g. when a worker's cached data keys or statistics expired); RSS "
            "the median per worker.",
            "",
        ]
        for size in sizes:
            when = f" (run {size['date']})" if size.get("date") else ""
            kept = ", seed kept from an earlier run" if size["seed_reused"] else ""
            if size.get("plan"):
                kept += (
                    f"; {size['plan']['rounds']} rounds of {size['plan']['phase_seconds']:g} s "
                    "phases"
                )
            lines += [
                f"**{size['cases']:,} cases**{when}: load average {size['load_before']:.1f} at "
                f"the start, {size['load_after']:.1f} at the end; seeded in "
                f"{size['seed_seconds']} s{kept}",
                "",
                "| endpoint | app req/s | baseline req/s | ratio | app p50 / p95 ms | "
                "baseline p50 / p95 ms | app queries | baseline queries | app / baseline RSS MB |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            for endpoint, row in size["summary"].items():
                a, b = row["app"], row["baseline"]
                lines.append(
                    f"| {LABELS.get(endpoint, endpoint)} | {a['rps']:.0f} | {b['rps']:.0f} | "
                    f"{row['ratio']:.2f}x | {a['p50']:.1f} / {a['p95']:.1f} | "
                    f"{b['p50']:.1f} / {b['p95']:.1f} | {queries(a)} | {queries(b)} | "
                    f"{a['rss_mb'] or 0:.0f} / {b['rss_mb'] or 0:.0f} |"
                )
            lines.append("")
        lines += targets_text(results)
        if CHART.exists():
            lines += ["", f"![p50 latency against the number of cases]({CHART.name})", ""]
    for part in results["components"]:
        lines += [
            f"### {part['name'].capitalize()}: `{part['command']}`",
            "",
            f"{'exit status ' + str(part['returncode']) + ', ' if part['returncode'] else ''}"
            f"{part['seconds']:.0f} s{', run ' + part['date'] if part.get('date') else ''}",
            "",
            "```",
            trim(part["output"]),
            "```",
            "",
        ]
    lines.append(END)
    return "\n".join(lines)


def mode(results: dict[str, Any]) -> str:
    if results.get("partial"):
        return "put together from runs of parts (`--only`): each part gives its date and command"
    return f"{'quick mode' if results['quick'] else 'full run'}, took {results['seconds']:.0f} s"


def queries(row: dict[str, Any]) -> str:
    """The typical count, with the range when some requests took more or fewer."""
    typical = f"{row['queries']:g}"
    if row["queries_min"] == row["queries_max"]:
        return typical
    return f"{typical} ({row['queries_min']}-{row['queries_max']})"


def trim(output: str, keep: int = 60) -> str:
    """The benchmark's own table: the last `keep` lines, without progress chatter."""
    wanted = [line for line in output.splitlines() if line.strip()]
    return "\n".join(wanted[-keep:])


def targets_text(results: dict[str, Any]) -> list[str]:
    sizes = {s["cases"]: s["summary"] for s in results["sizes"]}
    lines = ["Targets in this run:", ""]
    for size, summary in sizes.items():
        for endpoint in ("list", "detail"):
            if endpoint in summary:
                ratio = summary[endpoint]["ratio"]
                verdict = "met" if ratio >= 0.8 else "MISSED"
                lines.append(
                    f"- {size:,} cases, {endpoint}: throughput {ratio:.2f}x the baseline "
                    f"(target 0.8x or more): {verdict}"
                )
        typical = ", ".join(
            f"{endpoint} {queries(row['app'])}" for endpoint, row in summary.items()
        )
        lines.append(f"- {size:,} cases, SQL statements per request: {typical}")
    lines.append(
        "- The same statements for a page of 5 cases or of 50, and for page 1 or page 2: "
        "checked by cases/tests (test_api.py, test_api_pagination.py). A request here takes one "
        "more when its worker's cached data keys (60 s) or cached statistics (300 s) expired, "
        "or when the token's last use is written; intake more when the duplicate check finds "
        "a match."
    )
    ordered = sorted(sizes)
    if len(ordered) > 1:
        small = ordered[0]
        for size in ordered[1:]:
            limit = 1.2 if size <= 10 * small else 1.5
            for endpoint in ("list", "detail"):
                if endpoint in sizes[size] and endpoint in sizes[small]:
                    growth = (
                        sizes[size][endpoint]["app"]["p50"] / sizes[small][endpoint]["app"]["p50"]
                    )
                    base = (
                        sizes[size][endpoint]["baseline"]["p50"]
                        / sizes[small][endpoint]["baseline"]["p50"]
                    )
                    lines.append(
                        f"- {endpoint} p50 at {size:,} / at {small:,}: {growth:.2f}x "
                        f"(target within {limit}x): {'met' if growth <= limit else 'MISSED'}; "
                        f"the baseline's {base:.2f}x (the sizes run minutes apart: machine "
                        "load moves both)"
                    )
    return lines


def chart(results: dict[str, Any]) -> None:
    if len(results["sizes"]) < 1:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results["sizes"], key=lambda s: s["cases"])
    xs = [s["cases"] for s in sizes]
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=110)
    for number, endpoint in enumerate(sizes[0]["summary"]):
        for target, style in (("app", "-o"), ("baseline", "--x")):
            ys = [s["summary"][endpoint][target]["p50"] for s in sizes]
            ax.plot(xs, ys, style, color=f"C{number}", label=f"{endpoint} ({target})")
    ax.set_xscale("log")
    ax.set_yscale("log")  # the baseline's counting grows a hundredfold; the app's lines stay low
    ax.set_xlabel("cases in the database")
    ax.set_ylabel("p50 latency, ms (8 clients)")
    ax.set_title(
        f"supportdesk (solid) against a plain DRF baseline (dashed), {results['date'][:10]}"
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(CHART)
    plt.close(fig)


def write_doc(results: dict[str, Any]) -> None:
    text = DOC.read_text()
    block = markdown(results)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## Latest run of `make bench`\n\n" + block + "\n"
    DOC.write_text(text)


def merged(results: dict[str, Any], only: set[str] | None) -> dict[str, Any]:
    """With `--only`, the parts not run this time are kept from the last results.json (each
    part says when it ran), so a partial run does not drop the others' figures."""
    previous_file = VAR / "results.json"
    if only is None or not previous_file.exists():
        return results
    previous = json.loads(previous_file.read_text())
    for size in results["sizes"]:
        size["date"] = results["date"]
    for part in results["components"]:
        part["date"] = results["date"]
    if "http" not in only:
        results["sizes"] = previous.get("sizes", [])
    else:
        fresh = {s["cases"] for s in results["sizes"]}
        results["sizes"] += [s for s in previous.get("sizes", []) if s["cases"] not in fresh]
        results["sizes"].sort(key=lambda s: s["cases"])
    ran = {part["name"] for part in results["components"]}
    kept = [p for p in previous.get("components", []) if p["name"] not in ran]
    order = [name for name, *_rest in COMPONENTS]
    results["components"] = sorted(
        results["components"] + kept, key=lambda p: order.index(p["name"])
    )
    results["partial"] = True
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and short phases")
    parser.add_argument("--sizes", default=None, help="cases per size, e.g. 10000,100000")
    parser.add_argument("--only", default=None, help="http, or component names (vault,audit,...)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if kept")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/")
    args = parser.parse_args()
    started = time.perf_counter()
    sizes = [
        int(s)
        for s in (args.sizes or ("10000" if args.quick else "10000,100000,1000000")).split(",")
    ]
    only = set(args.only.split(",")) if args.only else None
    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "machine": machine(),
        "sizes": [],
        "components": [],
    }
    if only is None or "http" in only:
        env_file = install()
        for size in sizes:
            results["sizes"].append(bench_size(env_file, size, args))
            print(json.dumps(results["sizes"][-1]["summary"], indent=1), flush=True)
    results["components"] = (
        components(args.quick, only - {"http"} if only else None)
        if (only is None or only - {"http"})
        else []
    )
    results["seconds"] = time.perf_counter() - started
    VAR.mkdir(parents=True, exist_ok=True)
    results = merged(results, only)
    (VAR / "results.json").write_text(json.dumps(results, indent=1))
    if not args.no_docs:
        chart(results)
        write_doc(results)
    print(markdown(results))


if __name__ == "__main__":
    main()
