"""Redis stops while cases change and follow-ups are scheduled; after it is back, every follow-up
fires exactly once. A throwaway redis-server on its own port, so no one else's Redis is touched."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import LazySettings
from django.core import mail
from django.db import connections, transaction
from django.utils.functional import lazystr

from supportdesk.accounts.models import User
from supportdesk.celery import app as celery_app
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.services import followup_notify, followup_schedule, notify_users
from supportdesk.followups.tests.conftest import past
from supportdesk.followups.tests.retentiontest.models import Dossier
from supportdesk.messages import Message

PORT = 6390
pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


class ThrowawayRedis:
    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder = port, folder
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    # Celery caches its connection and producer pools per broker URL: drop them so the next
    # publish (and the test worker) connects to `url`.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(PORT, tmp_path)
    server.start()
    previous = celery_app.conf.broker_url
    _use_broker(server.url)
    try:
        yield server
    finally:
        server.stop()
        _use_broker(previous)


def wait_until(condition: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_follow_ups_scheduled_while_redis_is_down_fire_once_when_it_is_back(
    throwaway_redis: ThrowawayRedis,
    register,
    volunteer: User,
    settings: LazySettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from celery.contrib.testing.worker import start_worker

    settings.FOLLOWUPS_EMAIL_GRACE_SECONDS = 0
    volunteer.email = "volunteer@example.org"
    volunteer.save(update_fields=["email"])
    calls: list[int] = []

    def handler(followup: FollowUp) -> None:
        calls.append(followup.pk)
        followup_notify(followup=followup, message=Message(lazystr("Check-in missed")), link="/")

    register("test.outage", handler)
    throwaway_redis.stop()

    started = time.monotonic()
    with caplog.at_level(logging.WARNING), transaction.atomic():
        for n in range(5):
            dossier = Dossier.objects.create(alias=f"case {n}")  # the change itself
            followup_schedule(kind="test.outage", subject=dossier, due_at=past(), users=[volunteer])
        notify_users(
            users=[volunteer],
            kind="test.direct",
            message=Message(lazystr("Route updated")),
            link="/",
        )
    assert time.monotonic() - started < 10  # publishing gave up quickly; the commit stood
    assert Dossier.objects.count() == 5
    assert FollowUp.objects.filter(state=FollowUp.State.PENDING).count() == 5
    assert "could not enqueue followups.email_user" in caplog.text

    throwaway_redis.start()
    # The worker thread's connection must close after each task, not outlive the test database.
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            celery_app.send_task("followups.sweep")
            celery_app.send_task("followups.sweep")  # a repeated beat tick changes nothing
            wait_until(lambda: len(mail.outbox) >= 1 and not FollowUp.objects.filter(
                state=FollowUp.State.PENDING).exists())  # fmt: skip
            time.sleep(1)  # room for any duplicate to show up
    finally:
        connections.settings["default"]["CONN_MAX_AGE"] = 60

    assert sorted(Counter(calls).values()) == [1] * 5
    assert FollowUp.objects.filter(state=FollowUp.State.DONE).count() == 5
    assert Notification.objects.filter(user=volunteer).count() == 6
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert len(mail.outbox) == 1
    assert "You have 6 new alerts." in mail.outbox[0].body
