"""Two sweeps at once, each with its own database connection, over the same due rows."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils.functional import lazystr

from supportdesk.accounts.models import Team, User
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.services import followup_notify, followup_schedule
from supportdesk.followups.sweep import SweepResult, followups_sweep
from supportdesk.followups.tests.conftest import past
from supportdesk.followups.tests.retentiontest.models import Dossier
from supportdesk.messages import Message

ROWS = 120


@pytest.mark.django_db(transaction=True)
def test_due_rows_are_processed_once_by_two_sweeps_running_at_once(
    register, team: Team, volunteer: User, coordinator: User
) -> None:
    calls: list[tuple[int, str]] = []
    lock = threading.Lock()

    def handler(followup: FollowUp) -> None:
        time.sleep(0.003)  # long enough for the two sweeps to interleave
        followup_notify(followup=followup, message=Message(lazystr("Check-in missed")))
        with lock:
            calls.append((followup.pk, threading.current_thread().name))

    register("test.concurrent", handler)
    for n in range(ROWS):
        dossier = Dossier.objects.create(alias=f"case {n}")
        followup_schedule(kind="test.concurrent", subject=dossier, due_at=past(), team=team)

    start = threading.Barrier(2)
    results: dict[str, SweepResult] = {}

    def sweep(name: str) -> None:
        try:
            start.wait()
            results[name] = followups_sweep(batch_size=5)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=sweep, args=(name,), name=name) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    per_row = Counter(pk for pk, _thread in calls)
    assert len(per_row) == ROWS
    assert set(per_row.values()) == {1}
    assert {name for _pk, name in calls} == {"a", "b"}  # both sweeps really did work
    assert results["a"].done + results["b"].done == ROWS
    assert FollowUp.objects.filter(state=FollowUp.State.DONE).count() == ROWS
    assert Notification.objects.filter(user=volunteer).count() == ROWS
    assert Notification.objects.filter(user=coordinator).count() == ROWS


@pytest.mark.django_db(transaction=True)
def test_two_transactions_scheduling_the_same_duty_at_once_make_one_row() -> None:
    dossier = Dossier.objects.create(alias="Special 007")
    start = threading.Barrier(2)
    ids: list[int] = []

    def schedule() -> None:
        try:
            with transaction.atomic():
                start.wait()
                ids.append(followup_schedule(kind="test.once", subject=dossier, due_at=past()).pk)
                time.sleep(0.2)  # hold the insert open while the other one tries
        finally:
            connection.close()

    threads = [threading.Thread(target=schedule) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(ids) == 2
    assert len(set(ids)) == 1
    assert FollowUp.objects.count() == 1
