"""Settings, read from the environment.

Defaults give the embedded set-up: SQLite under ``var/``, no broker (tasks run inline).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TACT_VAR_DIR", PROJECT_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The SECRET_KEY from the environment, else one generated once into var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "tact.core",
    "tact.audit",
    "tact.tenancy",
    "tact.law",
    "tact.dunning",
    "tact.messaging",
    "tact.ledger",
    "tact.arrangements",
    "tact.banking",
    "tact.payments",
    "tact.portal",
    "tact.demo",
    "tact.api",
    "tact.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tact.tenancy.middleware.CreditorScopeMiddleware",
]

ROOT_URLCONF = "tact.urls"
WSGI_APPLICATION = "tact.wsgi.application"

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
                "tact.tenancy.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tact.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Our queries are short and planned well; PostgreSQL's JIT compiler cost more than it
    # saved on the debtor list at a million items (0.56 s of 0.95 s).
    # The cycle plans into a temporary table; 64 MB of temp buffers keep it off the disk.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c temp_buffers=64MB"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a command writes; a busy timeout instead of
    # "database is locked" errors when two writers meet.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite ignores the INCLUDE columns of the covering index meant for PostgreSQL; that is fine.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("de", _("German")), ("nl", _("Dutch")), ("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Static files are served by the app itself (WhiteNoise), compressed and cache-busted.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# The largest ledger file an upload or import accepts.
TACT_IMPORT_MAX_BYTES = int(os.environ.get("TACT_IMPORT_MAX_BYTES", str(512 * 1024 * 1024)))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tact <noreply@tact.localhost>")
if os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]

# Messaging: where links in messages point, where replies go, which SMS provider sends.
TACT_PORTAL_BASE_URL = os.environ.get("TACT_PORTAL_BASE_URL", "http://127.0.0.1:8000/p/")
TACT_SHORT_LINK_BASE_URL = os.environ.get("TACT_SHORT_LINK_BASE_URL", "")
TACT_REPLY_TO_DOMAIN = os.environ.get("TACT_REPLY_TO_DOMAIN", "reply.tact.localhost")
TACT_MESSAGE_ID_DOMAIN = os.environ.get("TACT_MESSAGE_ID_DOMAIN", "tact.localhost")
TACT_VERP = _env_bool("TACT_VERP", True)  # each e-mail's own bounce address as envelope sender
TACT_SMS_PROVIDER = os.environ.get("TACT_SMS_PROVIDER", "log")  # "log" (offline) or "twilio"
TACT_TWILIO_ACCOUNT_SID = os.environ.get("TACT_TWILIO_ACCOUNT_SID", "")
TACT_TWILIO_AUTH_TOKEN = os.environ.get("TACT_TWILIO_AUTH_TOKEN", "")
TACT_TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TACT_TWILIO_MESSAGING_SERVICE_SID", "")
TACT_TWILIO_BASE_URL = os.environ.get("TACT_TWILIO_BASE_URL", "https://api.twilio.com")
TACT_PRINT_DROP_DIR = os.environ.get("TACT_PRINT_DROP_DIR") or None
# Inbound mail (replies, bounces): the mailbox `tact inbox fetch` polls, and the size limit.
TACT_IMAP_HOST = os.environ.get("TACT_IMAP_HOST", "")
TACT_IMAP_PORT = int(os.environ.get("TACT_IMAP_PORT", "993"))
TACT_IMAP_USER = os.environ.get("TACT_IMAP_USER", "")
TACT_IMAP_PASSWORD = os.environ.get("TACT_IMAP_PASSWORD", "")
TACT_IMAP_FOLDER = os.environ.get("TACT_IMAP_FOLDER", "INBOX")
TACT_IMAP_SSL = _env_bool("TACT_IMAP_SSL", True)
TACT_INBOUND_MAX_BYTES = int(os.environ.get("TACT_INBOUND_MAX_BYTES", str(10 * 1024 * 1024)))

# The debtor portal: how long a link in a message opens it, and files debtors upload, kept
# outside the web root (served only through the portal's and the staff's own views).
TACT_PORTAL_LINK_MAX_AGE_DAYS = int(os.environ.get("TACT_PORTAL_LINK_MAX_AGE_DAYS", "90"))
# Our own reverse proxies (addresses or CIDR networks, comma-separated). Only a request from
# one of them has its X-Forwarded-For read, for the portal's rate limits; empty: never.
TACT_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TACT_TRUSTED_PROXIES", "").split(",") if p.strip()]
TACT_PRIVATE_ROOT = Path(os.environ.get("TACT_PRIVATE_ROOT", VAR_DIR / "private")).resolve()
# Online payment: empty = none (debtors pay by transfer); "test" is the built-in provider that
# walks the webhook path offline without money (`make demo` uses it; never in production).
TACT_PAYMENT_PROVIDER = os.environ.get("TACT_PAYMENT_PROVIDER", "")
TACT_TEST_PROVIDER_SECRET = os.environ.get("TACT_TEST_PROVIDER_SECRET", "")  # else derived from SECRET_KEY

# Bank statements: the largest file accepted, and the confidence (percent) from which a match
# is booked without a person.
# The daily cycle plans and writes a creditor's debtors in this many parts at once, each on
# its own database connection (PostgreSQL only; default: one per CPU core, at most 4).
TACT_CYCLE_WORKERS = int(os.environ.get("TACT_CYCLE_WORKERS", "0")) or None
TACT_BANK_MAX_BYTES = int(os.environ.get("TACT_BANK_MAX_BYTES", str(20 * 1024 * 1024)))
TACT_BANK_AUTO_APPLY_CONFIDENCE = int(os.environ.get("TACT_BANK_AUTO_APPLY_CONFIDENCE", "90"))

# The cache holds the portal's rate limits (and Django's own caching): per process by default;
# with several web processes set CACHE_URL (redis://…) so they count together.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: a broker when configured, else every task runs inline in the caller.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", None)
# `celery -A tact beat` starts the day: the cycle at 05:30 (each creditor's own date), then the outbox.
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "daily-cycle": {
        "task": "tact.dunning.tasks.cycle_run_all_task",
        "schedule": crontab(hour=5, minute=30),
    },
    # The outbox sends what is due (retries, quiet hours lifting) every five minutes.
    "outbox-send": {
        "task": "tact.messaging.tasks.outbox_send_task",
        "schedule": crontab(minute="*/5"),
    },
}
if TACT_IMAP_HOST:
    # Replies stop the automation: the mailbox is polled every two minutes.
    CELERY_BEAT_SCHEDULE["inbox-fetch"] = {
        "task": "tact.messaging.tasks.inbox_fetch_task",
        "schedule": crontab(minute="*/2"),
    }

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tact.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
