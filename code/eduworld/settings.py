"""EduWorld's one settings module.

Everything that differs between hosts or environments comes from EDUWORLD_* environment
variables (systemd passes them from /etc/eduworld/eduworld.env, rendered by the Ansible
role `app`). Nothing host-specific is written here.
"""

import json
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


# --8<-- [start:env]
def env(name, default=None):
    value = os.environ.get(f"EDUWORLD_{name}", default)
    if value is None:
        raise ImproperlyConfigured(f"EDUWORLD_{name} is not set (see chapters/01-crud).")
    return value
# --8<-- [end:env]


def env_bool(name, default):
    return env(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def env_list(name, default):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def read_secret_key():
    # A file keeps the key out of `ps` and out of the unit file; Ansible generates it.
    path = os.environ.get("EDUWORLD_SECRET_KEY_FILE")
    if path:
        return Path(path).read_text().strip()
    if DEBUG:
        return "insecure-development-key-never-used-in-production"
    return env("SECRET_KEY")


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = read_secret_key()

# This host's own name: /api/health/ reports it, so a client can see which host answered.
HOST_NAME = env("HOST_NAME", "localhost")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
# --8<-- [start:front-end]
# Chapter 6: the teacher's app is served by www and by both hosts, and talks to either host.
# The origins it is served from (scheme://name) may send requests with the session cookie
# (core/cors.py) and may write (Django's CSRF check reads the Origin header).
APP_ORIGINS = env_list("APP_ORIGINS", "")
CORS_ALLOWED_ORIGINS = APP_ORIGINS
CSRF_TRUSTED_ORIGINS = APP_ORIGINS
# The session and CSRF cookies on the root domain ("eduworld.test"): a teacher signed in
# through one host is signed in on the other and on www. Empty: each host's own cookie.
COOKIE_DOMAIN = env("COOKIE_DOMAIN", "") or None
SESSION_COOKIE_DOMAIN = COOKIE_DOMAIN
CSRF_COOKIE_DOMAIN = COOKIE_DOMAIN
# --8<-- [end:front-end]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.postgres",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "treebeard",
    "eduworld.core",
    "eduworld.accounts",
    "eduworld.curriculum",
    "eduworld.assets",
    "eduworld.boards",
    "eduworld.replication",
    "eduworld.limits",
    "eduworld.teacher",
    "eduworld.mail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First: a preflight is answered before anything else looks at the request.
    "eduworld.core.cors.CorsMiddleware",
    # Outside every transaction of the request: removes uploads whose row did not commit.
    "eduworld.assets.files.UncommittedFilesMiddleware",
    "eduworld.core.limits.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Failed sign-ins and pairings per account, on both hosts (after auth: it needs the user).
    "eduworld.limits.attempts.FailedAttemptLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "eduworld.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "eduworld.urls"
WSGI_APPLICATION = "eduworld.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# --8<-- [start:databases]
DATABASES = {
    "default": {
        # Django's PostgreSQL backend, with schema changes that replicate (chapter 3).
        "ENGINE": "eduworld.db",
        "NAME": env("DB_NAME", "eduworld"),
        "USER": env("DB_USER", "eduworld"),
        "PASSWORD": env("DB_PASSWORD", ""),
        "HOST": env("DB_HOST", "127.0.0.1"),
        "PORT": env("DB_PORT", "5432"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # A request's writes commit together or not at all.
        "ATOMIC_REQUESTS": True,
        # A dead database must fail a request fast, not hang a worker.
        "OPTIONS": {"connect_timeout": 3},
    }
}
# --8<-- [end:databases]
# The other host of the pair (chapter 2 on): `migrate` locks both databases (chapter 3).
PEER_HOST_NAME = env("PEER_HOST_NAME", "")
PEER_DB_HOST = env("PEER_DB_HOST", "")

# EduWorld's own models use UUID keys (multi-master: two hosts' sequences collide; chapter 1).
# This default only keys the tables Django makes for the user's groups and permissions, which
# stay each host's own, like auth's and contenttypes' integer-keyed tables (chapter 2).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sessions live in the database, so that (from chapter 2 on) both hosts know them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = env("STATIC_URL", "/static/")
STATIC_ROOT = env("STATIC_ROOT", str(BASE_DIR.parent.parent / ".state" / "static"))
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = env("MEDIA_ROOT", str(BASE_DIR.parent.parent / ".state" / "media"))

# This host's lane (core/lanes.py): each host numbers new tree nodes (curriculum/models.py)
# and draws board pairing codes (boards/models.py) in its own lane, so two hosts never pick
# the same value.
LANES = int(env("LANES", "1"))
LANE = int(env("LANE", "0"))

# Request size limits: an upload above MAX_UPLOAD_BYTES is refused with 413, before
# anything is written. nginx's client_max_body_size matches it (role nginx).
MAX_UPLOAD_BYTES = int(env("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_PERMISSIONS = 0o644

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "eduworld.core.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "eduworld.core.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EduWorld API",
    "DESCRIPTION": "Curriculum, search, media and classroom boards. Served by every host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The curriculum's languages and the mails' are two lists: each gets a name of its own.
    "ENUM_NAME_OVERRIDES": {"MailLanguageEnum": "eduworld.mail.outbox.LANGUAGE_CHOICES"},
}

# Production runs behind nginx with TLS; the lab turns HTTPS off (EDUWORLD_HTTPS=0).
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The SPA reads the CSRF token from this cookie and echoes it in X-CSRFToken.
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "eduworld.core.errors.csrf_failure"

# --8<-- [start:mail]
# Mail (chapter 7): the mail role renders this host's mail.json (providers in order, with
# their secrets, the lease and the breaker). Without the file, mails are queued and wait:
# a host that never ran a sender has no lease, and its mails are never taken over.
MAIL_DEFAULTS = {
    "from": "EduWorld <noreply@eduworld.test>",
    "domain": "eduworld.test",        # the right-hand side of every Message-ID
    "app_url": "http://localhost:8000/",  # where the links in a mail lead: the teacher's app
    "providers": [],
    "lease_seconds": 20,              # a silent sender's mails go to its peer after this
    "breaker_failures": 2,            # failures in a row that set a provider aside
    "breaker_cooldown_seconds": 15,   # ... for this long, then one mail tries it again
    "poll_seconds": 1.0,
    "invitations_per_day": 50,        # per teacher: a school's staff, not a mailing list
}
MAIL_CONFIG = Path(env("MAIL_CONFIG", "/etc/eduworld/mail.json"))
if "EDUWORLD_MAIL_CONFIG" in os.environ and not MAIL_CONFIG.exists():
    raise ImproperlyConfigured(f"EDUWORLD_MAIL_CONFIG: no file {MAIL_CONFIG}")
MAIL = {**MAIL_DEFAULTS, **(json.loads(MAIL_CONFIG.read_text()) if MAIL_CONFIG.exists() else {})}
# --8<-- [end:mail]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
