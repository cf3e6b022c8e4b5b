"""supportdesk started as in production, in child processes, for tests/test_production.py and
tests/test_scaling.py.

A database of its own on the test server (dropped afterwards), the owner and app roles of
`manage.py db_roles` with names of their own (dropped too), keys from `manage.py generate_keys`
in a temporary folder, an env file like deploy/env.example filled in, gunicorn with
deploy/gunicorn.conf.py on a free port, Celery workers and beat. Children get a clean
environment (the test suite's keys and settings stay out): only PATH, HOME, the locale and
ENV_FILE, as under systemd's EnvironmentFile.

Redis: the server of the suite's REDIS_URL, database SUPPORTDESK_TEST_SPARE_REDIS_DB (default 14),
or the `redis_url` a test gives (tests/test_scaling.py has its own, and its own database prefix).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import environ

from supportdesk.operations.pg import Database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "desk.test"  # what nginx passes on as Host (ALLOWED_HOSTS)
PASSWORD = "correct horse battery staple 42"
_PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, every: float = 0.2) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def spare_redis_url() -> str:
    parts = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    number = os.environ.get("SUPPORTDESK_TEST_SPARE_REDIS_DB", "14")
    return urlunsplit((parts.scheme, parts.netloc, f"/{number}", "", ""))


def scaling_redis_url() -> str:
    """tests/test_scaling.py's and tests/test_deploy.py's own: SUPPORTDESK_TEST_SCALING_REDIS_DB
    (default 13) on the suite's Redis server."""
    parts = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    number = os.environ.get("SUPPORTDESK_TEST_SCALING_REDIS_DB", "13")
    return urlunsplit((parts.scheme, parts.netloc, f"/{number}", "", ""))


def server() -> Database:
    """The test server, as the superuser the suite connects as."""
    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    return Database.from_settings(config)


def url(database: Database) -> str:
    return f"postgres://{database.user}@{database.host}:{database.port}/{database.name}"


@dataclass
class Stack:
    """One installation: a database, its roles, its keys and env file, its processes."""

    root: Path
    settings: dict[str, str] = field(default_factory=dict)
    prefix: str = "sd_prod"  # of the database's name
    redis_url: str = field(default_factory=spare_redis_url)
    suffix: str = field(default_factory=lambda: f"{os.getpid()}_{uuid.uuid4().hex[:6]}")
    processes: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def __post_init__(self) -> None:
        base = server()
        self.admin = base.named("postgres")  # the suite's own database may not exist yet
        self.owner, self.app = f"sd_owner_{self.suffix}", f"sd_app_{self.suffix}"
        self.database = base.named(f"{self.prefix}_{self.suffix}")
        self.env_file = self.root / "env"
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True)

    # --- installing, as docs/deploy.md says ---------------------------------------------------

    def install(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(f'CREATE DATABASE "{self.database.name}"'.encode())
        self._write_keys_and_env()
        roles = ["--owner", self.owner, "--app", self.app]
        self.manage("db_roles", "--apply", *roles, as_role=self.admin.user)
        self.manage("migrate", "--no-input", "-v", "0", as_role=self.owner)
        granted = self.manage("db_roles", "--apply", *roles, as_role=self.admin.user)
        assert f"The app role {self.app} has its grants." in granted.stdout, granted.stdout
        self.manage("collectstatic", "--no-input", "-v", "0")

    def _write_keys_and_env(self) -> None:
        keys = self.root / "keys"
        self.manage("generate_keys", "--write", str(keys), environment={"SUPPORTDESK_ENV": "test"})
        audit_key = self.root / "audit.key"
        audit_key.write_text(secrets.token_urlsafe(48))
        audit_key.chmod(0o600)
        signing_key = self.root / "audit-signing.key"
        signer = [sys.executable, "-m", "supportdesk.audit.signer", "generate-key"]
        subprocess.run(  # noqa: S603 - our own module
            [*signer, "--name", f"{HOST}/audit", str(signing_key)],
            cwd=ROOT,
            env=self._base_environment(),
            capture_output=True,
            check=True,
            timeout=60,
        )
        values = {
            "SUPPORTDESK_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
            "SUPPORTDESK_BASE_URL": f"https://{HOST}",
            "DATABASE_URL": url(self.database.as_user(self.app)),
            "REDIS_URL": self.redis_url,
            "CACHE_KEY_PREFIX": f"{self.prefix}-{self.suffix}",
            "SUPPORTDESK_KEYS_FILE": str(keys / "keyring.json"),
            "SUPPORTDESK_INDEX_KEY_FILE": str(keys / "index.key"),
            "SUPPORTDESK_AUDIT_KEY_FILE": str(audit_key),
            "SUPPORTDESK_BACKUP_KEY_FILE": str(keys / "backup.json"),
            "BACKUP_DIR": str(self.root / "backups"),
            "AUDIT_SIGNING_KEY_FILE": str(signing_key),
            "AUDIT_SIGNER_STATE_FILE": str(self.root / "audit-signer-state.json"),
            "STATIC_ROOT": str(self.root / "static"),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "FOLLOWUPS_SWEEP_SECONDS": "2",
        } | self.settings
        lines = [f"{name}={value}" for name, value in values.items()]
        self.env_file.write_text("\n".join(lines) + "\n")
        self.env_file.chmod(0o600)

    def _base_environment(self) -> dict[str, str]:
        passed = {name: os.environ[name] for name in _PASSED_ON if name in os.environ}
        return passed | {"PATH": f"{BIN}:{os.environ.get('PATH', '')}", "ENV_FILE": "/nonexistent"}

    def environment(self, *, as_role: str = "") -> dict[str, str]:
        """A child's environment: the env file only; as the owner or superuser if asked."""
        env = self._base_environment() | {"ENV_FILE": str(self.env_file)}
        if as_role:
            env["DATABASE_URL"] = url(self.database.as_user(as_role))
        return env

    def manage(
        self, *args: str, as_role: str = "", environment: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = self.environment(as_role=as_role) | (environment or {})
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"manage.py {args[0]}: {result.stdout}{result.stderr}"
        return result

    def run_python(self, code: str, *, as_role: str) -> Any:
        """Run `code` in a Django process of this installation; it prints one JSON line."""
        result = self.manage("shell", "--no-startup", "-c", code, as_role=as_role)
        return json.loads(result.stdout.strip().splitlines()[-1])

    # --- processes ----------------------------------------------------------------------------

    def start(
        self, name: str, argv: list[str], *, environment: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - our own programs
                argv,
                cwd=ROOT,
                env=self.environment() | (environment or {}),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its children
            )
        self.processes.append((name, process, log))
        return process

    def start_web(self, name: str = "web", *, workers: int = 2) -> str:
        """gunicorn as the systemd unit starts it; bind and workers from the environment, as
        deploy/gunicorn.conf.py reads them."""
        address = f"127.0.0.1:{free_port()}"
        argv = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "supportdesk.wsgi"]
        self.start(
            name, argv, environment={"GUNICORN_BIND": address, "GUNICORN_WORKERS": str(workers)}
        )
        return address

    def start_worker(self, name: str = "worker") -> None:
        argv = [str(BIN / "celery"), "-A", "supportdesk", "worker", "--loglevel=INFO"]
        argv += ["--concurrency=2", "--without-gossip", "--without-mingle"]
        self.start(name, [*argv, f"--hostname={name}-{self.suffix}@%h"])

    def start_beat(self) -> None:
        schedule = self.root / "celerybeat-schedule"
        argv = [str(BIN / "celery"), "-A", "supportdesk", "beat", "--loglevel=INFO"]
        self.start("beat", [*argv, f"--schedule={schedule}"])

    def log(self, name: str) -> str:
        return next(log for n, _p, log in self.processes if n == name).read_text(errors="replace")

    def wait_ready(self, name: str, marker: str, *, timeout: float = 40) -> None:
        def ready() -> bool:
            process = next(p for n, p, _log in self.processes if n == name)
            if process.poll() is not None:
                raise AssertionError(f"{name} stopped: {self.log(name)[-3000:]}")
            return marker in self.log(name)

        wait_for(f"{name} ready", ready, timeout=timeout)

    def stop(self) -> None:
        for _name, process, _log in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process, _log in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database.name}" WITH (FORCE)'.encode())
            for role in (self.app, self.owner):
                conn.execute(f"DROP ROLE IF EXISTS {role}".encode())

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
        """Read the installation's database as the superuser (what the test checks)."""
        with self.database.as_user(self.admin.user).connect() as conn:
            return conn.execute(sql.encode(), params).fetchall()


# --- a browser behind nginx ------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """Speaks to gunicorn as nginx passes a browser's requests on: Host, X-Forwarded-Proto https
    and X-Forwarded-For set. Keeps cookies itself: they are Secure, and the hop is plain HTTP."""

    def __init__(self, address: str, *, through_nginx: bool = True) -> None:
        self.address = address
        self.through_nginx = through_nginx
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        host, port = self.address.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {"Host": HOST, "Accept-Language": "en"}
        if self.through_nginx:
            headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}{path}",
            }
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(answer.status, answer.headers, text)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Response:
        page = self.get(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert match, f"no CSRF token on {path} ({page.status})"
        return self.request("POST", path, {"csrfmiddlewaretoken": match.group(1), **fields})

    def log_in(self, *, username: str, password: str, totp_secret_hex: str) -> None:
        from django_otp.oath import totp

        answer = self.post_form("/accounts/login/", {"username": username, "password": password})
        assert answer.status == 302, (answer.status, answer.body[:2000])
        assert answer.location.startswith("/accounts/two-factor/"), answer.location
        code = f"{totp(bytes.fromhex(totp_secret_hex)):06d}"
        answer = self.post_form("/accounts/two-factor/", {"code": code})
        assert answer.status == 302, (answer.status, answer.body[:2000])


SEED = """
import datetime, json
from django.utils import timezone
from cases.models import Case, FamilyMember, SecurityFlag, ServiceBranch
from cases.services.family import FLAG_REVIEW, family_member_create, security_flag_add
from cases.services.intake import case_create
from supportdesk.accounts import services
from supportdesk.accounts.models import Team, TOTPDevice, User
from supportdesk.followups.models import FollowUp

def person(username, role, team=None):
    user = services.user_create(actor=None, username=username, password=%(password)r, role=role)
    if team is not None:
        services.team_add_member(actor=None, team=team, user=user)
    device = services.totp_enrol_pending(user=user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return user, bytes(device.secret).hex()

team = Team.objects.create(name="Team North")
volunteer, secret = person("volunteer", User.Role.VOLUNTEER, team)
admin, admin_secret = person("admin", User.Role.ADMINISTRATOR)
today = timezone.localdate()
cases, flags = [], []
for n in range(%(cases)d):
    case = case_create(
        actor=volunteer, team=team, alias=f"Special {n:03d}", service_branch=ServiceBranch.ARMY,
        contact_method=Case.ContactMethod.MESSAGING_APP,
    )
    cases.append(case)
member = family_member_create(
    actor=volunteer, case=cases[0], relation=FamilyMember.Relation.SPOUSE, name="Ma Hla"
)
for n in range(%(flags)d):
    # Due for review yesterday: the sweep takes its follow-up row at once.
    flags.append(security_flag_add(
        actor=volunteer, member=member, kind=SecurityFlag.Kind.CONTACTED,
        severity=SecurityFlag.Severity.MEDIUM, observed_on=today - datetime.timedelta(days=3),
        review_on=today - datetime.timedelta(days=1),
    ))
followups = FollowUp.objects.filter(kind=FLAG_REVIEW, due_at__lt=timezone.now(), state="pending")
print(json.dumps({
    "volunteer": str(volunteer.pk), "secret": secret, "admin": str(admin.pk),
    "admin_secret": admin_secret,
    "cases": [{"id": str(c.pk), "ref": c.ref, "alias": c.alias} for c in cases],
    "followups": sorted(followups.values_list("id", flat=True)),
}))
"""


def seed(stack: Stack, *, cases: int, flags: int) -> dict[str, Any]:
    """A team with a volunteer (and an administrator), `cases` cases and `flags` family flags
    whose reviews are due: made with the app's services, as the owner role."""
    code = SEED % {"password": PASSWORD, "cases": cases, "flags": flags}
    return dict(stack.run_python(code, as_role=stack.owner))
