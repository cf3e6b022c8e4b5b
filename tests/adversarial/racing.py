"""Real threads on PostgreSQL, each with its own connection, released together by a barrier."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from django.db import connection


def at_once(calls: list[Callable[[], object]], *, timeout: float = 60) -> Counter[str]:
    """Run every call in its own thread, all started at the same moment; count the outcomes
    ("ok" or the exception's class name). A thread still running after `timeout` fails."""
    start = threading.Barrier(len(calls))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait()
            try:
                call()
                outcome = "ok"
            except Exception as refused:
                outcome = type(refused).__name__
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing call hung"
    return outcomes
