"""deploy/: gunicorn's settings from the environment, and the container files (Dockerfile,
deploy/compose.yaml) checked as far as this machine allows (docs/deploy.md, "Containers").

With a working container runtime (`docker info` succeeds) the image is built; with `docker
compose` the file is checked by compose itself; the structure test below runs everywhere.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from tests.production_stack import BIN, free_port, scaling_redis_url, server, wait_for

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "deploy" / "compose.yaml"
APP_SERVICES = ("web", "worker", "beat")
BASH = shutil.which("bash") or "/bin/bash"
DOCKER = shutil.which("docker") or ""

# *_FILE variables the app reads that compose does not set, and why.
NOT_IN_COMPOSE = {
    "REPLICA_DATABASE_URL_FILE": "no replica in the single-host compose file (docs/scaling.md)",
    "AUDIT_VERIFIER_KEY_FILE": "only with AUDIT_SIGNER_COMMAND; compose signs locally",
}
NOT_SECRETS = {"AUDIT_SIGNER_STATE_FILE"}  # state kept in a volume, not a secret


def gunicorn_settings(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, Any]:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_TIMEOUT", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_binds_loopback_with_2_cpus_plus_1_workers_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = gunicorn_settings(monkeypatch)
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["workers"] == (os.cpu_count() or 1) * 2 + 1
    assert settings["timeout"] == 30
    assert settings["forwarded_allow_ips"] == "127.0.0.1"


def test_gunicorn_takes_bind_and_workers_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = gunicorn_settings(
        monkeypatch,
        GUNICORN_BIND="10.0.0.5:8001",
        GUNICORN_WORKERS="7",
        GUNICORN_TIMEOUT="45",
        FORWARDED_ALLOW_IPS="10.0.0.2",
    )
    assert (settings["bind"], settings["workers"], settings["timeout"]) == ("10.0.0.5:8001", 7, 45)
    assert settings["forwarded_allow_ips"] == "10.0.0.2"


@pytest.mark.parametrize("value", ["0", "-2", "many", "2.5"])
def test_gunicorn_refuses_a_worker_count_that_is_no_whole_number(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS must be a whole number of 1 or more"):
        gunicorn_settings(monkeypatch, GUNICORN_WORKERS=value)


def _file_settings_the_app_reads() -> set[str]:
    """Every *_FILE variable the settings and the two key rings' readers read: a quoted name,
    a name given to `_secret`, `_read` (the vault's ring) or `VARIABLE` (the backup key ring)."""
    text = "\n".join(
        (ROOT / path).read_text()
        for path in (
            "supportdesk/settings.py",
            "supportdesk/vault/keyring.py",
            "supportdesk/operations/keys.py",
        )
    )
    names = set(re.findall(r'"([A-Z][A-Z0-9_]*_FILE)"', text))
    read = r'(?:_secret\(|_read\(|^VARIABLE = )"([A-Z][A-Z0-9_]*)"'
    names |= {f"{name}_FILE" for name in re.findall(read, text, flags=re.MULTILINE)}
    names.discard("ENV_FILE")  # the env file itself; compose passes variables directly
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def test_compose_has_the_five_services_each_with_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("db", "redis", *APP_SERVICES):
        check = services[name].get("healthcheck", {})
        assert check.get("test"), f"{name} has no health check"
    assert services["db"]["image"].startswith("postgres:15")  # pg_dump 15 in the image
    # web, worker and beat wait for the setup (roles, migrate, grants) and healthy stores.
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["setup"]["condition"] == "service_completed_successfully"
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        assert services[name]["environment"]["SUPPORTDESK_ENV"] == "production"
    assert services["setup"]["restart"] == "no"
    assert services["web"]["command"] == ["sh", "deploy/compose/web.sh"]
    assert "gunicorn -c deploy/gunicorn.conf.py" in (ROOT / "deploy/compose/web.sh").read_text()
    # Only to the host's loopback: nginx on the host is the way in.
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_compose_gives_every_secret_the_app_reads_as_a_file(compose: dict[str, Any]) -> None:
    declared = compose["secrets"]
    wanted = _file_settings_the_app_reads()
    assert {"SECRET_KEY_FILE", "DATABASE_URL_FILE", "SUPPORTDESK_KEYS_FILE"} <= wanted
    for name in ("setup", *APP_SERVICES):
        service = compose["services"][name]
        environment, mounted = service["environment"], set(service["secrets"])
        for variable in sorted(wanted - set(NOT_IN_COMPOSE) - NOT_SECRETS):
            path = environment.get(variable, "")
            assert path.startswith("/run/secrets/"), f"{name}: {variable} is not a secret file"
            secret = path.removeprefix("/run/secrets/")
            assert secret in mounted, f"{name}: {variable} names {secret}, not mounted"
            assert secret in declared, f"{secret} is not declared under secrets:"
        for variable in NOT_IN_COMPOSE:
            assert variable not in environment
        # No secret value in the file itself: only *_FILE paths.
        for variable in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SUPPORTDESK_KEYS"):
            assert variable not in environment
    db = compose["services"]["db"]
    assert db["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "POSTGRES_PASSWORD" not in db["environment"]
    # Every declared secret is a file the secrets script writes.
    script = (ROOT / "deploy/compose/make-secrets.sh").read_text()
    for secret, source in declared.items():
        assert source["file"] == f"./compose/secrets/{secret}"
        assert re.search(rf"(write {re.escape(secret)} |{re.escape(secret)}\b)", script), secret


def test_the_secrets_script_writes_every_declared_secret(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "secrets"
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    script = ROOT / "deploy/compose/make-secrets.sh"
    first = subprocess.run(  # noqa: S603 - our own script
        [BASH, str(script), str(target)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert {p.name for p in target.iterdir()} == set(compose["secrets"])
    for path in target.iterdir():
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    again = subprocess.run(  # noqa: S603 - our own script
        [BASH, str(script), str(target)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before  # nothing replaced
    assert "app_password" not in before  # only inside database_url
    assert before["database_url"].startswith(b"postgres://supportdesk_app:")
    redis_password = before["redis.conf"].decode().split()[1]
    assert before["redis_url"].decode().strip() == f"redis://:{redis_password}@redis:6379/0"


def test_the_image_holds_no_secret_or_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".env", "var", ".venv", "deploy/compose/secrets", "**/*.key", "**/*.sdbackup"):
        assert pattern in ignored
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER supportdesk" in dockerfile
    assert not re.search(r"(SECRET_KEY|PASSWORD|SUPPORTDESK_KEYS|_KEY)=", dockerfile)
    assert "COPY . " not in dockerfile  # only named folders, never the whole checkout


def _docker_works() -> bool:
    if not DOCKER:
        return False
    result = subprocess.run(  # noqa: S603 - the docker client
        [DOCKER, "info"], capture_output=True, timeout=30, check=False
    )
    return result.returncode == 0


def _compose_available() -> bool:
    if not DOCKER:
        return False
    result = subprocess.run(  # noqa: S603 - the docker client
        [DOCKER, "compose", "version"], capture_output=True, timeout=30, check=False
    )
    return result.returncode == 0


@pytest.mark.skipif(not _compose_available(), reason="no `docker compose` on this machine")
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(  # noqa: S603 - the docker client
        [DOCKER, "compose", "-f", str(COMPOSE), "config", "--quiet", "--no-interpolate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not _docker_works(), reason="no working container runtime (docker info)")
def test_the_image_builds() -> None:
    result = subprocess.run(  # noqa: S603 - the docker client
        [DOCKER, "build", "--quiet", "-t", "supportdesk:test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def _settings(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPPORTDESK", "AUDIT_", "REDIS_URL", "BACKUP_"))
    }
    return subprocess.run(  # noqa: S603 - our own settings
        [
            sys.executable,
            "-c",
            f"import json, supportdesk.settings as s; print(json.dumps({code}))",
        ],
        cwd=ROOT,
        env={**clean, "ENV_FILE": "/nonexistent", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {
    "SUPPORTDESK_ENV": "production",
    "SECRET_KEY": "s" * 60,
    "SUPPORTDESK_AUDIT_KEY": "a" * 40,
    "AUDIT_SIGNER_COMMAND": "ssh signer@host",
    "AUDIT_VERIFIER_KEY": "desk.example.org/audit+3ec21d93+"
    "AaQXNFnZezM3RejI3lwkE6ufachhUZeGInDScyTzq1lf",
}


def test_production_refuses_to_start_without_redis() -> None:
    """Without it the login counters and the broker would be files of one machine."""
    refused = _settings("s.CACHES", **PRODUCTION)
    assert refused.returncode != 0
    assert "Set REDIS_URL (or REDIS_URL_FILE) in production." in refused.stderr
    started = _settings(
        "s.CACHES['default']['BACKEND']", **PRODUCTION, REDIS_URL="redis://r:6379/0"
    )
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout) == "django.core.cache.backends.redis.RedisCache"


def test_backup_queue_sends_the_backup_task_to_its_own_queue() -> None:
    routed = _settings("s.CELERY_TASK_ROUTES", SUPPORTDESK_ENV="test", BACKUP_QUEUE="backups")
    assert routed.returncode == 0, routed.stderr
    assert json.loads(routed.stdout) == {"operations.backup_run": {"queue": "backups"}}
    unrouted = _settings("hasattr(s, 'CELERY_TASK_ROUTES')", SUPPORTDESK_ENV="test")
    assert json.loads(unrouted.stdout) is False


def _as_in_compose(value: object, root: Path) -> str:
    """A value of compose.yaml as the container sees it, with its paths moved under `root`:
    ${VAR:-default} gives the default, $$ is $, /run/secrets/ and /var/lib/supportdesk/ move."""
    text = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value)).replace("$$", "$")
    text = text.replace("/run/secrets/", f"{root}/secrets/")
    return text.replace("/var/lib/supportdesk", f"{root}/state")


def _write_secrets(root: Path, *, admin_url: str, app_url: str) -> None:
    """What make-secrets.sh writes, for a database of the test server."""
    files, keys = root / "secrets", root / "keys"
    files.mkdir()
    (root / "state").mkdir()
    plain = {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(root), "ENV_FILE": "/nonexistent"}
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "generate_keys", "--write", str(keys)],
        cwd=ROOT,
        env=plain | {"SUPPORTDESK_ENV": "test"},
        check=True,
        capture_output=True,
        timeout=120,
    )
    for name in ("keyring.json", "index.key", "backup.json"):
        (keys / name).rename(files / name)
    signer = [sys.executable, "-m", "supportdesk.audit.signer", "generate-key"]
    subprocess.run(  # noqa: S603 - our own module
        [*signer, "--name", "desk.test/audit", str(files / "audit-signing.key")],
        cwd=ROOT,
        env=plain,
        check=True,
        capture_output=True,
        timeout=60,
    )
    values = {
        "admin_database_url": admin_url,
        "database_url": app_url,
        "redis_url": scaling_redis_url(),
        "secret_key": secrets.token_urlsafe(50),
        "audit.key": secrets.token_urlsafe(48),
        "email_host_password": "",
    }
    for name, value in values.items():
        (files / name).write_text(value + "\n")


def test_the_compose_services_set_up_start_and_pass_their_health_checks(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    """Without a container runtime, the next best thing: each app service's command and health
    check from compose.yaml, with its environment as compose gives it (and the image's ENV), run
    here against a database and roles of their own on the test server. setup.sh runs twice (every
    `up` runs it); then web, worker and beat start and their health checks pass."""
    suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
    base = server()
    admin = base.named("postgres")
    database = base.named(f"sd_ops_setup_{suffix}")
    owner, app = f"sd_owner_{suffix}", f"sd_app_{suffix}"
    password = secrets.token_hex(16)
    where = f"{database.host}:{database.port}/{database.name}"
    _write_secrets(
        tmp_path,
        admin_url=f"postgres://{database.user}@{where}",
        app_url=f"postgres://{app}:{password}@{where}",
    )
    port = free_port()
    image = {  # the Dockerfile's ENV, its paths moved too
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "HOSTNAME": socket.gethostname(),  # as in a container: the worker is celery@<it>
        "ENV_FILE": "/nonexistent",
        "STATIC_ROOT": str(tmp_path / "static"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "DB_OWNER_ROLE": owner,
    }

    def environment(service: str) -> dict[str, str]:
        given = compose["services"][service]["environment"]
        env = image | {name: _as_in_compose(value, tmp_path) for name, value in given.items()}
        if "GUNICORN_BIND" in env:
            env |= {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
        return env

    def health(service: str) -> subprocess.CompletedProcess[str]:
        test = compose["services"][service]["healthcheck"]["test"]
        argv = ["/bin/sh", "-c", test[1]] if test[0] == "CMD-SHELL" else test[1:]
        argv = [_as_in_compose(part, tmp_path) for part in argv]
        return subprocess.run(  # noqa: S603 - compose.yaml's own health checks
            argv,
            cwd=ROOT,
            env=environment(service),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    with admin.connect() as conn:
        conn.execute(f'CREATE DATABASE "{database.name}"'.encode())
    processes: list[subprocess.Popen[bytes]] = []
    try:
        setup = compose["services"]["setup"]["command"]
        for _run in range(2):
            result = subprocess.run(  # noqa: S603 - compose.yaml's own command
                setup,
                cwd=ROOT,
                env=environment("setup"),
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            assert f"The app role {app} has its grants." in result.stdout, result.stdout[-3000:]
            said = f"The app role {app} has the password of the database_url secret."
            assert said in result.stdout
        with database.connect() as conn:
            owners = conn.execute(
                b"SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
            assert owners == [(owner,)]  # migrate ran as the superuser; the owner role owns all
            row = conn.execute(
                b"SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s", [app]
            ).fetchone()
            assert row == (True,)
        with database.as_user(app, password).connect() as conn:
            conn.execute(b"SELECT count(*) FROM audit_auditevent").fetchone()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(b"DELETE FROM audit_auditevent")

        logs = tmp_path / "logs"
        logs.mkdir()
        for service in ("web", "worker", "beat"):
            command = [
                _as_in_compose(part, tmp_path) for part in compose["services"][service]["command"]
            ]
            with (logs / f"{service}.log").open("wb") as out:
                processes.append(
                    subprocess.Popen(  # noqa: S603 - compose.yaml's own commands
                        command,
                        cwd=ROOT,
                        env=environment(service),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

        def healthy(service: str) -> bool:
            for process in processes:
                if process.poll() is not None:
                    names = ", ".join(p.name for p in logs.iterdir())
                    raise AssertionError(f"a service stopped ({names}): see {logs}")
            return health(service).returncode == 0

        for service in ("web", "worker", "beat"):
            wait_for(f"{service} healthy", lambda: healthy(service), timeout=120, every=2)  # noqa: B023
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        with admin.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)'.encode())
            for role in (app, owner):
                conn.execute(f"DROP ROLE IF EXISTS {role}".encode())
