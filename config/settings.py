"""Casetrack settings, read from the environment (see .env.example).

With nothing set this is the quick start: a SQLite file beside the project, DEBUG on and
Celery tasks run in-process. Setting DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0
gives the production shape, which passes ``manage.py check --deploy``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is optional and never required; the environment wins over it.
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

DEVELOPMENT_SECRET_KEY = "casetrack-development-only-secret-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off: the development key is public."
    )

# Old keys still accepted for existing sessions and signatures while a new key rolls out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "companies",
    "cases",
    "articles",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything else, so that the 503 page and static files carry the policy too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.errors.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Queues the summaries' recompute after a write, so that visitors do not pay for it.
    "cases.middleware.SettleSummariesAfterWrites",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

if not DEBUG:
    # WhiteNoise serves the collected, compressed static files in production; in development
    # runserver serves them straight from the apps and static/.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The search's long statements are prepared once per connection (core/prepared.py); turn off
# behind a pooler that moves a session's statements between clients (PgBouncer in
# transaction mode before 1.21).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
# A request's independent reads (the search's companies) on a second connection of the
# worker, at the same time as the rest (core/parallel.py): two connections per process.
DATABASE_PARALLEL_READS = env.bool("DATABASE_PARALLEL_READS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections buy nothing with SQLite and hold file locks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Full-text search and trigram lookups for the public search; not loaded on SQLite.
    INSTALLED_APPS.append("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Security: strict in production, relaxed only where DEBUG serves plain http on loopback.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Every page, public and admin: our own scripts, styles and images only, nothing inline.
# The nonce is sent only on a page whose template uses it: Redoc (/api/redoc/) builds its
# styles in the browser and tags them with it; every other page's policy is 'self' alone.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", CSP.NONCE],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Login rate limiting (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one address, that pair is refused for AXES_COOLOFF_MINUTES; a success resets the count.
# Locking the pair (not the username alone) keeps a stranger from locking an editor out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"

# Celery: with no broker configured the quick start runs tasks in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_SECONDS", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 30, 1)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# With acks_late a worker should not hoard messages it has not started.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker died unacknowledged (SIGKILL, lost machine) goes back to the queue once
# it is this old; it must exceed the longest task and the longest retry countdown.
visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": visibility_timeout,
    # Look for such tasks every few seconds (Redis' default looks only every 100 seconds).
    "unacked_restore_interval": max(1, min(10, visibility_timeout // 5)),
    "unacked_restore_throttle": 1,
}

# Article import (articles/): polling, fetching limits, back-off and the sweeper.
FEED_POLL_INTERVAL_MINUTES = env.int("FEED_POLL_INTERVAL_MINUTES", default=15)
FEED_MAX_BACKOFF_HOURS = env.int("FEED_MAX_BACKOFF_HOURS", default=24)
ARTICLES_HTTP_TIMEOUT_SECONDS = env.float("ARTICLES_HTTP_TIMEOUT_SECONDS", default=15.0)
ARTICLES_MAX_RESPONSE_BYTES = env.int("ARTICLES_MAX_RESPONSE_BYTES", default=5 * 1024 * 1024)
ARTICLES_MAX_FEED_BYTES = env.int("ARTICLES_MAX_FEED_BYTES", default=10 * 1024 * 1024)
# Only tests and local demos point feeds at 127.0.0.1; production refuses private addresses.
ARTICLES_ALLOW_PRIVATE_ADDRESSES = env.bool("ARTICLES_ALLOW_PRIVATE_ADDRESSES", default=False)
ARTICLES_STUCK_AFTER_MINUTES = env.int("ARTICLES_STUCK_AFTER_MINUTES", default=60)
ARTICLES_FETCH_RETRIES = env.int("ARTICLES_FETCH_RETRIES", default=3)
ARTICLES_RETRY_BACKOFF_SECONDS = env.int("ARTICLES_RETRY_BACKOFF_SECONDS", default=30)
ARTICLES_MAX_FETCH_ATTEMPTS = 5
CELERY_BEAT_SCHEDULE = {
    "poll-feeds": {
        "task": "articles.tasks.poll_feeds",
        "schedule": FEED_POLL_INTERVAL_MINUTES * 60,
    },
    "sweep-stuck-articles": {
        "task": "articles.tasks.sweep_stuck_articles",
        "schedule": 10 * 60,
    },
    # Writes made outside a web request (imports in workers, commands, raw SQL): settled
    # within a minute instead of by their first reader. One EXISTS query when none.
    "settle-summaries": {
        "task": "cases.tasks.settle_summaries",
        "schedule": 60,
    },
}

# The read-only API: anonymous reads, throttled per client address (see README, "API").
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="120/minute"),
        "user": env.str("API_USER_RATE", default="600/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casetrack API",
    "DESCRIPTION": (
        "Read-only access to the published lawsuits, settlements and violations Casetrack "
        "tracks, and to the companies, authorities and laws they involve. Every list accepts "
        "the same filter parameters as its page on the site; unknown or invalid parameters "
        "are answered with 400 and the reason. Amounts are decimal strings in their currency, "
        "with an approximate US-dollar value; dates are written at their known precision."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "core.dates.DatePrecision"},
}
