from __future__ import annotations

import pytest
from django.test import Client

from supportdesk.accounts.models import BackupCodeDevice, TOTPDevice, User
from supportdesk.accounts.tests.factories import PASSWORD
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import token_client, verified_client

pytestmark = pytest.mark.django_db


def revoke_url(user: User) -> str:
    return f"/accounts/people/{user.pk}/revoke-all/"


def assert_cut_off(user: User, sessions: list[Client], apis: list) -> None:
    for session in sessions:
        assert session.get("/").status_code == 302
    for api in apis:
        assert api.get("/api/v1/accounts/me/").status_code == 401
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not BackupCodeDevice.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.check_password(PASSWORD)
    assert (
        Client()
        .post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        .status_code
        == 400
    )


def test_a_coordinator_cuts_off_a_team_member_at_once(coordinator: User, volunteer: User) -> None:
    phone, laptop = verified_client(volunteer), verified_client(volunteer)
    api = token_client(volunteer)
    response = verified_client(coordinator).post(revoke_url(volunteer))
    assert response.status_code == 302
    assert_cut_off(volunteer, [phone, laptop], [api])
    event = AuditEvent.objects.get(action="auth.revoke_all")
    assert event.actor_id == coordinator.pk
    assert event.object_id == volunteer.pk.hex


def test_an_administrator_cuts_off_anyone(administrator: User, outsider: User) -> None:
    phone = verified_client(outsider)
    assert verified_client(administrator).post(revoke_url(outsider)).status_code == 302
    assert_cut_off(outsider, [phone], [])


def test_people_cut_off_their_own_account(volunteer: User) -> None:
    phone, laptop = verified_client(volunteer), verified_client(volunteer)
    response = laptop.post(revoke_url(volunteer))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert_cut_off(volunteer, [phone, laptop], [])


def test_a_coordinator_cannot_reach_another_teams_member(coordinator: User, outsider: User) -> None:
    phone = verified_client(outsider)
    assert verified_client(coordinator).post(revoke_url(outsider)).status_code == 404
    assert verified_client(coordinator).get(revoke_url(outsider)).status_code == 404
    assert phone.get("/").status_code == 200


def test_a_volunteer_cannot_cut_off_a_colleague(volunteer: User, coordinator: User) -> None:
    assert verified_client(volunteer).post(revoke_url(coordinator)).status_code == 404
    assert TOTPDevice.objects.filter(user=coordinator).exists() is False  # never had one
    assert verified_client(coordinator).get("/").status_code == 200


def test_the_api_revokes_too_and_hides_other_teams(
    coordinator: User, volunteer: User, outsider: User
) -> None:
    api = token_client(coordinator)
    victim_api = token_client(volunteer)
    url = "/api/v1/accounts/users/{}/revoke-all/"
    assert api.post(url.format(outsider.pk)).status_code == 404
    assert api.post(url.format(volunteer.pk)).status_code == 204
    assert victim_api.get("/api/v1/accounts/me/").status_code == 401


def test_the_people_page_lists_only_those_one_may_cut_off(
    coordinator: User, volunteer: User, outsider: User
) -> None:
    page = verified_client(coordinator).get("/accounts/people/").content.decode()
    assert "volunteer" in page and "outsider" not in page
    own = verified_client(outsider).get("/accounts/people/").content.decode()
    assert "outsider" in own and "coordinator" not in own


def test_after_revoke_an_administrator_lets_the_person_back_in(
    administrator: User, volunteer: User
) -> None:
    verified_client(administrator).post(revoke_url(volunteer))
    volunteer.refresh_from_db()
    volunteer.set_password("a new temporary passphrase")
    volunteer.save()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "volunteer", "password": "a new temporary passphrase"}
    )
    assert response["Location"].startswith("/accounts/two-factor/setup/")  # enrol again
