"""Django settings, driven by environment variables.

ONCOTRIAL_DATA_DIR   where the SQLite database lives (default: ./var)
DATABASE_URL         e.g. postgres://user@127.0.0.1:5432/oncotrial; SQLite when unset
ONCOTRIAL_SECRET_KEY required when ONCOTRIAL_DEBUG is off
ONCOTRIAL_DEBUG      "1" for development pages (default "1" for the local demo)
ONCOTRIAL_ALLOWED_HOSTS comma-separated host names
ONCOTRIAL_SESSION_IDLE_SECONDS  inactivity before a web session expires (default 1800)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ONCOTRIAL_DATA_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("ONCOTRIAL_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("ONCOTRIAL_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("ONCOTRIAL_SECRET_KEY must be set when ONCOTRIAL_DEBUG is off")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ONCOTRIAL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    "oncotrial.apps.studies",
    "oncotrial.apps.accounts",
    "oncotrial.apps.audit",
    "oncotrial.apps.screening",
    "oncotrial.apps.subjects",
    "oncotrial.apps.visits",
    "oncotrial.apps.crfs",
    "oncotrial.apps.treatment",
    "oncotrial.apps.followup",
    "oncotrial.apps.safety",
    "oncotrial.apps.tumour",
    "oncotrial.apps.labs",
    "oncotrial.apps.specimens",
    "oncotrial.apps.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "oncotrial.apps.request_cache.RequestCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "oncotrial.web.urls"
WSGI_APPLICATION = "oncotrial.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# Parameters bound by the server, and a statement run five times on a connection is
# prepared: PostgreSQL then skips parsing and planning it (a CRF save spent 2.7 ms of
# the database's CPU unprepared, 1.5 ms prepared). A transaction-mode pooler in front
# of the server needs to keep prepared statements (PgBouncer >= 1.21:
# max_prepared_statements), or set ONCOTRIAL_PG_PREPARE=off.
_POSTGRESQL_OPTIONS: dict[str, object] = (
    {}
    if os.environ.get("ONCOTRIAL_PG_PREPARE") == "off"
    else {"server_side_binding": True, "prepare_threshold": 5}
)


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        database = dict(dj_database_url.parse(url, conn_max_age=60))
        if database["ENGINE"] == "django.db.backends.postgresql":
            database["OPTIONS"] = {**_POSTGRESQL_OPTIONS, **database.get("OPTIONS", {})}
        return database
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "oncotrial.web.sqlite",
        "NAME": DATA_DIR / "oncotrial.sqlite3",
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            # writers queue for the database lock rather than fail after the default 5 s
            "timeout": 30,
        },
        # Tests use a file too: with an in-memory database the live server's request
        # threads would share one connection, and one request's transaction would end
        # another's (the browser sends previews while a form is being saved).
        "TEST": {"NAME": DATA_DIR / "test-oncotrial.sqlite3"},
        # a request reuses its server thread's connection: opening one (with its
        # PRAGMAs and SQL functions) cost more than a whole form save
        "CONN_MAX_AGE": 60,
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

SESSION_COOKIE_AGE = int(os.environ.get("ONCOTRIAL_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studies:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oncotrial.apps.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "oncotrial.web.negotiation.ContentNegotiation",
    "EXCEPTION_HANDLER": "oncotrial.apps.records_api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "oncotrial API",
    "DESCRIPTION": "Run investigator-initiated oncology clinical trials.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}
