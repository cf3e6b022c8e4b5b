"""Access anomalies: bulk reading and reading outside usual hours raise exactly one alert each,
emailed to administrators as a count and a link; an administrator acknowledges or revokes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings

from supportdesk.accounts.models import User
from supportdesk.audit import alerts
from supportdesk.audit.models import AuditAlert, AuditEvent
from supportdesk.audit.tests.helpers import make_events

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo(settings.TIME_ZONE)
# Mid-morning local time: inside the default usual hours, so only bulk reading can alert.
MORNING = datetime(2026, 3, 10, 10, 30, tzinfo=LOCAL)


def read_cases(user: User, count: int, *, at: datetime, same_case: bool = False) -> None:
    make_events(count, actor_id=user.pk, at=at, object_id="one" if same_case else None)


@pytest.fixture
def limit() -> int:
    return settings.AUDIT_ANOMALY_DISTINCT_READS


def test_reading_the_limit_raises_nothing(volunteer: User, limit: int) -> None:
    read_cases(volunteer, limit, at=MORNING - timedelta(minutes=5))
    assert alerts.anomalies_check(now=MORNING) == []


def test_reading_one_case_more_than_the_limit_raises_exactly_one_alert(
    volunteer: User, limit: int
) -> None:
    read_cases(volunteer, limit + 1, at=MORNING - timedelta(minutes=30))
    assert len(alerts.anomalies_check(now=MORNING)) == 1
    # The check runs every minute and the reading goes on: still one alert.
    read_cases(volunteer, 20, at=MORNING + timedelta(minutes=1))
    assert alerts.anomalies_check(now=MORNING + timedelta(minutes=1)) == []
    assert alerts.anomalies_check(now=MORNING + timedelta(minutes=50)) == []
    alert = AuditAlert.objects.get()
    assert (alert.kind, alert.subject_id) == (AuditAlert.Kind.BULK_READ, volunteer.pk)
    assert f"{limit + 1} distinct cases" in alert.detail


def test_rereading_one_case_is_not_bulk_reading(volunteer: User, limit: int) -> None:
    read_cases(volunteer, limit + 10, at=MORNING - timedelta(minutes=5), same_case=True)
    assert alerts.anomalies_check(now=MORNING) == []


def test_reads_spread_over_more_than_an_hour_do_not_count_together(
    volunteer: User, limit: int
) -> None:
    read_cases(volunteer, limit, at=MORNING - timedelta(minutes=90))
    read_cases(volunteer, 5, at=MORNING - timedelta(minutes=5))
    assert alerts.anomalies_check(now=MORNING) == []


def test_other_actions_and_types_do_not_count(volunteer: User, limit: int) -> None:
    make_events(limit + 1, actor_id=volunteer.pk, at=MORNING, action="case.update")
    make_events(limit + 1, actor_id=volunteer.pk, at=MORNING, object_type="funds.fund")
    assert alerts.anomalies_check(now=MORNING) == []


@override_settings(AUDIT_ANOMALY_DISTINCT_READS=3)
def test_the_limit_is_a_setting(volunteer: User) -> None:
    read_cases(volunteer, 4, at=MORNING)
    assert len(alerts.anomalies_check(now=MORNING)) == 1


def test_each_reader_gets_their_own_alert(volunteer: User, coordinator: User, limit: int) -> None:
    read_cases(volunteer, limit + 1, at=MORNING)
    read_cases(coordinator, limit + 1, at=MORNING)
    assert {alert.subject_id for alert in alerts.anomalies_check(now=MORNING)} == {
        volunteer.pk,
        coordinator.pk,
    }


def test_administrators_get_a_count_and_a_link_only(
    volunteer: User, administrator: User, limit: int
) -> None:
    from supportdesk.followups.models import Notification
    from supportdesk.followups.services import notifications_email_send

    administrator.email = "admin@example.org"
    administrator.save(update_fields=["email"])
    volunteer.email = "volunteer@example.org"
    volunteer.save(update_fields=["email"])
    read_cases(volunteer, limit + 1, at=MORNING)
    (alert,) = alerts.anomalies_check(now=MORNING)
    notice = Notification.objects.get(kind="audit.alert")
    assert notice.user == administrator and notice.link == f"/audit/alerts/{alert.pk}/"
    assert volunteer.username not in notice.text and volunteer.pk.hex not in notice.text
    assert notifications_email_send(user_id=administrator.pk) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@example.org"]
    assert "1 new alert" in message.body
    assert volunteer.username not in str(message.body) + str(message.subject)
    assert str(volunteer.pk) not in message.body and volunteer.pk.hex not in message.body


# --- Usual hours ------------------------------------------------------------------------------


def history(user: User, *, days: int, hours: range, before: datetime) -> None:
    for day in range(1, days + 1):
        for hour in hours:
            at = (before - timedelta(days=day)).replace(hour=hour, minute=15)
            make_events(1, actor_id=user.pk, at=at)


def test_a_new_account_reading_at_night_raises_one_alert(volunteer: User) -> None:
    night = datetime(2026, 3, 10, 3, 20, tzinfo=LOCAL)
    read_cases(volunteer, 2, at=night - timedelta(minutes=10))
    created = alerts.anomalies_check(now=night)
    assert [alert.kind for alert in created] == [AuditAlert.Kind.OFF_HOURS]
    assert "03:00" in created[0].detail
    read_cases(volunteer, 2, at=night + timedelta(minutes=30))
    assert alerts.anomalies_check(now=night + timedelta(minutes=40)) == []


def test_learned_hours_replace_the_default(volunteer: User) -> None:
    """Someone who always works evenings is usual at 23:00, unusual at 10:00."""
    evening = datetime(2026, 3, 10, 23, 30, tzinfo=LOCAL)
    history(volunteer, days=10, hours=range(19, 24), before=evening)
    usual = alerts.usual_hours(actor_id=volunteer.pk, now=evening)
    assert usual.learned and usual.hours == frozenset(range(19, 24))
    read_cases(volunteer, 1, at=evening - timedelta(minutes=5))
    assert alerts.anomalies_check(now=evening) == []
    morning = datetime(2026, 3, 11, 10, 30, tzinfo=LOCAL)
    read_cases(volunteer, 1, at=morning - timedelta(minutes=5))
    assert [a.kind for a in alerts.anomalies_check(now=morning)] == [AuditAlert.Kind.OFF_HOURS]


def test_reading_in_usual_hours_raises_nothing(volunteer: User) -> None:
    history(volunteer, days=10, hours=range(9, 18), before=MORNING)
    read_cases(volunteer, 3, at=MORNING - timedelta(minutes=5))
    assert alerts.anomalies_check(now=MORNING) == []


# --- Acknowledging and revoking ---------------------------------------------------------------


@pytest.fixture
def alert(volunteer: User) -> AuditAlert:
    created = alerts.alert_raise(
        kind=AuditAlert.Kind.BULK_READ,
        subject_id=volunteer.pk,
        dedupe_key=f"test:{uuid.uuid4().hex}",
        detail="60 distinct cases read.",
    )
    assert created is not None
    return created


def test_raising_the_same_alert_twice_keeps_one(volunteer: User) -> None:
    for _ in range(2):
        alerts.alert_raise(kind=AuditAlert.Kind.BULK_READ, dedupe_key="same", detail="x")
    assert AuditAlert.objects.count() == 1


def test_acknowledging_keeps_the_first_administrator(
    alert: AuditAlert, administrator: User
) -> None:
    other = User.objects.create_user("admin2", "long enough password 99", role="administrator")
    alerts.alert_acknowledge(actor=administrator, alert=alert)
    alerts.alert_acknowledge(actor=other, alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by_id == administrator.pk and not alert.is_open
    event = AuditEvent.objects.get(action="audit.alert_acknowledge")
    assert (event.actor_id, event.object_type) == (administrator.pk, "audit.auditalert")


def test_revoking_from_the_alert_cuts_off_the_account(
    alert: AuditAlert, administrator: User, volunteer: User
) -> None:
    alerts.alert_revoke_subject(actor=administrator, alert=alert, subject=volunteer)
    volunteer.refresh_from_db()
    assert not volunteer.has_usable_password()
    assert AuditEvent.objects.filter(action="auth.revoke_all", actor_id=administrator.pk).exists()
    alert.refresh_from_db()
    assert not alert.is_open
