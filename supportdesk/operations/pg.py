"""PostgreSQL's own tools, run as child processes: pg_dump out of a database, pg_restore into one.

The connection goes to them in the environment (PGHOST, PGPASSWORD, ...), never on the command
line, where other users of the machine could read it. Their error output goes to a temporary
file (a full pipe would stall them) and only its last line is told: pg_dump and pg_restore speak
of tables, roles and connections, and that line is what an operator needs.

The client must be of the server's major version: a newer pg_dump writes archives an older
pg_restore cannot read, and a newer pg_restore sends settings an older server refuses. On Debian
each version has its own folder (/usr/lib/postgresql/<major>/bin), which is looked in first.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, cast

import psycopg
from django.conf import settings
from django.utils.translation import gettext as _
from psycopg.conninfo import make_conninfo

from supportdesk.errors import ApplicationError, Conflict

READ_SIZE = 1 << 20
_PASSED_ON = frozenset({"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ"})
# What of Django's OPTIONS libpq also reads from the environment (the rest is Django's own).
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class ToolMissing(ApplicationError):
    pass


class DumpFailed(ApplicationError):
    pass


class RestoreFailed(ApplicationError):
    pass


class DatabaseNotEmpty(Conflict):
    pass


@dataclass(frozen=True, repr=False)
class Database:
    """Where to connect: the parts of a Django DATABASES entry that libpq needs."""

    name: str
    user: str = ""
    password: str = field(default="", compare=False)
    host: str = ""
    port: str = ""
    options: dict[str, str] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:  # never the password
        return (
            f"<Database {self.user or '-'}@{self.host or 'local'}:{self.port or '-'}/{self.name}>"
        )

    @classmethod
    def from_settings(cls, entry: dict[str, Any]) -> Database:
        if entry.get("ENGINE") != "django.db.backends.postgresql":
            raise ToolMissing(
                _("This needs PostgreSQL, and the configured database is not PostgreSQL.")
            )
        options = entry.get("OPTIONS") or {}
        return cls(
            name=str(entry["NAME"]),
            user=str(entry.get("USER") or ""),
            password=str(entry.get("PASSWORD") or ""),
            host=str(entry.get("HOST") or ""),
            port=str(entry.get("PORT") or ""),
            options={key: str(options[key]) for key in _LIBPQ_OPTIONS if key in options},
        )

    def named(self, name: str) -> Database:
        return replace(self, name=name)

    def as_user(self, user: str, password: str = "") -> Database:
        return replace(self, user=user, password=password)

    def environment(self) -> dict[str, str]:
        """What pg_dump and pg_restore get: libpq's own variables, the locale and PATH, this
        connection; never the rest (the vault's and the backup's keys live there)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key.startswith("PG") or key in _PASSED_ON
        }
        parts = {
            "PGDATABASE": self.name,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGHOST": self.host,
            "PGPORT": self.port,
        }
        parts |= {_LIBPQ_OPTIONS[key]: value for key, value in self.options.items()}
        return env | {key: value for key, value in parts.items() if value}

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        params = {
            "dbname": self.name,
            "user": self.user,
            "password": self.password,
            "host": self.host,
            "port": self.port,
        }
        params |= self.options
        conninfo = make_conninfo(**{key: value for key, value in params.items() if value})
        return psycopg.connect(conninfo, autocommit=True, **kwargs)


def _one(database: Database, query: str) -> int:
    with database.connect() as conn:
        row = conn.execute(query.encode()).fetchone()
    return int(row[0]) if row is not None else 0


def server_major(database: Database) -> int:
    return _one(database, "SHOW server_version_num") // 10000


def _tool_major(path: str) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603 - a PostgreSQL client tool, fixed arguments
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    found = re.search(r"\) (\d+)", output)
    return int(found.group(1)) if found else None


def tool(name: str, *, major: int) -> str:
    """The path of pg_dump or pg_restore of PostgreSQL `major`, or a refusal saying what to do."""
    configured = getattr(settings, "BACKUP_PG_BIN_DIR", "")
    if configured:
        candidates = [str(Path(configured) / name)]
    else:
        candidates = [f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name) or ""]
    versions = []
    for candidate in filter(None, candidates):
        if not Path(candidate).is_file():
            continue
        version = _tool_major(candidate)
        if version == major:
            return candidate
        versions.append(version)
    if versions:
        raise ToolMissing(
            _(
                "%(tool)s is of PostgreSQL %(found)s but the server is PostgreSQL %(major)s: "
                "install postgresql-client-%(major)s, or set BACKUP_PG_BIN_DIR."
            )
            % {"tool": name, "found": versions[0], "major": major}
        )
    raise ToolMissing(
        _("%(tool)s was not found: install postgresql-client-%(major)s, or set BACKUP_PG_BIN_DIR.")
        % {"tool": name, "major": major}
    )


def objects_in_public_schema(database: Database) -> int:
    """Tables, sequences, views and functions in the public schema: a restore target has none."""
    return _one(
        database,
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "         WHERE n.nspname = 'public')"
        "     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        "         WHERE n.nspname = 'public')",
    )


def data_size(database: Database) -> int:
    """Bytes of table data (no indexes): about what pg_dump writes, for a progress bar."""
    return _one(
        database,
        "SELECT coalesce(sum(pg_table_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')",
    )


def _last_line(errors: IO[bytes]) -> str:
    errors.seek(0)
    lines = [line.strip() for line in errors.read().decode(errors="replace").splitlines()]
    last = next((line for line in reversed(lines) if line), "")
    return re.sub(r"^pg_(dump|restore): (error: )?", "", last)[:200]


def _ignore(_total: int) -> None:
    pass


def dump(
    database: Database, *, sink: Callable[[bytes], None], read: Callable[[int], None] = _ignore
) -> None:
    """Stream pg_dump's custom-format archive (uncompressed: the archive compresses) to `sink`,
    calling `read(total so far)` as it goes. Never more than READ_SIZE bytes in memory."""
    command = [
        tool("pg_dump", major=server_major(database)),
        "--format=custom",
        "--compress=0",
        "--no-password",
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - pg_dump with fixed arguments
            command, stdout=subprocess.PIPE, stderr=errors, env=database.environment()
        )
        stdout = cast(IO[bytes], process.stdout)  # a pipe: stdout=PIPE
        total = 0
        try:
            while block := stdout.read(READ_SIZE):
                sink(block)
                total += len(block)
                read(total)
        except BaseException:
            process.kill()
            process.wait()
            raise
        if process.wait() != 0:
            raise DumpFailed(
                _("pg_dump failed (exit status %(status)s): %(reason)s")
                % {"status": process.returncode, "reason": _last_line(errors)}
            )


def restore(database: Database, pieces: Iterable[bytes]) -> None:
    """Feed a custom-format dump to pg_restore, in one transaction that commits only when every
    piece arrived and pg_restore took them all. If `pieces` raises (a damaged chunk), pg_restore
    is killed before it could commit: the database is left as it was."""
    command = [
        tool("pg_restore", major=server_major(database)),
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        "--no-password",
        f"--dbname={database.name}",
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - pg_restore with fixed arguments
            command, stdin=subprocess.PIPE, stderr=errors, env=database.environment()
        )
        stdin = cast(IO[bytes], process.stdin)  # a pipe: stdin=PIPE
        try:
            for piece in pieces:
                stdin.write(piece)
        except BrokenPipeError:
            pass  # pg_restore stopped on an error of its own: told below
        except BaseException:
            process.kill()
            process.wait()
            raise
        with contextlib.suppress(BrokenPipeError):
            stdin.close()
        if process.wait() != 0:
            raise RestoreFailed(
                _("pg_restore failed (exit status %(status)s): %(reason)s")
                % {"status": process.returncode, "reason": _last_line(errors)}
            )
