"""Settings for wenming, read from the environment (see docs/deployment.md).

One base; `settings_test` overrides for the suite. Production sets DJANGO_SECRET_KEY,
DJANGO_DEBUG=0, DJANGO_ALLOWED_HOSTS and DATABASE_URL=postgres://...
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WENMING_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
DEV_SECRET_KEY = "wenming-dev-only-insecure-key-change-me"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)

# --- Security of a deployment (docs/deployment.md) ----------------------------------------
# WENMING_TLS=1: the site is reached over HTTPS through a TLS-terminating proxy that sets
# X-Forwarded-Proto (and strips any the client sent). WENMING_PRODUCTION=1 (implied by TLS):
# refuse to start with DEBUG on or a default / weak secret key.
TLS = env_bool("WENMING_TLS", False)
PRODUCTION = env_bool("WENMING_PRODUCTION", TLS)


def insecure_secret_key(key: str) -> bool:
    """Django's own bar (check security.W009) plus our published development key."""
    return (key == DEV_SECRET_KEY or key.startswith("django-insecure-") or len(key) < 50
            or len(set(key)) < 5)


if PRODUCTION and insecure_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "WENMING_PRODUCTION: set DJANGO_SECRET_KEY to a random value of 50+ characters, "
        "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("WENMING_PRODUCTION: DJANGO_DEBUG must be off")
if TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("WENMING_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("WENMING_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WENMING_HSTS_SUBDOMAINS", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # its templates and static files: Swagger UI served locally, not from a CDN
    "wenming.core.apps.AxesConfig",
    "wenming.core",
    "wenming.orgs",
    "wenming.people",
    "wenming.inbox",
    "wenming.teams",
    "wenming.activities",
    "wenming.orders",
    "wenming.points",
    "wenming.wishes",
    "wenming.partners",
    "wenming.records",
    "wenming.honors",
    "wenming.stats",
    "wenming.deliberation",
    "wenming.menu",
    "wenming.lectures",
    "wenming.rooms",
    "wenming.callups",
    "wenming.notices",
    "wenming.recommend",
    "wenming.demo",
    "django_tasks",
    "wenming.core.apps.TasksDbConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wenming.core.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "wenming.core.middleware.AtomicWritesMiddleware",
    "wenming.core.middleware.DomainErrorMiddleware",
    "wenming.core.middleware.ApiErrorShapeMiddleware",
]

ROOT_URLCONF = "wenming.urls"
# Under /api/ a CSRF failure answers in the API's JSON error shape, elsewhere a page.
CSRF_FAILURE_VIEW = "wenming.core.error_views.csrf_failure"
WSGI_APPLICATION = "wenming.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "wenming" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wenming.core.context_processors.ui",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'wenming.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: it spends 150-300 ms compiling a query that runs in 10-25 ms (the ranked
    # candidates' union), a cost only long analytical queries would earn back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE makes a write transaction take
    # the write lock at BEGIN, so concurrent writers queue instead of failing mid-way.
    DATABASES["default"]["OPTIONS"] = {
        # optimize=0x10002: refresh the planner's statistics when they are stale, cheaply.
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                         "PRAGMA busy_timeout=20000; PRAGMA optimize=0x10002;"),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if os.environ.get("WENMING_SQLITE_NO_PERSIST") else 60

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "wenming.people.backends.UsernameOrMobileBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: a locked account opens again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The counter's key is the account, not the typed string: its mobile, spaces around it or
# another letter case name the same account and share one count.
AXES_USERNAME_CALLABLE = "wenming.people.backends.lockout_username"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Optional: an internal-only proxy location (nginx `internal;`, e.g. "/_protected_media/")
# that maps onto MEDIA_ROOT; the media views then answer with X-Accel-Redirect after their
# check and the proxy sends the bytes. Empty: Django sends them. Never a public location.
MEDIA_ACCEL_REDIRECT = os.environ.get("WENMING_MEDIA_ACCEL_REDIRECT", "")
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "wenming" / "static",
    # Front-end libraries come from npm at setup time (package.json); never from a CDN.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/jsqr", BASE_DIR / "node_modules" / "jsqr" / "dist"),
]
# The order map's tile layer, e.g. an intranet tile server "https://tiles.example/{z}/{x}/{y}.png".
# Empty: markers on a plain map with the stations for reference, so it works offline.
WENMING_MAP_TILE_URL = os.environ.get("WENMING_MAP_TILE_URL", "")



def _origin(url: str) -> list[str]:
    parts = url.split("/")
    return ["/".join(parts[:3]).replace("{s}.", "*.")] if url.startswith(("https://", "http://")) \
        else []


# Content-Security-Policy (django-csp): scripts and styles from this site only. An inline
# <script> must carry nonce="{{ request.csp_nonce }}"; once a page uses the nonce, browsers
# ignore 'unsafe-inline' and block every inline script and on* attribute without it. Page
# behaviour lives in static/wenming/app.js; styles keep 'unsafe-inline' for style= attributes
# and htmx's indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", *_origin(WENMING_MAP_TILE_URL)],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": TLS,
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = False  # htmx and API clients read it to send X-CSRFToken
# Background tasks in the database: no broker on the embedded default; `make run` starts a
# worker (`wenming db_worker`), and production runs several against PostgreSQL.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Copies of inbox messages to phones: a list of channel classes (wenming/inbox/channels.py).
WENMING_OUTBOUND_CHANNELS = [c for c in os.environ.get(
    "WENMING_OUTBOUND_CHANNELS", "wenming.inbox.channels.ConsoleChannel").split(",") if c]

API_TOKEN_DAYS = int(os.environ.get("WENMING_API_TOKEN_DAYS", "30"))
# A new login mobile is proved by a code sent to it: how long it lives, how many tries it
# takes, how many codes an account may ask for in an hour.
WENMING_MOBILE_CODE_MINUTES = 10
WENMING_MOBILE_CODE_ATTEMPTS = 5
WENMING_MOBILE_CODES_PER_HOUR = 5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
