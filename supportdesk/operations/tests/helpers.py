"""Throw-away databases on the test server, and ways to look into them."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections
from psycopg import sql

from supportdesk.operations.pg import Database
from supportdesk.vault.crypto import key_cache

BACKUP_KEY_ID = "btest1"
BACKUP_KEY = "S2V5IGZvciB0ZXN0IGJhY2t1cHMgb25seSEhISEhISE="  # 32 bytes, tests only
BACKUP_KEY_RING = json.dumps({"active": BACKUP_KEY_ID, "keys": {BACKUP_KEY_ID: BACKUP_KEY}})


def current_database() -> Database:
    return Database.from_settings(connections["default"].settings_dict)


@contextmanager
def scratch_database(label: str = "r") -> Iterator[Database]:
    """A new, empty database beside the test database, dropped afterwards."""
    base = current_database()
    name = f"{base.name}_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with base.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        yield base.named(name)
    finally:
        with base.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


@contextmanager
def default_connection_to(database: Database) -> Iterator[None]:
    """Point Django's default connection at another database for a while (the ORM, the vault
    and the audit chain then read that one). For transaction=True tests only."""
    conn = connections["default"]
    original = conn.settings_dict["NAME"]
    conn.close()
    conn.settings_dict["NAME"] = database.name
    key_cache.clear()
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict["NAME"] = original
        key_cache.clear()


def table_fingerprints(database: Database) -> dict[str, tuple[int, str]]:
    """Per table of the public schema: (row count, a checksum of every row, in any order)."""
    with database.connect() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        found = {}
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY "
                "md5(t::text))), '') FROM {} t"
            ).format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            found[table] = (row[0], row[1])
    return found
