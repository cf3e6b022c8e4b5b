"""Private services to break: a Redis server and a PostgreSQL cluster of the test's own, on free
ports, started, stopped and restarted at will (the shared 5432 and 6379 are never touched), and
the production stack of tests/production_stack.py pointed at them."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import environ

from supportdesk.operations.pg import Database
from tests.production_stack import Stack, free_port, server, wait_for

PG_BIN = Path("/usr/local/bin")


@dataclass
class PrivateRedis:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "yes", "--dir", str(self.root)]
        log = (self.root / "redis.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        wait_for("private Redis", self.answers, timeout=20)

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url(), socket_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        """Down hard, as a crash or a network cut: data on disk is what the append-only file
        kept (a Redis with appendonly keeps queued messages across the restart)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class PrivatePostgres:
    """A cluster of its own made with initdb, owned by the `postgres` system user (initdb
    refuses root), listening on 127.0.0.1 on a free port, trust authentication."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _as_postgres(self, *argv: str) -> subprocess.CompletedProcess[str]:
        command = ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)
        return subprocess.run(  # noqa: S603 - our own arguments
            command, capture_output=True, text=True, timeout=120, check=True
        )

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
        self._as_postgres(*initdb, "-E", "UTF8", "--no-sync")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        log = str(self.root / "postgres.log")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log,
                          "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self, *, down_for: float) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class FaultStack(Stack):
    """The production stack with a database named sd_leak_*, on the suite's server or on a
    private cluster (`server_url`)."""

    server_url: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        base = (
            Database.from_settings(environ.Env.db_url_config(self.server_url))
            if self.server_url
            else server()
        )
        self.admin = base.named("postgres")
        self.database = base.named(f"sd_leak_{self.suffix}")

    def exited(self, prefix: str) -> list[tuple[str, int]]:
        """(name, exit code) of the processes named `prefix`... that have stopped."""
        return [
            (name, code)
            for name, process, _log in self.processes
            if name.startswith(prefix) and (code := process.poll()) is not None
        ]

    def restart_on_failure(self, prefix: str = "worker") -> list[str]:
        """What systemd's Restart=on-failure does (deploy/systemd): a worker that stopped with an
        error is started again. Returns the names of those restarted."""
        restarted = []
        for name, code in self.exited(prefix):
            assert code != 0, f"{name} stopped cleanly: systemd would not restart it"
            self.processes = [entry for entry in self.processes if entry[0] != name]
            self.start_worker(f"{name}-again")
            restarted.append(name)
        return restarted

    def kill(self, name: str) -> None:
        """SIGKILL to the named process and its children (a Celery worker's pool too)."""
        process = next(p for n, p, _log in self.processes if n == name)
        with contextlib.suppress(ProcessLookupError):  # it may have stopped on its own
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.processes = [entry for entry in self.processes if entry[0] != name]
