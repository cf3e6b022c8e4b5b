"""Platform behaviour: production refusals, deploy checks, health, headers, error pages, admin."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils.functional import lazystr

from supportdesk.accounts.models import User
from supportdesk.celery import app as celery_app
from supportdesk.messages import Message
from supportdesk.testing import verified_client

ROOT = Path(__file__).resolve().parent.parent


def random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPPORTDESK_", "DEBUG", "SECRET_KEY", "ENV_FILE", "DJANGO_"))
    }
    env.update(
        SUPPORTDESK_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="supportdesk.example.org",
        ENV_FILE="/nonexistent",
        SUPPORTDESK_AUDIT_KEY=secrets.token_urlsafe(40),
        SUPPORTDESK_KEYS=json.dumps({"active": "k1", "keys": {"k1": random_key()}}),
        SUPPORTDESK_INDEX_KEY=random_key(),
        # Audit checkpoints signed on another host (docs/audit.md); the signer's public key.
        AUDIT_SIGNER_COMMAND="ssh -T signer@signer.example.org",
        AUDIT_VERIFIER_KEY="supportdesk.example.org/audit+3ec21d93+"
        "AaQXNFnZezM3RejI3lwkE6ufachhUZeGInDScyTzq1lf",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_with_production_settings_gives_no_warnings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_printed_address_follows_the_port() -> None:
    env = production_env(SUPPORTDESK_ENV="development", SUPPORTDESK_PORT="8123")
    script = "from django.conf import settings; print(settings.SUPPORTDESK_BASE_URL)"
    result = manage("shell", "--no-imports", "-c", script, env=env)
    assert result.stdout.strip() == "http://127.0.0.1:8123", result.stderr
    procfile = (ROOT / "Procfile").read_text()
    assert "${SUPPORTDESK_PORT:-8000}" in procfile  # the server listens where the address says


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set"),
        ({"DEBUG": "on"}, "DEBUG must be off in production"),
    ],
)
def test_production_refuses_to_start(overrides: dict[str, str], complaint: str) -> None:
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert complaint in result.stderr


def test_the_environment_defaults_to_production() -> None:
    env = production_env()
    del env["SUPPORTDESK_ENV"]
    env["SECRET_KEY"] = ""
    assert "SECRET_KEY must be set" in manage("check", env=env).stderr


@pytest.mark.django_db
def test_healthz_is_ok_when_database_and_broker_answer(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_healthz_says_only_unavailable_when_the_broker_is_down(client: Client) -> None:
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.content == b"unavailable"


@pytest.mark.django_db
def test_authenticated_pages_are_never_cached(volunteer: User) -> None:
    response = verified_client(volunteer).get("/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_404_and_pages_answer_a_plain_page(
    volunteer: User,
) -> None:
    client = verified_client(volunteer)
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and b"Not found." in page.content


@pytest.mark.django_db
def test_administrators_manage_accounts_in_the_admin(administrator: User, volunteer: User) -> None:
    admin = verified_client(administrator)
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/accounts/user/").status_code == 200
    assert admin.get(f"/admin/accounts/user/{volunteer.pk}/change/").status_code == 200
    assert admin.get("/admin/accounts/team/add/").status_code == 200


@pytest.mark.django_db
def test_the_admin_is_closed_to_volunteers_and_coordinators(
    volunteer: User, coordinator: User
) -> None:
    for user in (volunteer, coordinator):
        response = verified_client(user).get("/admin/accounts/user/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_admin_login_page_hands_over_to_two_factor_login(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_login_page_is_offered_in_burmese(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="my")
    assert response.status_code == 200
    assert 'lang="my"' in response.content.decode()


@pytest.mark.django_db
def test_the_header_shows_the_unread_alert_count(volunteer: User) -> None:
    from supportdesk.followups.services import notify_users

    notify_users(
        users=[volunteer], kind="test", message=Message(lazystr("Something to look at")), link="/"
    )
    page = verified_client(volunteer).get("/").content.decode()
    assert 'Inbox <span class="badge">1</span>' in page
    assert "Audit log" not in page  # administrators only


@pytest.mark.django_db
def test_administrators_see_their_pages_in_the_header(administrator: User) -> None:
    page = verified_client(administrator).get("/").content.decode()
    for label in ("Audit log", "Access alerts", "Follow-up problems", "Administration"):
        assert label in page
