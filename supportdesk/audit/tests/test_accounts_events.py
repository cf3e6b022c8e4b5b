"""Every accounts service that changes state writes its audit event, in the same transaction,
with ids and field names only (never a password, code or token)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_otp.oath import totp

from supportdesk import request_context
from supportdesk.accounts import services
from supportdesk.accounts.models import ApiToken, Team, TOTPDevice, User
from supportdesk.accounts.tests.factories import PASSWORD, UserFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import enrol_totp

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{totp(bytes(device.secret)):06d}"


def only_event(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def test_user_create(administrator: User) -> None:
    user = services.user_create(
        actor=administrator, username="newcomer", password=PASSWORD, role=User.Role.VOLUNTEER
    )
    event = only_event("account.create")
    assert (event.actor_id, event.object_type, event.object_id) == (
        administrator.pk,
        "accounts.user",
        user.pk.hex,
    )
    assert event.fields == ["role", "username"]


def test_team_add_member(administrator: User, team: Team) -> None:
    user = UserFactory.create()
    services.team_add_member(actor=administrator, team=team, user=user)
    services.team_add_member(actor=administrator, team=team, user=user)  # no change, no event
    event = only_event("team.add_member")
    assert (event.object_type, event.object_id, event.fields) == (
        "accounts.team",
        team.pk.hex,
        ["members"],
    )


def test_login_password_failed_for_a_known_and_an_unknown_name(volunteer: User) -> None:
    services.login_password_failed(username=volunteer.username, ip="192.0.2.7")
    services.login_password_failed(username="nobody-by-this-name", ip="192.0.2.7")
    known, unknown = AuditEvent.objects.filter(action="auth.login_failed").order_by("id")
    assert known.actor_id == volunteer.pk
    assert unknown.actor_id is None and unknown.object_id == ""
    assert "nobody" not in str(unknown.fields)  # the typed name is not recorded


def test_otp_verify_success(volunteer: User) -> None:
    device = enrol_totp(volunteer)
    assert services.otp_verify(user=volunteer, token=code_for(device), ip=None) is not None
    event = only_event("auth.login")
    assert (event.actor_id, event.fields) == (volunteer.pk, ["TOTPDevice"])


def test_otp_failure_is_recorded(volunteer: User) -> None:
    enrol_totp(volunteer)
    services.otp_verify(user=volunteer, token="12345", ip=None)
    event = only_event("auth.otp_failed")
    assert event.actor_id == volunteer.pk and event.fields == []


def test_totp_enrol_confirm(volunteer: User) -> None:
    device = services.totp_enrol_pending(user=volunteer)
    services.totp_enrol_confirm(user=volunteer, token=code_for(device), ip=None)
    assert only_event("auth.totp_enrolled").fields == ["totp_device"]


def test_backup_codes_regenerate(volunteer: User) -> None:
    codes = services.backup_codes_regenerate(user=volunteer)
    event = only_event("auth.backup_codes_regenerated")
    assert event.fields == ["backup_codes"]
    assert not any(code in str(event.fields) for code in codes)


def test_password_change(volunteer: User) -> None:
    services.password_change(user=volunteer, new_password="another long passphrase 77")
    event = only_event("auth.password_changed")
    assert event.fields == ["password"] and event.object_id == volunteer.pk.hex


def test_user_revoke_all(coordinator: User, volunteer: User) -> None:
    services.user_revoke_all(actor=coordinator, user=volunteer)
    event = only_event("auth.revoke_all")
    assert event.actor_id == coordinator.pk and event.object_id == volunteer.pk.hex
    assert event.fields == ["api_tokens", "otp_devices", "password", "sessions"]


def test_api_token_issue_and_revoke(volunteer: User) -> None:
    issued = services.api_token_issue(user=volunteer)
    services.api_token_revoke(token=issued.record)
    issue, revoke = only_event("auth.token_issued"), only_event("auth.token_revoked")
    for event in (issue, revoke):
        assert (event.object_type, event.object_id) == ("accounts.apitoken", issued.record.pk.hex)
        assert issued.token not in str(event.fields)


@pytest.mark.parametrize(
    "call",
    [
        lambda user: services.password_change(user=user, new_password="another long passphrase 9"),
        lambda user: services.api_token_issue(user=user),
        lambda user: services.backup_codes_regenerate(user=user),
    ],
)
def test_events_carry_the_request_id_and_ip(
    volunteer: User, call: Callable[[User], object]
) -> None:
    request_context.bind(request_id="f" * 32, ip="198.51.100.4")
    try:
        call(volunteer)
    finally:
        request_context.bind(request_id="", ip=None)
    event = AuditEvent.objects.latest("id")
    assert (event.request_id, event.ip) == ("f" * 32, "198.51.100.4")


def test_an_event_is_rolled_back_with_its_change(volunteer: User) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.api_token_issue(user=volunteer)
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="auth.token_issued").exists()
    assert not ApiToken.objects.exists()


def test_every_state_changing_accounts_service_is_covered_here() -> None:
    """A new public write in accounts.services must get an audit event and a test above."""
    import inspect

    covered = {
        "user_create",
        "team_add_member",
        "login_password_failed",
        "otp_verify",
        "totp_enrol_confirm",
        "backup_codes_regenerate",
        "password_change",
        "user_revoke_all",
        "api_token_issue",
        "api_token_revoke",
    }
    # Reads, checks, and steps whose own events are written by the services above.
    not_writes = {
        "login_throttle_check",
        "user_has_confirmed_totp",
        "totp_enrol_pending",  # an unconfirmed device: nothing changes until confirmed
        "backup_codes_remaining",
        "api_token_idle_expires_at",
        "api_token_authenticate",  # touches last_used_at only
    }
    public = {
        name
        for name, value in inspect.getmembers(services, inspect.isfunction)
        if value.__module__ == services.__name__ and not name.startswith("_")
    }
    assert public - covered - not_writes == set()
