"""The administrators' backups page on a 360 px phone, in English and Burmese: the last good
backup first, nothing wider than the screen (long file names, hashes and reasons wrap)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from supportdesk.accounts.models import User
from supportdesk.operations.models import Backup
from tests.browser import journey

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_backups_page_fits_a_small_phone(
    live_server: LiveServer, small_phone: Page, administrator: User
) -> None:
    finished = timezone.now() - datetime.timedelta(hours=30)
    Backup.objects.create(
        trigger=Backup.Trigger.NIGHTLY,
        status=Backup.Status.SUCCEEDED,
        started_at=finished - datetime.timedelta(minutes=3),
        finished_at=finished,
        path="/var/backups/supportdesk/supportdesk-20261202T203000Z-0a1b2c3d.sdbackup",
        key_id="b202612020830",
        size_bytes=987_654_321,
        sha256="0123456789abcdef" * 4,
    )
    Backup.objects.create(
        trigger=Backup.Trigger.NIGHTLY,
        status=Backup.Status.FAILED,
        failure="The archive could not be written to /var/backups/supportdesk/supportdesk-"
        "20261203T203000Z-ffeeddcc.sdbackup (No space left on device).",
    )
    journey.open_as(small_phone, live_server, administrator, "/operations/backups/")
    assert small_phone.locator("form[action='/operations/backups/now/'] button").is_visible()
    assert small_phone.locator("section.card.danger").count() == 1  # more than a day old
    journey.keep(small_phone, "backups")
