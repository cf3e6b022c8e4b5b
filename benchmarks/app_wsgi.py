"""The app as deployed (supportdesk.wsgi, the settings of its env file), with one addition for
the bench run: benchmarks.querycount first in the middleware, so each answer says how many SQL
statements it took. gunicorn loads it with deploy/gunicorn.conf.py (benchmarks/run.py)."""

from __future__ import annotations

import os

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
settings.MIDDLEWARE = ["benchmarks.querycount.QueryCountMiddleware", *settings.MIDDLEWARE]
django.setup(set_prefix=False)

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the middleware is set

application = get_wsgi_application()
