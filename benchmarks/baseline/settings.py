"""The baseline: a plain Django REST framework app over the same tables as the cases app, with
plaintext columns, no team scoping and no audit (benchmarks/baseline/models.py). Only the bench
run starts it, on its own database on the same PostgreSQL server (BASELINE_DATABASE_URL)."""

from __future__ import annotations

import os

import environ

SECRET_KEY = os.environ.get("BASELINE_SECRET_KEY", "baseline-only-for-the-bench-run")
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
    "benchmarks.baseline",
]
MIDDLEWARE = [
    "benchmarks.querycount.QueryCountMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "benchmarks.baseline.urls"
DATABASES = {
    "default": environ.Env.db_url_config(
        os.environ.get("BASELINE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sd_bench_base")
    )
    | {"CONN_MAX_AGE": 60}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Yangon"
USE_I18N = False
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
