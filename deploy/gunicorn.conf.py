"""gunicorn settings for production: nginx in front terminates TLS.

From the environment (the systemd unit's EnvironmentFile, or the container's environment):

- GUNICORN_BIND: where to listen, default 127.0.0.1:8000 (loopback: only nginx on this host
  reaches it). Behind an nginx on another machine, bind a private address and set
  FORWARDED_ALLOW_IPS and TRUSTED_PROXIES to nginx's address (docs/scaling.md).
- GUNICORN_WORKERS: worker processes, default 2 x CPUs + 1.
- GUNICORN_TIMEOUT: seconds a request may take before its worker is restarted, default 30.
- FORWARDED_ALLOW_IPS: peers whose X-Forwarded-* headers gunicorn believes, default 127.0.0.1.

Command-line options (`--bind`, `--workers`) still win over this file.
"""

import multiprocessing
import os


def _positive(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of 1 or more, not {value!r}.")
    return int(value)


bind = os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"
workers = _positive("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = _positive("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then: unwrapped data keys never live for long
max_requests_jitter = 200
# Request lines carry paths with ids only (never personal data); keep them, without query strings.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1"
