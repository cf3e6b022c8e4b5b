"""Scaling out (docs/scaling.md): report reads go to the replica when one is configured
(supportdesk/replica.py); and two web processes, two workers and beat on one PostgreSQL and one
Redis run each duty once and share the login counters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery import Celery
from django.test import Client
from django.urls import reverse

from cases.models import Case
from supportdesk import replica
from supportdesk.accounts.models import User
from tests.production_stack import (
    PASSWORD,
    Browser,
    Stack,
    scaling_redis_url,
    seed,
    wait_for,
)

ROUTER = replica.ReportsRouter()


@pytest.fixture
def with_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if REPLICA_DATABASE_URL were set (settings.DATABASES is read once, at start).
    monkeypatch.setattr(replica, "replica_configured", lambda: True)


def test_report_reads_go_to_the_replica_when_configured(with_replica: None) -> None:
    assert ROUTER.db_for_read(Case) is None
    with replica.report_reads():
        assert ROUTER.db_for_read(Case) == replica.REPLICA
        assert ROUTER.db_for_write(Case) is None  # writes stay on default, also in a report
    assert ROUTER.db_for_read(Case) is None
    assert ROUTER.allow_migrate(replica.REPLICA, "cases") is False


def test_without_a_replica_report_reads_stay_on_default() -> None:
    with replica.report_reads():
        assert ROUTER.db_for_read(Case) is None


def test_the_statistics_page_reads_inside_report_reads_and_the_case_list_does_not(
    coordinator: User, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    original = replica.ReportsRouter.db_for_read

    def spy(self: replica.ReportsRouter, model: type, **hints: object) -> str | None:
        seen.append(replica._report_reads.get())
        return original(self, model, **hints)

    monkeypatch.setattr(replica.ReportsRouter, "db_for_read", spy)
    client: Client = client_for(coordinator)
    assert client.get(reverse("cases:list")).status_code == 200
    assert seen and not any(seen)
    seen.clear()
    assert client.get(reverse("cases:statistics")).status_code == 200
    assert any(seen)
    assert not replica._report_reads.get()  # reset once the response is made


# --- Two web processes, two workers, one beat: one PostgreSQL, one Redis ---------------------
#
# As on several machines behind nginx (docs/scaling.md): every duty is a row claimed in
# PostgreSQL, every counter is in Redis, so nothing depends on which process a request or a task
# reaches. About 40 s. Redis database SUPPORTDESK_TEST_SCALING_REDIS_DB (default 13), flushed.

FLAGS = 24  # due follow-ups: 8 batches of 3, taken by several sweeps at once
SWEEPS_AT_ONCE = 8  # sweep messages sent together: every worker process takes some


@pytest.fixture(scope="module")
def two_of_each(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, Any]]]:
    settings = {
        "FOLLOWUPS_BATCH_SIZE": "3",
        "FOLLOWUPS_SWEEP_SECONDS": "2",
        "LOGIN_ACCOUNT_DELAY_AFTER": "4",
        "LOGIN_ACCOUNT_LOCK_AFTER": "4",
    }
    redis_url = scaling_redis_url()
    redis.Redis.from_url(redis_url).flushdb()  # no message left from an earlier run
    stack = Stack(
        tmp_path_factory.mktemp("scaling"), settings=settings, prefix="sd_ops", redis_url=redis_url
    )
    try:
        stack.install()
        data = seed(stack, cases=1, flags=FLAGS)
        addresses = [stack.start_web(f"web-{n}") for n in "ab"]
        for n in "ab":
            stack.start_worker(f"worker-{n}")
        for name in ("web-a", "web-b"):
            stack.wait_ready(name, "Booting worker")
        for name in ("worker-a", "worker-b"):
            stack.wait_ready(name, " ready.")
        data["web"] = addresses
        yield stack, data
    finally:
        stack.stop()
        stack.drop()
        redis.Redis.from_url(redis_url).flushdb()


def test_with_two_workers_each_due_follow_up_is_run_and_notified_once(
    two_of_each: tuple[Stack, dict[str, Any]],
) -> None:
    stack, data = two_of_each
    assert len(data["followups"]) == FLAGS
    # Beat, and a burst of sweeps on top: four worker processes sweep the same rows at once.
    publisher = Celery(broker=stack.redis_url)
    for _ in range(SWEEPS_AT_ONCE):
        publisher.send_task("followups.sweep")
    stack.start_beat()

    def all_done() -> bool:
        rows = stack.query(
            "SELECT count(*) FROM followups_followup WHERE id = ANY(%s) AND state = 'done'",
            [data["followups"]],
        )
        return rows[0][0] == FLAGS

    wait_for("every due follow-up done", all_done, timeout=60)
    # Each row was claimed once (one attempt) by one sweep, across both workers.
    attempts = stack.query(
        "SELECT attempts, count(*) FROM followups_followup WHERE id = ANY(%s) GROUP BY attempts",
        [data["followups"]],
    )
    assert attempts == [(1, FLAGS)]
    # One notification per follow-up for the volunteer, and no second one under another key.
    keys = [f"followup:{followup}" for followup in data["followups"]]
    notified = stack.query(
        "SELECT dedupe_key, count(*) FROM followups_notification WHERE user_id = %s "
        "AND dedupe_key = ANY(%s) GROUP BY dedupe_key",
        [data["volunteer"], keys],
    )
    assert sorted(notified) == sorted((key, 1) for key in keys)
    reviews = stack.query(
        "SELECT count(*) FROM followups_notification WHERE user_id = %s AND link LIKE '/cases/%%' "
        "AND message::text LIKE %s",
        [data["volunteer"], "%family flag is due for review%"],
    )
    assert reviews == [(FLAGS,)]
    # Both workers swept: the rows were shared out, not all run by one of them.
    for name in ("worker-a", "worker-b"):
        assert "Task followups.sweep[" in stack.log(name), name
    # The audit chain, sealed by whichever worker took each seal task, has no fork or gap.
    wait_for(
        "every event sealed",
        lambda: (
            stack.query("SELECT count(*) FROM audit_auditevent WHERE chain_position IS NULL")[0][0]
            == 0
        ),
        timeout=40,
    )
    verified = stack.manage("verify_audit", as_role=stack.owner)
    assert "Audit chain intact" in verified.stdout, verified.stdout


def test_failed_logins_on_one_web_process_count_on_the_other(
    two_of_each: tuple[Stack, dict[str, Any]],
) -> None:
    _stack, data = two_of_each
    web_a, web_b = data["web"]

    def healthy(address: str) -> bool:
        return Browser(address).get("/healthz").status == 200

    for address in (web_a, web_b):
        wait_for(f"{address} /healthz", lambda: healthy(address), timeout=30)  # noqa: B023

    def attempt(address: str, username: str, password: str) -> int:
        answer = Browser(address).post_form(
            "/accounts/login/", {"username": username, "password": password}
        )
        return answer.status

    # Control: three failures (the lock comes at four), split over both, then the right password.
    assert [attempt(web_a, "admin", "wrong"), attempt(web_b, "admin", "wrong")] == [400, 400]
    assert attempt(web_a, "admin", "wrong") == 400
    assert attempt(web_b, "admin", PASSWORD) == 302  # on to the two-factor step

    # Two failures on web A and two on web B lock the account on both: no process saw four.
    for address in (web_a, web_a, web_b, web_b):
        assert attempt(address, "volunteer", "wrong") == 400
    assert attempt(web_a, "volunteer", PASSWORD) == 429
    assert attempt(web_b, "volunteer", PASSWORD) == 429
