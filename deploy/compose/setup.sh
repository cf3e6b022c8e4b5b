#!/bin/sh
# The one-shot setup container, on every `docker compose up`; each step is idempotent.
# As the PostgreSQL superuser (ADMIN_DATABASE_URL_FILE): the owner and app roles (db_roles part 1),
# migrate (what it creates passes to the owner role), the app role's grants (part 2), and the app
# role's password. The app role is the user of the database_url secret the services connect with;
# the owner role is DB_OWNER_ROLE (default supportdesk_owner) and never logs in here.
set -eu
app_role=$(python -c "import os, pathlib, urllib.parse as u; print(u.urlsplit(pathlib.Path(os.environ['DATABASE_URL_FILE']).read_text().strip()).username)")
roles="--owner ${DB_OWNER_ROLE:-supportdesk_owner} --app $app_role"
admin="DATABASE_URL_FILE=$ADMIN_DATABASE_URL_FILE"
# shellcheck disable=SC2086
env "$admin" python manage.py db_roles --apply $roles
env "$admin" python manage.py migrate --no-input -v 1
# shellcheck disable=SC2086
env "$admin" python manage.py db_roles --apply $roles
python - <<'PY'
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

app = urlsplit(Path(os.environ["DATABASE_URL_FILE"]).read_text().strip())
admin = Path(os.environ["ADMIN_DATABASE_URL_FILE"]).read_text().strip()
with psycopg.connect(admin, autocommit=True) as conn:
    statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
        sql.Identifier(unquote(app.username or "")), sql.Literal(unquote(app.password or ""))
    )
    conn.execute(statement)
print(f"The app role {app.username} has the password of the database_url secret.")
PY
