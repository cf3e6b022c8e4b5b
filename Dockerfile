# supportdesk for containers (deploy/compose.yaml; docs/deploy.md, "Containers"). One image for
# web, worker, beat and the one-shot setup. It holds no secret and no key: those come as files
# under /run/secrets (compose `secrets:`) named by the *_FILE variables.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump and pg_restore of the server's major version (PostgreSQL 15, as in compose.yaml) for the
# nightly backups; gettext to compile the Burmese translations below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 supportdesk \
    && useradd --system --uid 10001 --gid supportdesk --home-dir /srv/supportdesk --shell /usr/sbin/nologin supportdesk

WORKDIR /srv/supportdesk
COPY pyproject.toml README.md ./
COPY supportdesk ./supportdesk
COPY cases ./cases
COPY relocation ./relocation
COPY funds ./funds
RUN pip install .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY deploy ./deploy
# Translations are compiled with the test settings: nothing is read but the .po files.
RUN SUPPORTDESK_ENV=test ENV_FILE=/nonexistent python manage.py compilemessages --ignore=.venv -v 0

# Writable by the app: the collected static files (web), the beat schedule and the local audit
# signer's state (/var/lib/supportdesk), the archives (worker). Compose mounts volumes on the
# last two; a new volume takes this ownership.
RUN install -d -o supportdesk -g supportdesk /srv/supportdesk/staticfiles /var/lib/supportdesk \
        /var/backups/supportdesk

USER supportdesk
ENV SUPPORTDESK_ENV=production \
    ENV_FILE=/nonexistent \
    STATIC_ROOT=/srv/supportdesk/staticfiles \
    BACKUP_DIR=/var/backups/supportdesk \
    GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
CMD ["sh", "deploy/compose/web.sh"]
