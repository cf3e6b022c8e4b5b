"""The inbox and the problems list, by API and page: scoped to their owner, 404 otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.functional import lazystr
from rest_framework.test import APIClient

from supportdesk.accounts.models import User
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.services import followup_schedule, notify_users
from supportdesk.followups.tests.retentiontest.models import Dossier
from supportdesk.messages import Message

ApiFor = Callable[[User], APIClient]
PageFor = Callable[[User], Client]


def alert(user: User, text: str = "Check-in missed: Special 007") -> Notification:
    notify_users(users=[user], kind="checkin.missed", message=Message(lazystr(text)), link="/")
    return Notification.objects.filter(user=user).latest("created_at")


def test_the_inbox_lists_only_my_notifications(
    api_client_for: ApiFor, volunteer: User, outsider: User, django_assert_max_num_queries
) -> None:
    mine = [alert(volunteer) for _ in range(3)]
    alert(outsider, "someone else's")
    client = api_client_for(volunteer)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/notifications/")

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {str(n.pk) for n in mine}
    assert response.json()["count"] == 3


def test_unread_filter_and_count(api_client_for: ApiFor, volunteer: User) -> None:
    first, _second = alert(volunteer), alert(volunteer)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    client = api_client_for(volunteer)

    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 1


def test_bad_filter_answers_400_per_field(api_client_for: ApiFor, volunteer: User) -> None:
    response = api_client_for(volunteer).get("/api/v1/notifications/?unread=perhaps")
    assert response.status_code == 400
    assert "unread" in response.json()


def test_i_can_mark_my_notification_read(api_client_for: ApiFor, volunteer: User) -> None:
    notification = alert(volunteer)

    response = api_client_for(volunteer).post(f"/api/v1/notifications/{notification.pk}/read/")

    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_someone_elses_notification_read_gets_404(
    api_client_for: ApiFor, volunteer: User, outsider: User
) -> None:
    theirs = alert(outsider)

    response = api_client_for(volunteer).post(f"/api/v1/notifications/{theirs.pk}/read/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_mine(
    api_client_for: ApiFor, volunteer: User, outsider: User
) -> None:
    alert(volunteer), alert(volunteer), alert(outsider)

    response = api_client_for(volunteer).post("/api/v1/notifications/read-all/")

    assert response.json() == {"marked": 2}
    assert Notification.objects.filter(user=outsider, read_at__isnull=True).count() == 1


def test_the_inbox_needs_a_verified_login(volunteer: User) -> None:
    assert APIClient().get("/api/v1/notifications/").status_code == 401
    client = Client()
    client.force_login(volunteer)  # password only, no second factor
    assert client.get("/api/v1/notifications/").status_code == 401
    assert client.get("/notifications/").status_code == 302


def test_the_inbox_page_shows_my_alerts_and_marks_them_read(
    client_for: PageFor, volunteer: User, outsider: User
) -> None:
    mine = alert(volunteer)
    alert(outsider, "Someone else's alert")
    client = client_for(volunteer)

    page = client.get("/notifications/")
    assert page.status_code == 200
    assert "Check-in missed: Special 007" in page.content.decode()
    assert "Someone else" not in page.content.decode()

    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_inbox_page_gives_404_for_someone_elses_notification(
    client_for: PageFor, volunteer: User, outsider: User
) -> None:
    theirs = alert(outsider)
    assert client_for(volunteer).post(f"/notifications/{theirs.pk}/read/").status_code == 404


# --- Problems (administrators) -----------------------------------------------------------------


@pytest.fixture
def problems(db: None) -> dict[str, FollowUp]:
    now = timezone.now()
    rows = {}
    for name, due, state in [
        ("failed", now - timedelta(minutes=5), FollowUp.State.FAILED),
        ("overdue", now - timedelta(hours=2), FollowUp.State.PENDING),
        ("late_but_fine", now - timedelta(minutes=30), FollowUp.State.PENDING),
        ("done_long_ago", now - timedelta(days=2), FollowUp.State.DONE),
    ]:
        row = followup_schedule(kind=f"test.{name}", subject=Dossier.objects.create(), due_at=due)
        FollowUp.objects.filter(pk=row.pk).update(state=state)
        rows[name] = row
    return rows


def test_administrators_see_failed_and_long_overdue_follow_ups(
    api_client_for: ApiFor, administrator: User, problems: dict[str, FollowUp]
) -> None:
    response = api_client_for(administrator).get("/api/v1/followups/problems/")

    assert response.status_code == 200
    kinds = [row["kind"] for row in response.json()["results"]]
    assert kinds == ["test.overdue", "test.failed"]


@pytest.mark.parametrize("persona", ["volunteer", "coordinator", "outsider"])
def test_others_get_404_for_the_problems_list(
    api_client_for: ApiFor,
    client_for: PageFor,
    persona: str,
    request: pytest.FixtureRequest,
    problems: dict[str, FollowUp],
) -> None:
    user = request.getfixturevalue(persona)
    failed = problems["failed"]
    assert api_client_for(user).get("/api/v1/followups/problems/").status_code == 404
    assert (
        api_client_for(user).post(f"/api/v1/followups/problems/{failed.pk}/retry/").status_code
        == 404
    )
    assert client_for(user).get("/followups/problems/").status_code == 404
    assert client_for(user).post(f"/followups/problems/{failed.pk}/retry/").status_code == 404
    assert FollowUp.objects.get(pk=failed.pk).state == FollowUp.State.FAILED


def test_the_problems_page_lists_them_for_administrators(
    client_for: PageFor, administrator: User, problems: dict[str, FollowUp]
) -> None:
    page = client_for(administrator).get("/followups/problems/")
    assert page.status_code == 200
    assert "test.failed" in page.content.decode()
    assert "test.late_but_fine" not in page.content.decode()


def test_an_administrator_sends_a_failed_follow_up_back_to_the_sweep(
    api_client_for: ApiFor, administrator: User, problems: dict[str, FollowUp]
) -> None:
    failed = problems["failed"]

    response = api_client_for(administrator).post(f"/api/v1/followups/problems/{failed.pk}/retry/")

    assert response.status_code == 200
    row = FollowUp.objects.get(pk=failed.pk)
    assert (row.state, row.attempts) == (FollowUp.State.PENDING, 0)
    assert AuditEvent.objects.filter(action="followup.retry", object_id=str(failed.pk)).exists()


def test_retrying_a_follow_up_that_is_not_failed_answers_409(
    api_client_for: ApiFor, administrator: User, problems: dict[str, FollowUp]
) -> None:
    overdue = problems["overdue"]
    response = api_client_for(administrator).post(f"/api/v1/followups/problems/{overdue.pk}/retry/")
    assert response.status_code == 409
