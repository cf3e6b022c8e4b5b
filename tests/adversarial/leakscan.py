"""The leak scan's tools: a marker for every personal field (found by the vault's field classes,
so a new encrypted field gets one without being listed), and the places a marker must never be
found, each read in full and searched in plain, UTF-16, base64, hex and \\uXXXX forms."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from django.apps import apps
from django.db import connection, models

from supportdesk.operations.pg import Database
from supportdesk.vault.fields import EncryptedMixin, blind_index_fields, encrypted_fields
from supportdesk.vault.tests.test_canary import BURMESE, bytes_forms, forms, phone_marker

# Models that exist only for the vault's own tests.
TEST_ONLY_APPS = frozenset({"vaulttest", "followups_retentiontest"})
# What a marker can be typed into: text. Dates, numbers and binary values cannot carry one; their
# decrypted values are searched for instead (binary), or they are named in the figures (the rest).
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
ROOT = Path(__file__).resolve().parents[2]


def personal_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in TEST_ONLY_APPS and encrypted_fields(model)
    ]


def field_key(model: type[models.Model], name: str) -> str:
    return f"{model._meta.label}.{name}"


def _normaliser(model: type[models.Model], name: str) -> str:
    for index in blind_index_fields(model):
        if index.source == name:
            return str(index.normaliser)
    return ""


def _marker_for(model: type[models.Model], f: EncryptedMixin) -> str:
    normaliser = _normaliser(model, f.name)
    if normaliser == "phone" or "phone" in f.name:
        return phone_marker()  # a phone field takes only a valid number
    # Lower-case ASCII survives every normaliser (casefold, NFC, stripping) unchanged.
    ascii_part = f"zq{secrets.token_hex(7)}"
    if normaliser in {"handle", "alias"}:
        return ascii_part
    burmese = "".join(secrets.choice(BURMESE) for _ in range(8))
    text = f"{ascii_part} {burmese}"
    limit = getattr(f, "max_length", None) or len(text)
    return text[:limit] if limit >= len(ascii_part) else ascii_part[:limit]


@dataclass
class Markers:
    """One marker per encrypted text field of every model, made when the suite starts."""

    by_field: dict[str, str] = field(default_factory=dict)
    not_markable: list[str] = field(default_factory=list)

    @classmethod
    def for_every_personal_field(cls) -> Markers:
        found = cls()
        for model in personal_models():
            for f in encrypted_fields(model):
                if isinstance(f, TEXT_FIELDS):
                    found.by_field[field_key(model, f.name)] = _marker_for(model, f)
                else:
                    found.not_markable.append(field_key(model, f.name))
        return found

    def __call__(self, model: type[models.Model], name: str) -> str:
        return self.by_field[field_key(model, name)]

    def searched(self) -> dict[str, str]:
        """Every string that would reveal a marker: the marker, and for phones the national
        digits as typed (09... without the 0, after +95)."""
        found = dict(self.by_field)
        for key, text in self.by_field.items():
            if text.startswith("+95"):
                found[f"{key} (digits)"] = text[3:]
        return found


def _holds(value: Any, marker: str) -> bool:
    if value is None:
        return False
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return marker.split(" ")[0] in text


def fill_untouched(markers: Markers) -> tuple[list[str], list[str]]:
    """Fields the journey typed a marker into, and the fields it did not reach: those get their
    marker written through save() on a row the journey made, so storage is scanned for every
    field anyway. A model with no row at all fails (the journey must reach it)."""
    typed, filled = [], []
    for model in personal_models():
        rows = list(model._default_manager.all())
        assert rows, f"the journey makes no {model._meta.label} row: add it to the journey"
        for f in encrypted_fields(model):
            key = field_key(model, f.name)
            if key not in markers.by_field:
                continue
            marker = markers.by_field[key]
            if any(_holds(getattr(row, f.attname), marker) for row in rows):
                typed.append(key)
                continue
            row = rows[0]
            value: Any = {"marker": marker} if isinstance(f, models.JSONField) else marker
            setattr(row, f.attname, value)
            row.save(update_fields=[f.attname])
            filled.append(key)
    return typed, filled


def decrypted_secrets() -> list[bytes]:
    """The decrypted bytes of every encrypted binary value (authenticator secrets): searched as
    bytes, hex and base64."""
    found = []
    for model in personal_models():
        for f in encrypted_fields(model):
            if isinstance(f, models.BinaryField):
                for row in model._default_manager.all():
                    value = getattr(row, f.attname)
                    if isinstance(value, bytes | memoryview) and len(value) >= 10:
                        found.append(bytes(value))
    return found


# --- where to look ----------------------------------------------------------------------------


def pg_dump(database: dict[str, Any] | None = None) -> bytes:
    s = database or connection.settings_dict
    return subprocess.run(  # noqa: S603 - fixed arguments
        ["pg_dump", "-h", s["HOST"], "-p", str(s["PORT"] or 5432), "-U", s["USER"], s["NAME"]],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


_WHERE_THE_LOG_IS = (
    "SELECT current_setting('logging_collector'), pg_current_logfile(), "
    "current_setting('data_directory')"
)


def postgres_log_file(database: Database | None = None) -> Path | None:
    """Where the server writes its log: the collector's file under log_directory when it runs,
    else the stderr file Debian's pg_ctlcluster keeps under /var/log/postgresql. Asked through
    Django's connection, or `database` (a superuser's)."""
    if database is None:
        with connection.cursor() as cursor:
            cursor.execute(_WHERE_THE_LOG_IS)
            row = cursor.fetchone()
    else:
        with database.connect() as conn:
            row = conn.execute(_WHERE_THE_LOG_IS.encode()).fetchone()
    assert row is not None
    collector, current, data_directory = row
    if collector == "on" and current:
        path = Path(current)
        return path if path.is_absolute() else Path(data_directory) / path
    logs = sorted(Path("/var/log/postgresql").glob("postgresql-*.log"))
    return logs[-1] if logs else None


@dataclass
class PostgresLog:
    """The server log from the moment the scan starts, with every statement of the test database
    logged (log_statement = 'all' on that database only)."""

    path: Path | None
    offset: int = 0

    @classmethod
    def start(cls) -> PostgresLog:
        path = postgres_log_file()
        name = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
        connection.close()  # the next connection logs its statements
        return cls(path, path.stat().st_size if path else 0)

    def read(self) -> bytes:
        if self.path is None:
            return b""
        with self.path.open("rb") as log:
            log.seek(self.offset)
            return log.read()

    def stop(self) -> None:
        name = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" RESET log_statement')


def redis_everything(url: str) -> list[bytes]:
    """Every key and value of the Redis database, Celery's messages opened: kombu keeps a task's
    body base64-encoded inside its JSON envelope, so the decoded body is searched too."""
    client: Any = redis.Redis.from_url(url)  # bytes in, bytes out (decode_responses is off)
    chunks: list[bytes] = []
    for key in client.scan_iter(count=1000):
        chunks.append(key)
        kind = client.type(key)
        values: list[bytes] = []
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"hash":
            values = [b for pair in client.hgetall(key).items() for b in pair]
        elif kind == b"list":
            values = list(client.lrange(key, 0, -1))
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = list(client.zrange(key, 0, -1))
        elif kind == b"stream":
            values = [repr(entry).encode() for entry in client.xrange(key)]
        chunks += values
        chunks += [body for value in values for body in celery_bodies(value)]
    return chunks


def celery_bodies(value: bytes) -> Iterator[bytes]:
    try:
        envelope = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return
    if not isinstance(envelope, dict):
        return
    message = envelope.get("message", envelope) if "message" in envelope else envelope
    if isinstance(message, str):
        yield from celery_bodies(message.encode())
        return
    if isinstance(message, dict) and isinstance(message.get("body"), str):
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            yield base64.b64decode(body)
        else:
            yield body.encode()


def celery_message_count(chunks: Iterable[bytes]) -> int:
    return sum(1 for chunk in chunks if b'"task"' in chunk or b"'task'" in chunk)


def files_under(root: Path, *, since: float, limit: int = 64 * 1024 * 1024) -> list[Path]:
    """Regular files under `root` written since `since` (a shared /tmp holds other people's old
    files; anything this run wrote is newer)."""
    found = []
    for dirpath, _dirs, names in os.walk(root, onerror=lambda _e: None):
        for name in names:
            path = Path(dirpath) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            if info.st_mtime >= since and info.st_size <= limit:
                found.append(path)
    return found


def read_files(paths: Iterable[Path]) -> bytes:
    chunks = []
    for path in paths:
        try:
            chunks.append(path.read_bytes())
        except OSError:
            continue
    return b"\n".join(chunks)


# --- searching --------------------------------------------------------------------------------


@dataclass
class Scan:
    """The searches made and what they found (where, which marker)."""

    markers: dict[str, str]
    secrets_: list[bytes] = field(default_factory=list)
    places: dict[str, int] = field(default_factory=dict)  # place -> bytes searched
    hits: list[str] = field(default_factory=list)
    forms_searched: int = 0
    started: float = field(default_factory=time.time)

    def search(self, where: str, haystack: bytes) -> None:
        self.places[where] = self.places.get(where, 0) + len(haystack)
        for name, text in self.markers.items():
            for form in forms(text):
                self.forms_searched += 1
                if form and form in haystack:
                    self.hits.append(f"{name} in {where}")
                    break
        for number, secret in enumerate(self.secrets_):
            for form in bytes_forms(secret):
                self.forms_searched += 1
                if form in haystack:
                    self.hits.append(f"encrypted binary value {number} in {where}")
                    break

    def figures(self) -> str:
        places = ", ".join(f"{where} ({size:,} bytes)" for where, size in self.places.items())
        return (
            f"{len(self.markers)} markers and {len(self.secrets_)} binary values, "
            f"{self.forms_searched:,} searches in {places}: {len(self.hits)} hits"
        )
