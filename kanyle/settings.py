"""Kanyle settings: one module, read from the environment with safe defaults.

Development and the demo run on SQLite with no configuration. Production is
``KANYLE_ENV=production`` and then refuses to start without a real secret key,
a database URL and allowed hosts.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KANYLE_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    """Read a string setting; fail loudly when it is required and missing."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0), not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


KANYLE_ENV = env_str("KANYLE_ENV", "development")
if KANYLE_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("KANYLE_ENV must be 'development' or 'production'.")
PRODUCTION = KANYLE_ENV == "production"

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")


def _development_secret_key() -> str:
    """A per-checkout key kept under var/, so the demo needs no set-up."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or ""
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "axes",
    "csp",
    "kanyle.core",
    "kanyle.accounts",
    "kanyle.audit",
    "kanyle.clinics",
    "kanyle.staff",
    "kanyle.patients",
    "kanyle.journal",
    "kanyle.quality",
    "kanyle.needling",
    "kanyle.outcomes",
    "kanyle.scheduling",
    "kanyle.billing",
    "kanyle.medications",
    "kanyle.injections",
    "kanyle.interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kanyle.clinics.middleware.ClinicMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kanyle.urls"
WSGI_APPLICATION = "kanyle.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kanyle" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kanyle.clinics.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kanyle.sqlite3'}",
        conn_max_age=60 if PRODUCTION else 0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Wait for a writer instead of failing at once; SQLite is the demo database.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: English source strings, Norwegian bokmål by default.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["kanyle.formats"]

STATIC_URL = "/static/"
# Production serves collected files; development and tests find them in place (WHITENOISE_USE_FINDERS).
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "kanyle" / "static"]
MEDIA_ROOT = Path(os.environ.get("KANYLE_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

# Cache: process-local by default (tests, the demo, SQLite need nothing more); Redis when REDIS_URL is set,
# which production with several workers should do: the signed notes' rendered HTML (journal/views/timeline.py)
# and the public booking's rate limit are then shared by all workers.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "kanyle"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}
}
# How long a signed note's rendered HTML is kept. Its key changes with everything the HTML shows that can
# change (amendments, attachments, the co-author's signed part, episode title, names, language, the templates'
# source), so this only bounds memory.
KANYLE_NOTE_FRAGMENT_SECONDS = int(os.environ.get("KANYLE_NOTE_FRAGMENT_SECONDS", str(7 * 24 * 3600)))

# Sessions: server-side, HttpOnly, never longer than a working day. The clinic's
# inactivity timeout (default 30 minutes) is enforced by ClinicMiddleware.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "kanyle.core.views.csrf_failure"
KANYLE_DEFAULT_SESSION_TIMEOUT_MINUTES = 30
KANYLE_LOGIN_PENDING_SECONDS = 300

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Content Security Policy: no inline scripts or styles, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Two-factor login (django-otp TOTP) and lockout after repeated failures (django-axes).
OTP_TOTP_ISSUER = "Kanyle"
AXES_FAILURE_LIMIT = int(os.environ.get("KANYLE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KANYLE_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kanyle.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Demo data uses synthetic national IDs (month + 80, Skatteetaten's test range), which
# a production register must refuse.
KANYLE_ACCEPT_SYNTHETIC_IDS = env_bool("KANYLE_ACCEPT_SYNTHETIC_IDS", not PRODUCTION)
# Benchmark only (docs/performance.md): measure the cost of the access log by switching it off.
# Honoured only when all three hold: production settings, KANYLE_BENCH=1 and
# KANYLE_BENCH_DISABLE_AUDIT=1; and kanyle.audit.services then also refuses to run unless the
# database is a generated load database (it has the generator's progress table). Never in real use.
KANYLE_BENCH_DISABLE_AUDIT = (
    PRODUCTION and os.environ.get("KANYLE_BENCH") == "1" and os.environ.get("KANYLE_BENCH_DISABLE_AUDIT") == "1"
)
# Emergency ("break the glass") access to a record without a treatment relation lasts this long.
KANYLE_EMERGENCY_ACCESS_MINUTES = 240
# Credentials and insurance expiring within this many days are highlighted.
KANYLE_EXPIRY_WARNING_DAYS = 60

# E-mail (the daily compliance digest): SMTP in production, printed to the console elsewhere.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kanyle@localhost")
KANYLE_SITE_URL = env_str("KANYLE_SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"axes": {"level": "ERROR"}},
}

# Lockout counts failures per account (the issue's rule). Not per address: a clinic's staff
# share one address behind the clinic router, and one typo-prone colleague must not lock all.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
