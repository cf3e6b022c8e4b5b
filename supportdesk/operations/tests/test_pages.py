"""The backups page: administrators only (404 for everyone else), the last good backup at a
glance, a phone-width layout without tables, and a button for a backup now."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import FollowUp
from supportdesk.operations import services
from supportdesk.operations.audit_actions import BackupActions
from supportdesk.operations.models import Backup
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db
PAGE, NOW = "/operations/backups/", "/operations/backups/now/"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "enqueue_after_commit", lambda *args, **kwargs: None)


def good_backup(*, hours_ago: float) -> Backup:
    finished = timezone.now() - datetime.timedelta(hours=hours_ago)
    return Backup.objects.create(
        trigger=Backup.Trigger.NIGHTLY,
        status=Backup.Status.SUCCEEDED,
        started_at=finished - datetime.timedelta(seconds=40),
        finished_at=finished,
        path="/srv/backups/supportdesk-20261202T203000Z-0a1b2c3d.sdbackup",
        key_id="b2026",
        size_bytes=12_345_678,
        sha256="ab" * 32,
    )


@pytest.mark.parametrize("persona", ["volunteer", "coordinator", "outsider"])
def test_everyone_but_administrators_gets_404_and_changes_nothing(
    persona: str, request: pytest.FixtureRequest
) -> None:
    client = verified_client(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 404
    assert client.post(NOW).status_code == 404
    assert not Backup.objects.exists()


def test_an_administrator_sees_that_there_is_no_backup_yet(administrator: User) -> None:
    page = verified_client(administrator).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is no good backup yet." in html
    assert "btest1" in html  # the active backup key's id, never the key
    assert "<table" not in html  # phone first: lists and cards only


def test_the_last_good_backup_shows_and_is_not_stale(administrator: User) -> None:
    good_backup(hours_ago=30)
    last = good_backup(hours_ago=2)
    Backup.objects.create(
        trigger=Backup.Trigger.NIGHTLY,
        status=Backup.Status.FAILED,
        failure="pg_dump failed (exit status 1): connection refused",
    )
    html = verified_client(administrator).get(PAGE).content.decode()
    assert last.file_name in html and "11.8\xa0MB" in html
    assert "more than a day old" not in html
    assert "connection refused" in html
    assert "2 archives, of at most" in html


def test_a_last_backup_older_than_a_day_is_a_warning(administrator: User) -> None:
    good_backup(hours_ago=50)
    html = verified_client(administrator).get(PAGE).content.decode()
    assert "more than a day old: at least one night was missed" in html


def test_a_missing_backup_key_is_said_on_the_page(
    administrator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SUPPORTDESK_BACKUP_KEY")
    html = verified_client(administrator).get(PAGE).content.decode()
    assert "There is no backup key" in html


def test_an_administrator_asks_for_a_backup_now_once(administrator: User) -> None:
    client = verified_client(administrator)
    response = client.post(NOW, follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    backup = Backup.objects.get()
    assert backup.status == Backup.Status.QUEUED and backup.trigger == Backup.Trigger.REQUESTED
    assert FollowUp.objects.filter(kind=services.DEADLINE, subject_id=str(backup.pk)).exists()
    event = AuditEvent.objects.get(action=BackupActions.REQUEST)
    assert event.actor_id == administrator.pk and event.object_id == backup.pk.hex
    again = client.post(NOW, follow=True).content.decode()
    assert "already waiting or running" in again
    assert Backup.objects.count() == 1


def test_the_page_is_linked_for_administrators_only(administrator: User, volunteer: User) -> None:
    assert PAGE in verified_client(administrator).get("/").content.decode()
    assert PAGE not in verified_client(volunteer).get("/").content.decode()
