"""Settings shared by every environment; each value can come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin with a second factor (config.admin_site.PortalAdminSite is admin.site).
    "config.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "accounts",
    "enrollment",
    "wallet",
    "transfers",
    "refunds",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.session_idle",
                "accounts.context_processors.elder_mode",
                "accounts.context_processors.header_urls",
            ],
        },
    },
]

# SQLite by default so `make run` needs nothing but Python; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif env.bool("DB_PREPARED_STATEMENTS", default=True):
    # Server-side binding lets psycopg prepare a statement once it has run twice on a
    # connection: a page's queries join up to seven tables, and planning them cost more than
    # running them. Behind a transaction-mode PgBouncer without prepared-statement support,
    # set DB_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=2
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Chinese by default, English on request.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded documents (ID images, evidence) are private: never under STATIC or a public URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# How many reverse proxies of ours stand in front of the app. Throttles and sign-in lockouts
# key on the client address: with 0, REMOTE_ADDR (X-Forwarded-For ignored, a client cannot
# spoof it); with N, the N-th X-Forwarded-For entry from the right (the one our outermost
# proxy added). Set it to exactly the number of proxies, never more.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # JSON nested past 32 levels is a 400; a body over DATA_UPLOAD_MAX_MEMORY_SIZE a 413.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {
        "registration": env("REGISTRATION_THROTTLE_RATE", default="20/hour")
    },
    # X-Forwarded-For is read only as far as our own proxies wrote it (see TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "医保服务门户 API",
    "DESCRIPTION": "Medical-insurance service portal: insured persons, employers, data feeds.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InsuranceTransferStatusEnum": "transfers.models.TransferStatus",
    },
}

# Messages to the phone on file (registration and wallet codes, phone-change notices): a class
# with send(*, phone, body, reference, person=None, employer=None). The default keeps them in
# an outbox (`manage.py outbox`); production plugs in an SMS gateway. WALLET_CODE_SENDER is
# the older name, still read.
MESSAGE_SENDER = env(
    "MESSAGE_SENDER",
    default=env("WALLET_CODE_SENDER", default="accounts.messaging.OutboxSender"),
)

# Failed logins (API token and portal): 5 per username and address, or 30 from one address
# over all usernames, then 429 for 15 minutes.
LOGIN_FAILURES_PER_USERNAME = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=30)
AXES_FAILURE_LIMIT = "accounts.auth.login_failure_limit"
AXES_CLIENT_IP_CALLABLE = "accounts.auth.client_address"
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

AUDITLOG_INCLUDE_ALL_MODELS = False

# Celery: with REDIS_URL a real broker and workers; without, tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
# Every periodic job, in one place; django-celery-beat copies them into the database, where
# staff can see and change them in the admin. Times are Asia/Shanghai.
CELERY_BEAT_SCHEDULE = {
    "monthly-credit-due": {
        "task": "accounts.run_monthly_credit_due",
        "schedule": crontab(hour=1, minute=0),
    },
    "year-end-carry-over": {
        "task": "accounts.year_end_carry_over",
        "schedule": crontab(month_of_year=1, day_of_month=1, hour=0, minute=30),
    },
    # Duplicate enrollments (重复参保), nightly; on demand from the admin and the command.
    "duplicates-nightly": {
        "task": "enrollment.resolve_duplicates",
        "schedule": crontab(hour=2, minute=30),
        "kwargs": {"triggered_by": "beat"},
    },
    "account-freezing-nightly": {
        "task": "enrollment.sync_account_freezing",
        "schedule": crontab(hour=3, minute=0),
    },
    # Wallet transfers not accepted by 06:00 the next day go back (every 15 minutes, so a
    # region's own deadline is met too); unconfirmed ones expire; stale family bindings end.
    "wallet-return-unaccepted": {
        "task": "wallet.return_unaccepted_transfers",
        "schedule": crontab(minute="0,15,30,45"),
    },
    "wallet-expire-unconfirmed": {
        "task": "wallet.expire_unconfirmed_transfers",
        "schedule": crontab(minute="*/5"),
    },
    "wallet-end-stale-bindings": {
        "task": "wallet.end_stale_family_bindings",
        "schedule": crontab(hour=2, minute=30),
    },
}
CELERY_ACCEPT_CONTENT = ["json"]

# --- Sign-in security: second factor, idle sessions, API token lifetime, CSP (issue #9) ---

# Staff need a TOTP second factor for the admin (set up on first sign-in, with recovery
# codes). On in production; off by default for local work and the tests.
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=False)
# The agency named in the admin's title and header ("西安市医疗保障局 经办工作台"); empty: "医疗保障局".
AGENCY_NAME = env.str("AGENCY_NAME", default="")
OTP_TOTP_ISSUER = "医保服务门户"
# Nobody, not even a superuser, reads a device's secret back from the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Signed-in sessions end after this much inactivity; the portal warns a few minutes before.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_IDLE_TIMEOUT_STAFF = timedelta(hours=env.int("SESSION_IDLE_HOURS_STAFF", default=8))
SESSION_IDLE_WARNING = timedelta(minutes=5)
# No session outlives a staff working day, even one that keeps itself alive.
SESSION_COOKIE_AGE = 12 * 60 * 60

# API tokens of persons, employers and staff expire a day after issue (a new sign-in gives a
# new one). Service tokens live in a connected system's configuration and have no password to
# sign in again with, so they last longer; `create_service_token` rotates an expired one.
API_TOKEN_TTL = timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=24))
API_SERVICE_TOKEN_TTL = timedelta(days=env.int("API_SERVICE_TOKEN_TTL_DAYS", default=365))

# Content-Security-Policy: scripts and styles only from our own static files. The one
# exception is the self-contained 500 page's <style> block, allowed by its hash
# (tests/config/test_csp.py recomputes it). The API docs pages widen it for themselves.
ERROR_PAGE_STYLE_HASH = "'sha256-jzlh3eulmWnKNAkpvLgyn6rbjJ8dqMep52q/MISJGpc='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, ERROR_PAGE_STYLE_HASH],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    },
}

# --- end of sign-in security ---

# bench/pages.py's floor, a bare view at /bench/floor/: only for the benchmark's own server.
BENCH_FLOOR_VIEW = env.bool("BENCH_FLOOR_VIEW", default=False)

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The handler's level too: Django's own loggers (django.request's 4xx warnings) propagate
    # to it whatever the root's level.
    "handlers": {"console": {"class": "logging.StreamHandler", "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
