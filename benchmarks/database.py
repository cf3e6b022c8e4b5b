"""The benchmarks' own PostgreSQL database, on the server DATABASE_URL names."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def database_create(*, fresh: bool) -> None:
    """Create the database DATABASE_URL names if it is missing; with `fresh`, drop it first (only
    a database whose name starts `sd_bench`, so a mistyped URL cannot drop real data)."""
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if fresh and not name.startswith("sd_bench"):
        raise SystemExit(f"Refusing to drop {name}: the bench database's name starts sd_bench.")
    admin_url = urlunsplit(url._replace(path="/postgres", query=""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
