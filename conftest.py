"""Test-wide settings: the suite runs against real PostgreSQL and Redis (see Makefile `test`)."""

import os

os.environ["SUPPORTDESK_ENV"] = "test"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/supportdesk")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CACHE_KEY_PREFIX", f"supportdesk-test-{os.getpid()}")
os.environ.setdefault("ENV_FILE", "/nonexistent")  # a developer's .env must not leak into tests

# Personas and login helpers shared by every app's tests.
pytest_plugins = ["supportdesk.testing"]
