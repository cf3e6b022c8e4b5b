"""Brute-force protection for the password and two-factor steps, in the browser and the API.

Failures are counted per account and per client IP in the shared cache (Redis in production).
An account that keeps failing is first slowed down (each further attempt must wait twice as long)
and then locked; an IP is locked only after many more failures, so one locked account never blocks
a colleague who logs in from the same office. Unknown usernames are counted like known ones, so the
answers cannot tell an attacker which accounts exist.

django-axes was considered: it locks on a single threshold with no progressive delay and writes the
attempted usernames to its own tables and logs; this module keeps only hashed keys with a TTL.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0
    locked: bool = False


def _account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"login-fail:account:{digest}"


def _ip_key(ip: str | None) -> str:
    return f"login-fail:ip:{ip or 'unknown'}"


def _counts(username: str, ip: str | None) -> tuple[int, float, int]:
    account_key, ip_key = _account_key(username), _ip_key(ip)
    values = cache.get_many([account_key, account_key + ":last", ip_key])
    return (
        int(values.get(account_key, 0)),
        float(values.get(account_key + ":last", 0.0)),
        int(values.get(ip_key, 0)),
    )


def login_check(*, username: str, ip: str | None) -> Decision:
    failures, last_failure, ip_failures = _counts(username, ip)
    if failures >= settings.LOGIN_ACCOUNT_LOCK_AFTER or ip_failures >= settings.LOGIN_IP_LOCK_AFTER:
        return Decision(allowed=False, retry_after=settings.LOGIN_LOCK_SECONDS, locked=True)
    if failures >= settings.LOGIN_ACCOUNT_DELAY_AFTER:
        delay = 2 ** (failures - settings.LOGIN_ACCOUNT_DELAY_AFTER)
        wait = last_failure + delay - time.time()
        if wait > 0:
            return Decision(allowed=False, retry_after=math.ceil(wait))
    return Decision(allowed=True)


def _incr(key: str) -> int:
    timeout = settings.LOGIN_LOCK_SECONDS
    cache.add(key, 0, timeout=timeout)
    try:
        value = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        value = 1
    cache.touch(key, timeout=timeout)
    return value


def login_failed(*, username: str, ip: str | None) -> None:
    account_key = _account_key(username)
    _incr(account_key)
    cache.set(account_key + ":last", time.time(), timeout=settings.LOGIN_LOCK_SECONDS)
    _incr(_ip_key(ip))


def login_succeeded(*, username: str) -> None:
    account_key = _account_key(username)
    cache.delete_many([account_key, account_key + ":last"])


def login_unlock(*, username: str) -> None:
    """For administrators: lift an account's lock early (e.g. after a confirmed typo storm)."""
    login_succeeded(username=username)
