"""supportdesk settings: one module, every difference between machines comes from the environment.

`SUPPORTDESK_ENV` is `production` unless said otherwise, so a forgotten variable fails safe:
production refuses to start without a secret key or with DEBUG on. `make run` writes a local `.env`
with `SUPPORTDESK_ENV=development`; the test suite sets `test`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(str(ENV_FILE), overwrite=False)


def _secret(name: str) -> str:
    """NAME from the environment, else the contents of the file NAME_FILE names (docker secrets,
    systemd credentials), stripped. Only for values with no _FILE handling of their own."""
    value = env.str(name, default="")
    path = env.str(f"{name}_FILE", default="")
    if value or not path:
        return value
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE names a file that cannot be read.") from exc


ENVIRONMENT = env.str("SUPPORTDESK_ENV", default="production")
if ENVIRONMENT not in {"production", "development", "test"}:
    raise ImproperlyConfigured("SUPPORTDESK_ENV must be production, development or test.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _secret("SECRET_KEY")
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set (50 or more characters) in production.")
elif not SECRET_KEY:
    SECRET_KEY = "insecure-local-only-" + "x" * 40

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_htmx",
    "supportdesk.accounts",
    "supportdesk.audit",
    "supportdesk.vault",
    "supportdesk.followups",
    "supportdesk.operations",
    "supportdesk.api",
    "cases",
    "relocation",
    "funds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "supportdesk.accounts.middleware.RequestContextMiddleware",
    "supportdesk.accounts.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "supportdesk.accounts.middleware.SessionLifetimeMiddleware",
    "supportdesk.accounts.middleware.VerifiedUserRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so only the view itself reads from the replica (docs/scaling.md).
    "supportdesk.replica.ReportReadsMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "supportdesk.followups.context_processors.unread_notifications",
            ],
            # Dates, numbers and phones as each language writes them, in every template.
            "builtins": ["supportdesk.templatetags.formatting"],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        _secret("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'supportdesk.db'}"
    )
}
# A streaming replica for reports and statistics (docs/scaling.md): supportdesk.replica routes
# the reads of the views it names there; everything else, and every write, stays on default.
_replica_url = _secret("REPLICA_DATABASE_URL")
if _replica_url:
    DATABASES["replica"] = env.db_url_config(_replica_url) | {"TEST": {"MIRROR": "default"}}
for _database in DATABASES.values():
    _database["ATOMIC_REQUESTS"] = False
    _database["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # A kept connection is checked before a request reuses it: after PostgreSQL restarts, the
    # next request opens a new one instead of failing on the dead one (tests/adversarial).
    _database["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["supportdesk.replica.ReportsRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run`: web, worker and beat write one file. A deferred transaction that reads, then
    # writes, fails at once with "database is locked" when another process wrote meanwhile (the
    # audit sealer during an intake); an IMMEDIATE one waits its turn, and WAL lets readers on.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = _secret("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="supportdesk"),
        }
    }
elif PRODUCTION:
    # Without Redis the login counters, rate limits and the broker would be files in var/ of one
    # machine (docs/scaling.md): a second web or worker machine would not share them.
    raise ImproperlyConfigured("Set REDIS_URL (or REDIS_URL_FILE) in production.")
else:
    # Web, worker and beat are separate processes in `make run`: a file cache is shared by all.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# The embedded broker's folder; a second local stack (or a test) can have its own.
_FILESYSTEM_BROKER_DIR = Path(
    env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "broker"))
)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        # Redis hands an unacknowledged message to another worker after this long. It is longer
        # than any task's hard time limit (300 s) and any retry countdown (email: at most 600 s),
        # so a task still running or waiting is never delivered twice; a message held by a worker
        # that died comes back after an hour (the minute sweeps have caught up long before).
        "visibility_timeout": 3600,
        # A request publishing after commit gives up quickly when Redis is unreachable; the rows
        # it committed are picked up by the next sweep.
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
    if REDIS_URL
    else {
        # `make run`'s embedded broker: messages are files, removed when a worker reads them
        # (no acks_late redelivery here; the rows still bring every duty back).
        "data_folder_in": str(_FILESYSTEM_BROKER_DIR / "queue"),
        "data_folder_out": str(_FILESYSTEM_BROKER_DIR / "queue"),
        "processed_folder": str(_FILESYSTEM_BROKER_DIR / "processed"),
        "store_processed": False,
        # kombu keeps its exchange tables in ./control unless told otherwise.
        "control_folder": str(_FILESYSTEM_BROKER_DIR / "control"),
    }
)
CELERY_TASK_IGNORE_RESULT = True  # results could carry data; nothing reads them
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Acknowledge a message when its task ends, not when it starts: a task lost with its worker is
# delivered again. Every task is idempotent (its rows are claimed in the database), so a repeat
# does nothing twice.
CELERY_TASK_ACKS_LATE = True
# A worker process killed mid-task (OOM, the hard time limit) has its message acknowledged rather
# than requeued: requeueing a message that kills its worker would loop, and the follow-up rows
# bring the work back anyway (their lease runs out and the next sweep takes them).
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# With acks_late, each worker process reserves at most one message it has not started.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Defaults for every task; a task may set tighter ones. The soft limit raises inside the task so it
# can stop cleanly; the hard limit kills the process. Follow-up leases (FOLLOWUPS_LEASE_SECONDS)
# must outlast the hard limit.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="supportdesk")
SUPPORTDESK_TOTP_ENROL_WINDOW = 1  # accept one 30 s step either side for phone clock drift

# Brute-force protection (supportdesk.accounts.throttle): failures counted per account and per IP.
LOGIN_ACCOUNT_DELAY_AFTER = env.int("LOGIN_ACCOUNT_DELAY_AFTER", default=3)
LOGIN_ACCOUNT_LOCK_AFTER = env.int("LOGIN_ACCOUNT_LOCK_AFTER", default=6)
LOGIN_IP_LOCK_AFTER = env.int("LOGIN_IP_LOCK_AFTER", default=30)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=15 * 60)
# Case search (cases/search.py): searches per user per window, then 429 until the window ends.
CASE_SEARCH_LIMIT = env.int("CASE_SEARCH_LIMIT", default=30)
CASE_SEARCH_WINDOW_SECONDS = env.int("CASE_SEARCH_WINDOW_SECONDS", default=10 * 60)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "sd_session"
CSRF_COOKIE_NAME = "sd_csrf"

API_TOKEN_IDLE_TIMEOUT = timedelta(hours=env.int("API_TOKEN_IDLE_HOURS", default=8))
API_TOKEN_ABSOLUTE_LIFETIME = timedelta(days=env.int("API_TOKEN_ABSOLUTE_DAYS", default=7))

# --- HTTP security ----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
if env.bool("BEHIND_TLS_PROXY", default=PRODUCTION):
    # nginx (deploy/nginx) terminates TLS and sets this header; nothing else may reach gunicorn.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Peers whose X-Forwarded-For is believed (the client address for throttling and the audit log).
TRUSTED_PROXIES = frozenset(
    env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"] if PRODUCTION else [])
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- REST framework ---------------------------------------------------------------------------
# The largest request body read into memory (files uploaded are apart): the API answers 413 above
# it, pages 400. A case with every field filled is a few kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1_000_000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "supportdesk.api.authentication.BearerTokenAuthentication",
        "supportdesk.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["supportdesk.api.permissions.IsVerifiedUser"],
    # Size, depth and text limits on every body (supportdesk/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "supportdesk.api.parsers.JSONParser",
        "supportdesk.api.parsers.FormParser",
        "supportdesk.api.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "supportdesk.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "supportdesk.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "supportdesk.api.exceptions.exception_handler",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "supportdesk API",
    "DESCRIPTION": "Case management for groups that help soldiers and police leave the army.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One schema name for a choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {"WaypointEnum": "relocation.models.Waypoint"},
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("my", _("Burmese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers per language (supportdesk/formats/<language>/formats.py; docs/cases.md).
FORMAT_MODULE_PATH = ["supportdesk.formats"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Yangon")
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
# Outside production WhiteNoise serves straight from the app folders; no collectstatic needed.
STATIC_ROOT = (
    Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))) if PRODUCTION else None
)
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = _secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="supportdesk <noreply@localhost>")
# Where people reach the site (links in e-mails, the address `make run` prints). Locally it
# follows SUPPORTDESK_PORT, the port the Procfile's web server listens on.
SUPPORTDESK_PORT = env.int("SUPPORTDESK_PORT", default=8000)
SUPPORTDESK_BASE_URL = env.str(
    "SUPPORTDESK_BASE_URL", default=f"http://127.0.0.1:{SUPPORTDESK_PORT}"
)

# --- Logging ----------------------------------------------------------------------------------
# Log lines carry request ids, actions and object ids; never request bodies or field values.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django logs the full request (with POST data in tracebacks) for 500s; we log our own line.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security.DisallowedHost": {"handlers": [], "propagate": False},
    },
}

# --- Audit (supportdesk.audit) ----------------------------------------------------------------
# The audit chain's HMAC key lives outside the database and is never derived from SECRET_KEY: a
# stolen backup or a database-only intruder must not be able to re-seal an edited log. Give it
# as SUPPORTDESK_AUDIT_KEY or in a file named by SUPPORTDESK_AUDIT_KEY_FILE (outside production
# `make run` keeps one in var/audit.key).
_audit_key_file = env.str(
    "SUPPORTDESK_AUDIT_KEY_FILE", default="" if PRODUCTION else str(VAR_DIR / "audit.key")
)
SUPPORTDESK_AUDIT_KEY = env.str("SUPPORTDESK_AUDIT_KEY", default="")
if not SUPPORTDESK_AUDIT_KEY and _audit_key_file and Path(_audit_key_file).is_file():
    SUPPORTDESK_AUDIT_KEY = Path(_audit_key_file).read_text().strip()
if SUPPORTDESK_AUDIT_KEY and SUPPORTDESK_AUDIT_KEY == SECRET_KEY:
    raise ImproperlyConfigured("SUPPORTDESK_AUDIT_KEY must not be the SECRET_KEY.")
if SUPPORTDESK_AUDIT_KEY and len(SUPPORTDESK_AUDIT_KEY) < 32:
    raise ImproperlyConfigured("SUPPORTDESK_AUDIT_KEY must be 32 or more characters.")
if PRODUCTION and not SUPPORTDESK_AUDIT_KEY:
    raise ImproperlyConfigured(
        "Set SUPPORTDESK_AUDIT_KEY or SUPPORTDESK_AUDIT_KEY_FILE: the audit log cannot be sealed."
    )
# The sealer extends the chain this often and this many events at a time (see docs/audit.md).
AUDIT_SEAL_INTERVAL_SECONDS = env.int("AUDIT_SEAL_INTERVAL_SECONDS", default=10)
AUDIT_SEAL_BATCH_SIZE = env.int("AUDIT_SEAL_BATCH_SIZE", default=1000)
# An event sealed this long after its own time did not come from a request or task still running:
# someone wrote it into the table afterwards. The sealer still seals it and alerts administrators.
AUDIT_SEAL_LATE_SECONDS = env.int("AUDIT_SEAL_LATE_SECONDS", default=15 * 60)
# Access anomalies: more than this many distinct cases read in an hour; reads outside usual hours.
AUDIT_ANOMALY_DISTINCT_READS = env.int("AUDIT_ANOMALY_DISTINCT_READS", default=50)
AUDIT_USUAL_HOURS_DAYS = env.int("AUDIT_USUAL_HOURS_DAYS", default=28)
AUDIT_USUAL_HOURS_MIN_DAYS = env.int("AUDIT_USUAL_HOURS_MIN_DAYS", default=7)
AUDIT_DEFAULT_USUAL_HOURS = (
    env.int("AUDIT_DEFAULT_FIRST_HOUR", default=6),
    env.int("AUDIT_DEFAULT_LAST_HOUR", default=22),
)
# Checkpoints: the Merkle tree over sealed events, signed with an Ed25519 key that never enters
# the database (docs/audit.md, "Checkpoints"). Either the key file is here and the app signs
# ("local"), or a command reaches a signer on another host that keeps the key ("command").
# `make run` writes var/audit-signing.key; production refuses to start without one or the other.
_development = ENVIRONMENT == "development"
AUDIT_SIGNING_KEY_FILE = env.str(
    "AUDIT_SIGNING_KEY_FILE", default=str(VAR_DIR / "audit-signing.key") if _development else ""
)
AUDIT_SIGNER_STATE_FILE = env.str(
    "AUDIT_SIGNER_STATE_FILE",
    default=str(VAR_DIR / "audit-signer-state.json") if _development else "",
)
AUDIT_SIGNER_COMMAND = env.str("AUDIT_SIGNER_COMMAND", default="")
AUDIT_SIGNER_TIMEOUT_SECONDS = env.int("AUDIT_SIGNER_TIMEOUT_SECONDS", default=30)
_verifier_key_file = env.str("AUDIT_VERIFIER_KEY_FILE", default="")
AUDIT_VERIFIER_KEY = env.str("AUDIT_VERIFIER_KEY", default="")
if not AUDIT_VERIFIER_KEY and _verifier_key_file:
    AUDIT_VERIFIER_KEY = Path(_verifier_key_file).read_text().strip()
if AUDIT_SIGNER_COMMAND:
    AUDIT_SIGNER = "command"
elif AUDIT_SIGNING_KEY_FILE and Path(AUDIT_SIGNING_KEY_FILE).is_file():
    AUDIT_SIGNER = "local"
else:
    AUDIT_SIGNER = ""
if AUDIT_SIGNER == "command" and not AUDIT_VERIFIER_KEY:
    raise ImproperlyConfigured(
        "AUDIT_SIGNER_COMMAND needs AUDIT_VERIFIER_KEY (or AUDIT_VERIFIER_KEY_FILE): the signer's "
        "public key, to check what it signs."
    )
if AUDIT_SIGNER == "local" and not AUDIT_SIGNER_STATE_FILE:
    raise ImproperlyConfigured(
        "Set AUDIT_SIGNER_STATE_FILE: the local signer keeps the last checkpoint it signed there."
    )
if PRODUCTION and not AUDIT_SIGNER:
    raise ImproperlyConfigured(
        "Set AUDIT_SIGNING_KEY_FILE (a readable key file) or AUDIT_SIGNER_COMMAND: audit "
        "checkpoints cannot be signed."
    )
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env.int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", default=300)
CELERY_BEAT_SCHEDULE |= {
    "audit-seal": {
        "task": "supportdesk.audit.tasks.audit_seal",
        "schedule": float(AUDIT_SEAL_INTERVAL_SECONDS),
    },
    # Signs the tree; a refusal (the log no longer extends the last checkpoint) alerts.
    "audit-checkpoint": {
        "task": "supportdesk.audit.tasks.audit_checkpoint",
        "schedule": float(AUDIT_CHECKPOINT_INTERVAL_SECONDS),
        "options": {"expires": float(AUDIT_CHECKPOINT_INTERVAL_SECONDS)},
    },
    "audit-anomalies": {"task": "supportdesk.audit.tasks.audit_anomalies_check", "schedule": 60.0},
    # Nightly at 03:15 (Celery beat's clock, UTC): walks the whole chain, alerts if it is broken.
    "audit-verify": {
        "task": "supportdesk.audit.tasks.audit_verify",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- Vault (supportdesk.vault) ----------------------------------------------------------------
# Key material is never kept in settings: supportdesk.vault.keyring reads SUPPORTDESK_KEYS and
# SUPPORTDESK_INDEX_KEY (or their *_FILE variants) from the environment. In development only, a
# local ring under var/keys/ (`manage.py generate_keys --write var/keys --keep-existing`) is used
# when they are unset. Production refuses to start without them (VaultConfig.ready).
VAULT_LOCAL_KEY_DIR = VAR_DIR / "keys" if ENVIRONMENT == "development" else None
# Unwrapped data keys stay in a process's memory this long (a shred reaches every process within
# it), and at most this many at once.
VAULT_KEY_CACHE_SECONDS = env.int("VAULT_KEY_CACHE_SECONDS", default=60)
VAULT_KEY_CACHE_SIZE = env.int("VAULT_KEY_CACHE_SIZE", default=1024)
if ENVIRONMENT == "test":
    INSTALLED_APPS += ["supportdesk.vault.tests.vaulttest"]  # models for the vault's own tests

# --- Follow-ups (supportdesk.followups) ----------------------------------------------------------
# Durable time-based duties (rows) swept by Celery beat, notifications and retention; see
# docs/followups.md.
FOLLOWUPS_SWEEP_SECONDS = env.int("FOLLOWUPS_SWEEP_SECONDS", default=60)
FOLLOWUPS_BATCH_SIZE = env.int("FOLLOWUPS_BATCH_SIZE", default=100)
# A sweep takes no new batch after this long; the next beat tick carries on.
FOLLOWUPS_SWEEP_BUDGET_SECONDS = env.int("FOLLOWUPS_SWEEP_BUDGET_SECONDS", default=45)
# A claimed row is hidden from other sweeps this long; after a worker dies it comes back then.
FOLLOWUPS_LEASE_SECONDS = env.int("FOLLOWUPS_LEASE_SECONDS", default=600)
if FOLLOWUPS_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("FOLLOWUPS_LEASE_SECONDS must exceed CELERY_TASK_TIME_LIMIT.")
# Transient failures are retried after 30 s, 60 s, 120 s, ... (at most 15 min); after the last
# attempt the row fails and administrators are alerted (about 15 minutes with the defaults).
FOLLOWUPS_MAX_ATTEMPTS = env.int("FOLLOWUPS_MAX_ATTEMPTS", default=6)
FOLLOWUPS_RETRY_BASE_SECONDS = env.int("FOLLOWUPS_RETRY_BASE_SECONDS", default=30)
FOLLOWUPS_RETRY_MAX_SECONDS = env.int("FOLLOWUPS_RETRY_MAX_SECONDS", default=15 * 60)
# Alerts not emailed this long after they were made (a lost task, the broker away) are emailed
# by the sweep.
FOLLOWUPS_EMAIL_GRACE_SECONDS = env.int("FOLLOWUPS_EMAIL_GRACE_SECONDS", default=120)
# A pending duty this far past its due time is listed for administrators.
FOLLOWUPS_OVERDUE_SECONDS = env.int("FOLLOWUPS_OVERDUE_SECONDS", default=3600)
# Closed subjects (cases) are shredded this many days after closing, unless on hold.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=90)
CELERY_BEAT_SCHEDULE |= {
    # A sweep message older than one interval is dropped: the next one does the same work.
    "followups-sweep": {
        "task": "followups.sweep",
        "schedule": float(FOLLOWUPS_SWEEP_SECONDS),
        "options": {"expires": float(FOLLOWUPS_SWEEP_SECONDS)},
    },
    # Daily, in the small hours: due subjects become follow-up rows the sweep shreds.
    "followups-retention": {
        "task": "followups.retention",
        "schedule": crontab(hour=2, minute=40),
        "options": {"expires": 6 * 3600.0},
    },
}
if ENVIRONMENT == "test":
    INSTALLED_APPS += ["supportdesk.followups.tests.retentiontest"]  # a model to retain and shred

# --- Operations (supportdesk.operations) -------------------------------------------------------
# Backups: encrypted archives of the database (docs/operations.md). The backup key ring is read
# from the environment by supportdesk.operations.keys (SUPPORTDESK_BACKUP_KEY or its _FILE), like
# the vault's keys, never from settings.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
# The newest good archives kept in BACKUP_DIR; older ones are deleted after each new backup.
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
if BACKUP_KEEP < 1:
    raise ImproperlyConfigured("BACKUP_KEEP must be 1 or more.")
# When the nightly backup starts, HH:MM by Celery beat's clock (UTC): 20:30 is 03:00 in Yangon.
_backup_time = env.str("BACKUP_TIME", default="20:30")
try:
    _backup_hour, _backup_minute = (int(part) for part in _backup_time.split(":"))
except ValueError:
    raise ImproperlyConfigured("BACKUP_TIME must be HH:MM, for example 20:30.") from None
if not (0 <= _backup_hour < 24 and 0 <= _backup_minute < 60):
    raise ImproperlyConfigured("BACKUP_TIME must be HH:MM, for example 20:30.")
BACKUP_TIME = (_backup_hour, _backup_minute)
# Where pg_dump and pg_restore are; unset: /usr/lib/postgresql/<server major>/bin, then PATH.
BACKUP_PG_BIN_DIR = env.str("BACKUP_PG_BIN_DIR", default="")
# With worker machines of their own, the archives must be made (and pruned) where BACKUP_DIR is:
# BACKUP_QUEUE sends the backup task to a queue only that machine's worker takes (`celery worker
# -Q celery,<queue>`; docs/scaling.md). Unset: any worker makes it.
BACKUP_QUEUE = env.str("BACKUP_QUEUE", default="")
if BACKUP_QUEUE:
    CELERY_TASK_ROUTES = {"operations.backup_run": {"queue": BACKUP_QUEUE}}
CELERY_BEAT_SCHEDULE |= {
    # Makes sure tonight's follow-up row exists; the sweep then queues the backup itself.
    "operations-backup-nightly": {
        "task": "operations.backup_nightly",
        "schedule": crontab(hour=_backup_hour, minute=_backup_minute),
        "options": {"expires": 6 * 3600.0},
    },
}

# --- Cases (cases/) ---------------------------------------------------------------------------
# A submitted CDM-code request with no answer after this many days reminds the coordinators.
CDM_ANSWER_DAYS = env.int("CDM_ANSWER_DAYS", default=14)
# The statistics API counts at most this often and serves the cached figures in between.
CASE_STATISTICS_MAX_AGE = env.int("CASE_STATISTICS_MAX_AGE", default=300)

# --- Relocation (relocation/) -------------------------------------------------------------------
# A leg under way expects a check-in this often unless its team or the leg says otherwise.
RELOCATION_CHECKIN_INTERVAL_MINUTES = env.int("RELOCATION_CHECKIN_INTERVAL_MINUTES", default=60)
# The ladder of a missed check-in, each step this many minutes after the check-in was due: the
# escort is reminded, then the team's volunteers, then the coordinators, then the leg is marked
# overdue and the coordinators are asked to confirm "lost contact" (docs/relocation.md).
RELOCATION_LADDER_ESCORT_MINUTES = env.int("RELOCATION_LADDER_ESCORT_MINUTES", default=15)
RELOCATION_LADDER_TEAM_MINUTES = env.int("RELOCATION_LADDER_TEAM_MINUTES", default=30)
RELOCATION_LADDER_COORDINATORS_MINUTES = env.int(
    "RELOCATION_LADDER_COORDINATORS_MINUTES", default=45
)
RELOCATION_LADDER_OVERDUE_MINUTES = env.int("RELOCATION_LADDER_OVERDUE_MINUTES", default=60)
if not (
    0
    <= RELOCATION_LADDER_ESCORT_MINUTES
    < RELOCATION_LADDER_TEAM_MINUTES
    < RELOCATION_LADDER_COORDINATORS_MINUTES
    < RELOCATION_LADDER_OVERDUE_MINUTES
):
    raise ImproperlyConfigured(
        "The RELOCATION_LADDER_*_MINUTES must grow: escort < team < coordinators < overdue."
    )
# A plan whose journey (first departure to last arrival) is planned longer than this is warned.
RELOCATION_TRAVEL_WARNING_HOURS = env.int("RELOCATION_TRAVEL_WARNING_HOURS", default=24)
# The missed-check-in sweep: how often beat runs it, and how many legs one transaction takes.
RELOCATION_CHECKIN_SWEEP_SECONDS = env.int("RELOCATION_CHECKIN_SWEEP_SECONDS", default=60)
RELOCATION_CHECKIN_SWEEP_BATCH = env.int("RELOCATION_CHECKIN_SWEEP_BATCH", default=500)
CELERY_BEAT_SCHEDULE |= {
    "relocation-checkins-sweep": {
        "task": "relocation.checkins_sweep",
        "schedule": float(RELOCATION_CHECKIN_SWEEP_SECONDS),
        "options": {"expires": float(RELOCATION_CHECKIN_SWEEP_SECONDS)},
    },
}

# --- Funds (funds/) ---------------------------------------------------------------------------
# The largest amount one donation or disbursement may carry, in major units (docs/funds.md).
FUNDS_MAX_AMOUNT_MMK = env.int("FUNDS_MAX_AMOUNT_MMK", default=100_000_000)
FUNDS_MAX_AMOUNT_USD = env.int("FUNDS_MAX_AMOUNT_USD", default=50_000)
FUNDS_MAX_AMOUNT_THB = env.int("FUNDS_MAX_AMOUNT_THB", default=1_500_000)
# Above this (major units) a disbursement needs two coordinators and a verified case.
FUNDS_THRESHOLD_MMK = env.int("FUNDS_THRESHOLD_MMK", default=500_000)
FUNDS_THRESHOLD_USD = env.int("FUNDS_THRESHOLD_USD", default=250)
FUNDS_THRESHOLD_THB = env.int("FUNDS_THRESHOLD_THB", default=8_000)
# A request waiting this long reminds the team's coordinators.
FUNDS_APPROVAL_REMINDER_HOURS = env.int("FUNDS_APPROVAL_REMINDER_HOURS", default=24)
# Approved but unpaid, paid but unconfirmed: the requester is reminded after this long.
FUNDS_UNPAID_REMINDER_HOURS = env.int("FUNDS_UNPAID_REMINDER_HOURS", default=48)
FUNDS_UNCONFIRMED_REMINDER_HOURS = env.int("FUNDS_UNCONFIRMED_REMINDER_HOURS", default=72)
# Approved but unpaid after this many days: the approval expires and the reservation is released.
FUNDS_APPROVAL_EXPIRY_DAYS = env.int("FUNDS_APPROVAL_EXPIRY_DAYS", default=7)
# Idempotency keys (and the first answers kept with them) are deleted after this many days.
FUNDS_IDEMPOTENCY_KEEP_DAYS = env.int("FUNDS_IDEMPOTENCY_KEEP_DAYS", default=30)
CELERY_BEAT_SCHEDULE |= {
    "funds-idempotency-purge": {
        "task": "funds.idempotency_purge",
        "schedule": crontab(hour=3, minute=40),
        "options": {"expires": 6 * 3600.0},
    },
}
