"""Report reads go to the replica when one is configured (supportdesk/replica.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from supportdesk import replica
from supportdesk.accounts.models import User

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
