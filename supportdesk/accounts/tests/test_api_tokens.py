from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from supportdesk.accounts.models import ApiToken, User
from supportdesk.accounts.tests.factories import PASSWORD
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import current_code, enrol_totp

if TYPE_CHECKING:
    from supportdesk.testing import ClientResponse

pytestmark = pytest.mark.django_db

TOKEN, ME, LOGOUT = "/api/v1/auth/token/", "/api/v1/accounts/me/", "/api/v1/auth/logout/"


def obtain(user: User, **overrides: str) -> tuple[APIClient, ClientResponse]:
    device = enrol_totp(user)
    api = APIClient()
    body = {"username": user.username, "password": PASSWORD, "otp": current_code(device)}
    response = api.post(TOKEN, {**body, **overrides}, format="json")
    return api, response


def bearer(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def test_password_and_code_give_a_token_that_works(volunteer: User) -> None:
    _, response = obtain(volunteer)
    assert response.status_code == 201
    token = response.json()["token"]
    me = bearer(token).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "volunteer"
    assert me.json()["teams"] == [{"id": str(volunteer.teams.get().id), "name": "Team North"}]
    assert AuditEvent.objects.filter(action="auth.token_issued", actor_id=volunteer.pk).exists()


def test_the_token_is_stored_only_as_a_hash(volunteer: User) -> None:
    _, response = obtain(volunteer)
    token = response.json()["token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT token_hash FROM accounts_apitoken")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and token not in stored and all(token[4:] not in h for h in stored)


def test_a_token_needs_the_second_factor(volunteer: User) -> None:
    _, response = obtain(volunteer, otp="000000")
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_wrong_password_and_unknown_user_answer_identically(volunteer: User) -> None:
    _, wrong = obtain(volunteer, password="not it at all")
    unknown = APIClient().post(
        TOKEN, {"username": "ghost", "password": "not it at all", "otp": "123456"}, format="json"
    )
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


def test_bad_input_gets_a_message_per_field(db: None) -> None:
    response = APIClient().post(TOKEN, {"username": ["x"], "otp": "1" * 40}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"username", "password", "otp"}
    assert not ApiToken.objects.exists()


def test_an_account_without_an_authenticator_is_told_to_set_one_up(volunteer: User) -> None:
    response = APIClient().post(
        TOKEN, {"username": "volunteer", "password": PASSWORD, "otp": "123456"}, format="json"
    )
    assert response.status_code == 400
    assert "two-factor" in response.json()["detail"]


def test_an_idle_token_expires(volunteer: User, settings) -> None:
    _, response = obtain(volunteer)
    api = bearer(response.json()["token"])
    later = timezone.now() + settings.API_TOKEN_IDLE_TIMEOUT + timedelta(minutes=1)
    with time_machine.travel(later):
        assert api.get(ME).status_code == 401


def test_a_used_token_still_expires_at_its_absolute_lifetime(volunteer: User, settings) -> None:
    _, response = obtain(volunteer)
    api = bearer(response.json()["token"])
    start = timezone.now()
    step = settings.API_TOKEN_IDLE_TIMEOUT - timedelta(minutes=10)
    elapsed = step
    while elapsed < settings.API_TOKEN_ABSOLUTE_LIFETIME:
        with time_machine.travel(start + elapsed):
            assert api.get(ME).status_code == 200
        elapsed += step
    with time_machine.travel(start + settings.API_TOKEN_ABSOLUTE_LIFETIME + timedelta(minutes=1)):
        assert api.get(ME).status_code == 401


def test_logout_revokes_the_token(volunteer: User) -> None:
    _, response = obtain(volunteer)
    api = bearer(response.json()["token"])
    assert api.post(LOGOUT).status_code == 204
    assert api.get(ME).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_a_malformed_or_unknown_token_is_refused(db: None) -> None:
    for header in ("Bearer sdt_unknown", "Bearer", "Basic abc", "Bearer " + "x" * 500):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=header)
        response = api.get(ME)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_verified_browser_session_can_use_the_api(volunteer: User) -> None:
    from supportdesk.testing import verified_client

    assert verified_client(volunteer).get(ME).status_code == 200


def test_the_schema_and_api_docs_need_a_verified_user(client, volunteer: User) -> None:
    from supportdesk.testing import verified_client

    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 302
    verified = verified_client(volunteer)
    schema = verified.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content
    assert verified.get("/api/docs/").status_code == 200
