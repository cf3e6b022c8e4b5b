"""Environment for the test suite, loaded by pytest before Django reads its settings.

`pyproject.toml` loads this module with `-p` (an early plugin): a root conftest.py is too late,
as pytest-django configures Django before conftest files are imported. The suite runs against real
PostgreSQL and Redis (see the Makefile's `test` target).
"""

import os

os.environ["SUPPORTDESK_ENV"] = "test"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/supportdesk")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CACHE_KEY_PREFIX", f"supportdesk-test-{os.getpid()}")
os.environ["ENV_FILE"] = "/nonexistent"  # a developer's .env must not leak into tests

# The audit chain's key: from the environment, as in production, never from SECRET_KEY.
os.environ.setdefault("SUPPORTDESK_AUDIT_KEY", "test-audit-chain-key-" + "k" * 32)

# Vault: fixed keys for the test suite only, so tests need no key files (docs/vault.md).
os.environ["SUPPORTDESK_KEYS"] = (
    '{"active": "test1", "keys": {'
    '"test1": "PV8G569GT9++KM96/2yBUC2zRFB/IEfUNdcP90V/UJs=", '
    '"test0": "VtLlJOO0ibqM5z825sSAlntPEGaShh+BUw4g150z0Dg="}}'
)
os.environ["SUPPORTDESK_INDEX_KEY"] = "VsdZ1AQWVIn+U5at8wvsaWTW7G0fAg5KfkTmF3C66+k="
