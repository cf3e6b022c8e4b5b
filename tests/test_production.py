"""supportdesk as it runs in production: gunicorn with deploy/gunicorn.conf.py, production settings
from a filled env file, the least-privilege app role, Redis, a Celery worker and beat. Over HTTP
a volunteer logs in with password and TOTP, reads a case, and sees a follow-up that was due fire
through the worker; /healthz answers. About 30 s (tests/production_stack.py does the setting up).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.production_stack import PASSWORD, ROOT, Browser, Stack, seed, wait_for


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, Any]]]:
    stack = Stack(tmp_path_factory.mktemp("production"))
    try:
        stack.install()
        data = seed(stack, cases=1, flags=1)
        stack.start_worker()
        stack.start_beat()
        stack.web = stack.start_web()  # type: ignore[attr-defined]
        stack.wait_ready("web", "Booting worker")
        stack.wait_ready("worker", " ready.")
        yield stack, data
    finally:
        stack.stop()
        stack.drop()


def test_healthz_answers_through_gunicorn_and_plain_http_is_sent_to_https(
    production: tuple[Stack, dict[str, Any]],
) -> None:
    stack, _data = production
    browser = Browser(stack.web)  # type: ignore[attr-defined]
    wait_for("/healthz 200", lambda: browser.get("/healthz").status == 200, timeout=30)
    assert browser.get("/healthz").body == "ok"
    # A request that did not come through nginx's TLS is told to go to HTTPS.
    plain = Browser(stack.web, through_nginx=False).get("/accounts/login/")  # type: ignore[attr-defined]
    assert plain.status == 301
    assert plain.location == "https://desk.test/accounts/login/"


def test_a_volunteer_logs_in_with_totp_reads_a_case_and_sees_a_follow_up_fire(
    production: tuple[Stack, dict[str, Any]],
) -> None:
    stack, data = production
    browser = Browser(stack.web)  # type: ignore[attr-defined]
    wait_for("/healthz 200", lambda: browser.get("/healthz").status == 200, timeout=30)

    # Not logged in: every page but the allowlist sends the browser to the login page.
    case = data["cases"][0]
    assert browser.get(f"/cases/{case['id']}/").status == 302

    browser.log_in(username="volunteer", password=PASSWORD, totp_secret_hex=data["secret"])
    assert "sd_session" in browser.cookies

    page = browser.get(f"/cases/{case['id']}/")
    assert page.status == 200, page.body[:2000]
    assert case["alias"] in page.body  # decrypted with the key ring from the env file's files
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    viewed = stack.query(
        "SELECT count(*) FROM audit_auditevent WHERE action = 'case.view' AND object_id = %s",
        [case["id"].replace("-", "")],  # events keep a UUID as its hex
    )
    assert viewed[0][0] >= 1

    # The family flag's review was due yesterday: beat asks for a sweep, the worker runs it.
    (followup,) = data["followups"]
    key = f"followup:{followup}"

    def fired() -> bool:
        rows = stack.query(
            "SELECT count(*) FROM followups_notification WHERE user_id = %s AND dedupe_key = %s",
            [data["volunteer"], key],
        )
        return rows[0][0] == 1

    wait_for("the follow-up's notification", fired, timeout=40)
    assert stack.query(
        "SELECT state, attempts FROM followups_followup WHERE id = %s", [followup]
    ) == [("done", 1)]
    unread = browser.get("/api/v1/notifications/unread-count/")
    assert unread.status == 200, unread.body
    assert json.loads(unread.body)["unread"] >= 1
    assert "Sending due task followups-sweep" in stack.log("beat")
    assert "followups.sweep" in stack.log("worker")


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    """SECRET_KEY_FILE, DATABASE_URL_FILE and REDIS_URL_FILE (docker secrets), stripped."""
    secret = tmp_path / "secret_key"
    secret.write_text("s" * 60 + "\n")
    database = tmp_path / "database_url"
    database.write_text("postgres://supportdesk_app:pw@db:5432/supportdesk\n")
    redis = tmp_path / "redis_url"
    redis.write_text("redis://redis:6379/0\n")
    code = (
        "from django.conf import settings as s; import json; d = s.DATABASES['default']; "
        "print(json.dumps([s.SECRET_KEY, d['HOST'], d['PASSWORD'], s.REDIS_URL]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ENV_FILE": "/nonexistent",
        "SUPPORTDESK_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "SECRET_KEY_FILE": str(secret),
        "DATABASE_URL_FILE": str(database),
        "REDIS_URL_FILE": str(redis),
    }
    result = subprocess.run(  # noqa: S603 - our own settings
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["s" * 60, "db", "pw", "redis://redis:6379/0"]
    missing = env | {"SECRET_KEY_FILE": str(tmp_path / "nowhere")}
    refused = subprocess.run(  # noqa: S603 - our own settings
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=missing,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "SECRET_KEY_FILE names a file that cannot be read." in refused.stderr
