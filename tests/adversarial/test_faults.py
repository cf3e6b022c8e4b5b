"""Faults, injected into private services (the shared PostgreSQL and Redis are never touched):

- key rotation killed with SIGKILL halfway: everything stays readable, the next run completes;
- PostgreSQL (a private cluster) restarted under load behind real gunicorn: clean 503s during the
  outage, no partial writes, recovery without restarting the app;
- Redis (a private server) stopped mid-journey: pages and the API still answer, or a clean 503
  where Redis is needed; every follow-up due meanwhile fires once after Redis returns;
- a Celery worker killed with SIGKILL mid-sweep: no duplicate notification, every duty done
  after a new worker starts.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from cases.tests.factories import CaseFactory, FamilyMemberFactory
from supportdesk.accounts.tests.factories import TeamFactory
from tests.adversarial.outages import FaultStack, PrivatePostgres, PrivateRedis
from tests.production_stack import PASSWORD, ROOT, Browser, Response, seed, wait_for

# Every encrypted value of every model opened, in a Django process of its own; prints counts.
READ_EVERYTHING = """
import json
from tests.adversarial.leakscan import personal_models
from supportdesk.vault.fields import encrypted_fields
opened = 0
for model in personal_models():
    for row in model._default_manager.all():
        for f in encrypted_fields(model):
            getattr(row, f.attname)
            opened += 1
print(json.dumps({"opened": opened}))
"""


# --- key rotation -------------------------------------------------------------------------------


def _ring_with_a_new_active_key() -> str:
    ring = json.loads(os.environ["SUPPORTDESK_KEYS"])
    ring["keys"]["rotated"] = base64.b64encode(secrets.token_bytes(32)).decode()
    ring["active"] = "rotated"
    return json.dumps(ring)


def _manage_env(ring: str) -> dict[str, str]:
    s = connection.settings_dict
    database = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
    return os.environ | {"SUPPORTDESK_KEYS": ring, "DATABASE_URL": database}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.django_db(transaction=True)
def test_key_rotation_killed_halfway_leaves_everything_readable_and_the_next_run_completes() -> (
    None
):
    team = TeamFactory.create()
    for _ in range(24):  # each case holds a data key of its own
        FamilyMemberFactory.create(case=CaseFactory.create(team=team))
    env = _manage_env(_ring_with_a_new_active_key())
    before = json.loads(
        _manage("shell", "--no-startup", "-c", READ_EVERYTHING, env=env).stdout.splitlines()[-1]
    )

    rotation = subprocess.Popen(
        [sys.executable, "manage.py", "rotate_keys", "--batch-size", "2", "--pause", "0.3"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert rotation.stdout is not None
    header = rotation.stdout.readline()
    total = int(header.split(";")[1].split()[0])
    assert total >= 24, header
    progress = [rotation.stdout.readline() for _ in range(3)]  # three batches committed
    rotation.send_signal(signal.SIGKILL)  # mid-run: maybe inside the fourth batch
    rotation.wait(timeout=10)
    assert rotation.returncode == -signal.SIGKILL
    assert progress[-1].strip().endswith(f"6/{total}"), progress

    # Killed: every value still opens (old and new master keys are both in the ring).
    after_kill = _manage("shell", "--no-startup", "-c", READ_EVERYTHING, env=env)
    assert json.loads(after_kill.stdout.splitlines()[-1]) == before
    second = _manage("rotate_keys", "--batch-size", "50", env=env).stdout
    left = int(second.splitlines()[0].split(";")[1].split()[0])
    assert 0 < left <= total - 6, second  # carried on where the killed run stopped
    assert "Every data key is under the active master key" in second, second
    third = _manage("rotate_keys", env=env).stdout
    assert "0 data keys to re-wrap" in third  # idempotent
    done = _manage("shell", "--no-startup", "-c", READ_EVERYTHING, env=env)
    assert json.loads(done.stdout.splitlines()[-1]) == before


# --- the production stack on private services ---------------------------------------------------


def api(browser: Browser, method: str, path: str, body: dict[str, Any] | None = None) -> Response:
    """A request with the bearer token in `browser.token`, JSON in and out."""
    import http.client

    host, port = browser.address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {
        "Host": "desk.test",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.7",
        "Authorization": f"Bearer {browser.token}",  # type: ignore[attr-defined]
        "Content-Type": "application/json",
    }
    try:
        conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        answer = conn.getresponse()
        text = answer.read().decode("utf-8", errors="replace")
    finally:
        conn.close()
    return Response(answer.status, answer.headers, text)


TOKEN = """
import json
from supportdesk.accounts.models import User
from supportdesk.accounts.services import api_token_issue
user = User.objects.get(username="volunteer")
print(json.dumps({"token": api_token_issue(user=user).token}))
"""


def started(
    stack: FaultStack, *, cases: int, flags: int, installed: bool = False
) -> tuple[dict[str, Any], Browser]:
    """Installed (unless it is already), seeded, web, worker and beat up, the volunteer logged in
    with a session and a bearer token (in `browser.token`)."""
    if not installed:
        stack.install()
    data = seed(stack, cases=cases, flags=flags)
    stack.start_worker()
    stack.start_beat()
    address = stack.start_web()
    stack.wait_ready("web", "Booting worker")
    stack.wait_ready("worker", " ready.")
    browser = Browser(address)
    wait_for("/healthz 200", lambda: browser.get("/healthz").status == 200, timeout=30)
    browser.log_in(username="volunteer", password=PASSWORD, totp_secret_hex=data["secret"])
    browser.token = stack.run_python(TOKEN, as_role=stack.owner)["token"]  # type: ignore[attr-defined]
    return data, browser


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    # Not under pytest's tmp_path: the postgres user cannot enter root's private folder.
    cluster = PrivatePostgres(Path(tempfile.mkdtemp(prefix="sd_leak_pg_")))
    cluster.init()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def notes_of(stack: FaultStack, case_id: str) -> tuple[int, int]:
    """(timeline notes, note audit events) of the case, read by the superuser."""
    notes = stack.query(
        "SELECT count(*) FROM cases_caseevent WHERE case_id = %s AND kind = 'note'", [case_id]
    )[0][0]
    audited = stack.query("SELECT count(*) FROM audit_auditevent WHERE action = 'case.note_add'")[
        0
    ][0]
    return notes, audited


def test_postgresql_restarted_under_load_answers_503_then_recovers_without_an_app_restart(
    tmp_path: Path, private_postgres: PrivatePostgres, private_redis: PrivateRedis
) -> None:
    stack = FaultStack(
        tmp_path / "stack",
        settings={"REDIS_URL": private_redis.url(1)},
        server_url=private_postgres.url(),
    )
    try:
        data, browser = started(stack, cases=1, flags=0)
        case_id = data["cases"][0]["id"]
        statuses: Counter[int] = Counter()
        written: list[str] = []
        stop = threading.Event()

        def load(worker: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                text = f"load {worker}-{n}"
                try:
                    if n % 2:
                        answer = api(browser, "POST", f"/api/v1/cases/{case_id}/timeline/",
                                     {"text": text})  # fmt: skip
                        if answer.status == 201:
                            written.append(text)
                    else:
                        answer = api(browser, "GET", f"/api/v1/cases/{case_id}/")
                except (OSError, TimeoutError):
                    statuses[0] += 1  # no answer at all: counted, and must not happen
                    continue
                statuses[answer.status] += 1
                if answer.status >= 500:
                    assert answer.status == 503, answer.body[:500]
                    assert "Traceback" not in answer.body
                    assert json.loads(answer.body)["detail"]

        threads = [threading.Thread(target=load, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        private_postgres.restart(down_for=3)
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

        assert statuses[503] > 0, statuses  # the outage was seen, and answered cleanly
        assert set(statuses) <= {200, 201, 503}, statuses
        # Back without restarting gunicorn: every answer after the restart is good.
        for _ in range(6):
            assert api(browser, "GET", f"/api/v1/cases/{case_id}/").status == 200
        assert browser.get(f"/cases/{case_id}/").status == 200
        # No partial writes: a note answered 201 is there with its audit event; nothing else is.
        assert notes_of(stack, case_id) == (len(written), len(written)), statuses
        print(f"postgres restart: {dict(statuses)}")
    finally:
        stack.stop()
        stack.drop()


# --- Redis stopped, a worker killed: one stack on a private Redis -------------------------------

DUE_FLAGS = """
import datetime, json
from django.utils import timezone
from cases.models import FamilyMember, SecurityFlag
from cases.services.family import FLAG_REVIEW, security_flag_add
from supportdesk.accounts.models import User
from supportdesk.followups.models import FollowUp

volunteer = User.objects.get(username="volunteer")
member = FamilyMember.objects.order_by("id").first()
today = timezone.localdate()
before = set(FollowUp.objects.filter(kind=FLAG_REVIEW).values_list("id", flat=True))
for n in range(%(flags)d):
    security_flag_add(
        actor=volunteer, member=member, kind=SecurityFlag.Kind.CONTACTED,
        severity=SecurityFlag.Severity.MEDIUM, observed_on=today - datetime.timedelta(days=3),
        review_on=today - datetime.timedelta(days=1),
    )
made = FollowUp.objects.filter(kind=FLAG_REVIEW).exclude(id__in=before)
print(json.dumps(sorted(made.values_list("id", flat=True))))
"""


FLAGS = 150  # due at once for the killed worker: six batches of 25


def due_flags(stack: FaultStack, flags: int) -> list[int]:
    return list(stack.run_python(DUE_FLAGS % {"flags": flags}, as_role=stack.owner))


def notified(stack: FaultStack, user_id: str, followups: list[int]) -> Counter[str]:
    """Notifications of `user_id` per follow-up key, for the given follow-ups."""
    keys = [f"followup:{n}" for n in followups]
    rows = stack.query(
        "SELECT dedupe_key, count(*) FROM followups_notification "
        "WHERE user_id = %s AND dedupe_key = ANY(%s) GROUP BY dedupe_key",
        [user_id, keys],
    )
    return Counter({key: count for key, count in rows})


def done_count(stack: FaultStack, followups: list[int]) -> int:
    rows = stack.query(
        "SELECT count(*) FROM followups_followup WHERE id = ANY(%s) AND state = 'done'",
        [followups],
    )
    return int(rows[0][0])


@pytest.fixture(scope="module")
def redis_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FaultStack, PrivateRedis, dict[str, Any], Browser]]:
    root = tmp_path_factory.mktemp("redis-faults")
    server = PrivateRedis(root)
    server.start()
    stack = FaultStack(
        root / "stack",
        settings={"REDIS_URL": server.url(0), "FOLLOWUPS_BATCH_SIZE": "25"},
    )
    try:
        data, browser = started(stack, cases=1, flags=1)
        yield stack, server, data, browser
    finally:
        stack.stop()
        stack.drop()
        server.stop()


def test_redis_stopped_mid_journey_pages_answer_and_every_follow_up_fires_once_after(
    redis_stack: tuple[FaultStack, PrivateRedis, dict[str, Any], Browser],
) -> None:
    stack, server, data, browser = redis_stack
    case_id = data["cases"][0]["id"]
    wait_for("the seeded follow-up", lambda: done_count(stack, data["followups"]) == 1, timeout=40)

    server.stop()
    answers: dict[str, int] = {}
    answers["case page"] = browser.get(f"/cases/{case_id}/").status
    answers["case list page"] = browser.get("/cases/").status
    answers["API case"] = api(browser, "GET", f"/api/v1/cases/{case_id}/").status
    note = api(browser, "POST", f"/api/v1/cases/{case_id}/timeline/", {"text": "during"})
    answers["API note"] = note.status
    answers["healthz"] = browser.get("/healthz").status
    for what, status in answers.items():
        assert status in (200, 201, 503), (what, status, answers)
    # Reads of the case do not need Redis; a health check that includes the broker says 503.
    assert answers["case page"] == 200 and answers["API case"] == 200, answers
    assert answers["healthz"] == 503, answers
    # Duties come due while Redis is down: rows in PostgreSQL, nothing lost.
    during = due_flags(stack, 30)
    time.sleep(3)
    assert done_count(stack, during) == 0  # nobody could tell the worker

    server.start()
    restarted: list[str] = []

    def all_done() -> bool:
        # kombu 5.7's Redis transport can fail while it closes a lost connection that held
        # unacknowledged messages ("Unrecoverable error: AttributeError ... hostname"), and the
        # worker exits; systemd's Restart=on-failure starts it again, and so does this test.
        restarted.extend(stack.restart_on_failure("worker"))
        return done_count(stack, during) == len(during)

    wait_for("every follow-up done", all_done, timeout=120)
    counts = notified(stack, data["volunteer"], during)
    assert set(counts) == {f"followup:{n}" for n in during}
    assert set(counts.values()) == {1}, counts  # each fired once
    assert notes_of(stack, case_id)[0] == (1 if answers["API note"] == 201 else 0)
    print(  # figures for the docs
        f"redis outage: {answers}; {len(during)} follow-ups fired once after; "
        f"workers restarted after failing: {restarted or 'none'}"
    )


def test_a_worker_killed_mid_sweep_repeats_no_notification_and_the_duties_complete(
    redis_stack: tuple[FaultStack, PrivateRedis, dict[str, Any], Browser],
) -> None:
    stack, server, data, _browser = redis_stack
    assert server.answers()
    # Stopped while the rows are written, so all of them wait for one sweep.
    for name in [n for n, process, _log in stack.processes if n.startswith("worker")]:
        stack.kill(name)
    followups = due_flags(stack, FLAGS)
    stack.start_worker("worker-2")

    def leased() -> bool:
        """A sweep holds claimed rows right now (its batch not yet committed)."""
        rows = stack.query(
            "SELECT count(*) FROM followups_followup WHERE id = ANY(%s) AND state = 'pending' "
            "AND attempts > 0 AND next_attempt_at > now()",
            [followups],
        )
        return rows[0][0] > 0 and done_count(stack, followups) > 0

    wait_for("a sweep under way", leased, timeout=60, every=0.02)
    stack.kill("worker-2")
    done_at_kill = done_count(stack, followups)
    assert 0 < done_at_kill < len(followups), done_at_kill  # killed mid-task
    # The dead worker's claimed rows come back when their lease ends (FOLLOWUPS_LEASE_SECONDS,
    # ten minutes): the test ends the leases now instead of waiting.
    stack.query(
        "UPDATE followups_followup SET next_attempt_at = now() WHERE id = ANY(%s) "
        "AND state = 'pending' RETURNING id",
        [followups],
    )
    stack.start_worker("worker-3")
    stack.wait_ready("worker-3", " ready.")
    wait_for("every duty done", lambda: done_count(stack, followups) == FLAGS, timeout=120)
    counts = notified(stack, data["volunteer"], followups)
    assert len(counts) == FLAGS and set(counts.values()) == {1}, Counter(counts.values())
    print(f"worker killed with {done_at_kill}/{FLAGS} done; all {FLAGS} done once after")


# --- the answer to an outage, in-process ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        "django.db.OperationalError",
        "django.db.InterfaceError",
        "redis.exceptions.ConnectionError",
        "kombu.exceptions.OperationalError",
    ],
)
def test_a_store_that_is_down_is_a_clean_503_on_the_api_and_on_pages(
    error: str, volunteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.template import engines
    from django.urls import resolve
    from django.utils.module_loading import import_string

    from cases.tests.factories import CaseFactory
    from supportdesk.testing import token_client, verified_client

    kind = import_string(error)
    case = CaseFactory.create(team=volunteer.memberships.first().team)

    def down(*_args: object, **_kwargs: object) -> None:
        raise kind("connection refused")

    api_client, page_client = token_client(volunteer), verified_client(volunteer)
    api_client.raise_request_exception = page_client.raise_request_exception = False

    def clean_503(answer: Any) -> None:
        assert answer.status_code == 503, answer.status_code
        assert b"Traceback" not in answer.content and b"connection refused" not in answer.content
        assert b"try again" in answer.content

    # A page: the unread count that every page reads while rendering fails.
    engine = engines["django"].engine  # type: ignore[attr-defined]
    with monkeypatch.context() as patched:
        patched.setattr("supportdesk.followups.context_processors.unread_notifications", down)
        engine.__dict__.pop("template_context_processors", None)  # loaded again: the patched one
        clean_503(page_client.get(f"/cases/{case.pk}/"))
    engine.__dict__.pop("template_context_processors", None)
    assert page_client.get(f"/cases/{case.pk}/").status_code == 200  # the real one again
    # The API: the view itself fails.
    view = resolve(f"/api/v1/cases/{case.pk}/").func.view_class  # type: ignore[attr-defined]
    monkeypatch.setattr(view, "get", down)
    clean_503(api_client.get(f"/api/v1/cases/{case.pk}/"))
