"""The load process of the whole-request benchmark: 8 concurrent clients (httpx, asyncio) on
loopback, the app and the baseline in turns.

    .venv/bin/python -m benchmarks.load --plan var/bench/load-10000.json --out result.json

The plan (written by benchmarks/run.py) names both servers, their tokens, the ids to use and the
gunicorn master pids (for the workers' RSS). Each round runs one phase per endpoint per server,
the servers' order alternating from round to round (app, baseline, then baseline, app), so load
drift on the machine falls on both. A phase lasts `phase_seconds`; every answer must have the
expected status, or the phase fails. Each answer's `X-Bench-Queries` header
(benchmarks.querycount) gives the statements it took.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ENDPOINTS = ("list", "detail", "intake", "transition", "statistics")
NEXT_STATUS = {"hiding": "in_transit", "in_transit": "hiding"}


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


class Target:
    """One server: how to ask it for each endpoint."""

    def __init__(self, name: str, spec: dict[str, Any], plan: dict[str, Any]) -> None:
        self.name = name
        self.base = spec["url"]
        self.prefix = spec["prefix"]  # /api/v1 for the app, /api for the baseline
        self.headers = {
            "Authorization": spec["authorization"],
            "Host": spec.get("host", "127.0.0.1"),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
        }
        self.master = spec["pid"]
        self.plan = plan
        self.status: dict[str, str] = {}
        self.rng = random.Random(name)
        self.detail_ids = itertools.cycle(plan["detail_ids"])
        self.known = list(plan["known_phones"])
        self.rng.shuffle(self.known)

    def request(self, endpoint: str, client: int) -> tuple[str, str, Any, int]:
        """(method, path, json body, expected status) of the next request."""
        p = self.prefix
        if endpoint == "list":
            return "GET", f"{p}/cases/?status=hiding&page_size=50", None, 200
        if endpoint == "detail":
            return "GET", f"{p}/cases/{next(self.detail_ids)}/", None, 200
        if endpoint == "statistics":
            return "GET", f"{p}/cases/statistics/", None, 200
        if endpoint == "intake":
            # Three in ten repeat a phone already on record (a dedup hit), each one once.
            phone = (
                self.known.pop()
                if self.known and self.rng.random() < 0.3
                else f"+95996{self.rng.randrange(1_000_000, 9_999_999)}"
            )
            body = {
                "team": self.plan["intake_team"],
                "alias": f"Ko Bench {uuid.uuid4().hex[:6]}",
                "service_branch": "army",
                "contact_method": "phone",
                "contacts": [{"kind": "phone", "value": phone}],
                "needs": ["food", "shelter"],
                "notes": "Recorded by the load process.",
            }
            return "POST", f"{p}/cases/", body, 201
        ids = self.plan["transition_ids"][client::8]
        case_id = ids[self.rng.randrange(len(ids))]
        target = NEXT_STATUS[self.status[case_id]]
        self.status[case_id] = target  # the next move from here; this client alone moves it
        return "POST", f"{p}/cases/{case_id}/transition/", {"to_status": target}, 200

    async def learn_statuses(self, http: httpx.AsyncClient) -> None:
        for case_id in self.plan["transition_ids"]:
            answer = await http.get(
                f"{self.base}{self.prefix}/cases/{case_id}/", headers=self.headers
            )
            answer.raise_for_status()
            self.status[case_id] = answer.json()["status"]


async def phase(target: Target, endpoint: str, *, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    queries: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        if endpoint == "transition" and not target.status:
            await target.learn_statuses(http)
        started = time.perf_counter()
        deadline = started + seconds

        async def client(number: int) -> None:
            while time.perf_counter() < deadline:
                method, path, body, expected = target.request(endpoint, number)
                t0 = time.perf_counter()
                answer = await http.request(
                    method, target.base + path, json=body, headers=target.headers
                )
                latencies.append(time.perf_counter() - t0)
                if answer.status_code != expected:
                    raise RuntimeError(
                        f"{target.name} {method} {path}: {answer.status_code} {answer.text[:300]}"
                    )
                queries.append(int(answer.headers.get("X-Bench-Queries", "-1")))

        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[max(int(len(latencies) * 0.95) - 1, 0)] * 1000,
        "queries_min": min(queries),
        "queries_max": max(queries),
        "queries_median": statistics.median(queries),
        "rss_mb": worker_rss_mb(target.master),
    }


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    targets = {name: Target(name, spec, plan) for name, spec in plan["targets"].items()}
    endpoints = plan.get("endpoints", list(ENDPOINTS))
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        e: {name: [] for name in targets} for e in endpoints
    }
    names = list(targets)
    for endpoint in endpoints:  # warm-up: workers, connections, key caches
        for target in targets.values():
            await phase(target, endpoint, clients=plan["clients"], seconds=plan["warmup_seconds"])
    for round_ in range(plan["rounds"]):
        order = names if round_ % 2 == 0 else names[::-1]
        for endpoint in endpoints:
            for name in order:
                results[endpoint][name].append(
                    await phase(
                        targets[name],
                        endpoint,
                        clients=plan["clients"],
                        seconds=plan["phase_seconds"],
                    )
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    plan = json.loads(args.plan.read_text())
    results = asyncio.run(run(plan))
    args.out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
