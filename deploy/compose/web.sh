#!/bin/sh
# The web container: collect the static files (WhiteNoise serves them), then gunicorn with
# deploy/gunicorn.conf.py (GUNICORN_BIND, GUNICORN_WORKERS from the environment).
set -eu
python manage.py collectstatic --no-input -v 0
exec gunicorn -c deploy/gunicorn.conf.py supportdesk.wsgi
