from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import LazySettings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.functional import lazystr

from supportdesk.accounts.models import User
from supportdesk.followups.models import Notification
from supportdesk.followups.services import (
    BadLink,
    notifications_email_catch_up,
    notifications_email_send,
    notify_users,
)
from supportdesk.messages import Message


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: object) -> int:
        raise ConnectionRefusedError


@pytest.fixture
def reachable(volunteer: User) -> User:
    volunteer.email = "volunteer@example.org"
    volunteer.save(update_fields=["email"])
    return volunteer


def test_the_same_dedupe_key_notifies_each_user_once(volunteer: User, coordinator: User) -> None:
    for _ in range(3):
        notify_users(
            users=[volunteer, coordinator],
            kind="k",
            message=Message(lazystr("t")),
            dedupe_key="duty:1",
        )
    notify_users(users=[volunteer], kind="k", message=Message(lazystr("t")))
    notify_users(users=[volunteer], kind="k", message=Message(lazystr("t")))

    assert Notification.objects.filter(user=volunteer).count() == 3
    assert Notification.objects.filter(user=coordinator).count() == 1


def test_inactive_users_are_not_notified(volunteer: User) -> None:
    volunteer.is_active = False
    volunteer.save(update_fields=["is_active"])
    notify_users(users=[volunteer], kind="k", message=Message(lazystr("t")))
    assert not Notification.objects.exists()


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_links_must_stay_on_this_site(volunteer: User, link: str) -> None:
    with pytest.raises(BadLink):
        notify_users(users=[volunteer], kind="k", message=Message(lazystr("t")), link=link)


def test_email_is_enqueued_only_after_commit(
    volunteer: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_users(users=[volunteer], kind="k", message=Message(lazystr("t")))
    assert len(callbacks) == 1


def test_the_email_says_how_many_alerts_and_links_to_the_inbox_only(
    reachable: User, settings: LazySettings
) -> None:
    settings.SUPPORTDESK_BASE_URL = "https://desk.example.org/"
    notify_users(
        users=[reachable],
        kind="k",
        message=Message(lazystr("Check-in missed: Special 007")),
        link="/c/1/",
    )
    notify_users(
        users=[reachable],
        kind="k",
        message=Message(lazystr("Route changed: Special 007")),
        link="/c/1/",
    )

    assert notifications_email_send(user_id=reachable.pk) == 2

    (message,) = mail.outbox
    assert message.to == ["volunteer@example.org"]
    assert message.body == "You have 2 new alerts.\n\nhttps://desk.example.org/notifications/\n"
    assert "Special 007" not in message.subject + message.body


def test_alerts_are_emailed_once(reachable: User) -> None:
    notify_users(users=[reachable], kind="k", message=Message(lazystr("t")))
    notifications_email_send(user_id=reachable.pk)
    notifications_email_send(user_id=reachable.pk)
    notify_users(users=[reachable], kind="k", message=Message(lazystr("t")))
    notifications_email_send(user_id=reachable.pk)

    assert [m.body.splitlines()[0] for m in mail.outbox] == [
        "You have 1 new alert.",
        "You have 1 new alert.",
    ]


def test_alerts_already_read_are_not_emailed(reachable: User) -> None:
    notify_users(users=[reachable], kind="k", message=Message(lazystr("t")))
    Notification.objects.update(read_at=timezone.now())
    assert notifications_email_send(user_id=reachable.pk) == 0
    assert mail.outbox == []


def test_a_failed_send_leaves_the_alerts_to_email_again(
    reachable: User, settings: LazySettings
) -> None:
    notify_users(users=[reachable], kind="k", message=Message(lazystr("t")))
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(ConnectionRefusedError):
        notifications_email_send(user_id=reachable.pk)
    assert Notification.objects.get().emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_email_send(user_id=reachable.pk) == 1


def test_catch_up_finds_users_with_alerts_never_emailed(
    reachable: User, coordinator: User, settings: LazySettings
) -> None:
    settings.FOLLOWUPS_EMAIL_GRACE_SECONDS = 120
    notify_users(users=[reachable], kind="k", message=Message(lazystr("t")))
    notify_users(users=[coordinator], kind="k", message=Message(lazystr("t")))
    Notification.objects.filter(user=reachable).update(
        created_at=timezone.now() - timedelta(minutes=3)
    )

    assert notifications_email_catch_up() == 1
