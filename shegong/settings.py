"""Shegong settings: one module, every deployment choice read from the environment.

Environment variables (all optional in development):
  SHEGONG_DEBUG          "1" turns on debug pages (default off)
  SHEGONG_SECRET_KEY     required when debug is off
  SHEGONG_ALLOWED_HOSTS  comma-separated host names (default: localhost names)
  DATABASE_URL           e.g. postgres://postgres@127.0.0.1:5432/shegong
                         (default: SQLite file db.sqlite3 beside manage.py)
  SHEGONG_PGBOUNCER      "1" behind pgbouncer in transaction pooling (deploy/pgbouncer.ini)
  SHEGONG_REDIS_URL      e.g. redis://127.0.0.1:6379/0: the cache, the login throttle and
                         the sessions shared by every process and host (default: each
                         process's own memory, for one process only)
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("SHEGONG_DEBUG", False)
SECRET_KEY = os.environ.get("SHEGONG_SECRET_KEY", "")
if not SECRET_KEY and (DEBUG or env_bool("SHEGONG_INSECURE_DEV_KEY", False)):
    SECRET_KEY = "dev-only-insecure-key-do-not-deploy"  # noqa: S105
# Without a key outside development, management commands that need none (makemigrations,
# check) still run; the web server refuses to start (shegong/wsgi.py) and
# `check --deploy` reports it (shegong.E002). Django itself refuses an empty key in use.

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SHEGONG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "shegong.core",
    "shegong.regions",
    "shegong.accounts",
    "shegong.stations",
    "shegong.inbox",
    "shegong.workforce",
    "shegong.people",
    "shegong.work",
    "shegong.purchase",
    "shegong.evaluation",
    "shegong.community",
    "shegong.residents",
    "shegong.imports",
    "shegong.exchange",
    "shegong.audit",
    "shegong.indicators",
    "shegong.home",
    "shegong.field",
    "shegong.public",
    "shegong.demo",
]

MIDDLEWARE = [
    "shegong.core.metrics.MetricsMiddleware",  # latency and queries by view (/metrics)
    "django.middleware.security.SecurityMiddleware",
    "shegong.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shegong.core.middleware.IdleSessionMiddleware",
    "shegong.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shegong.core.replica.ReplicaMiddleware",  # read-your-writes with a read replica
    "shegong.core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "shegong.core.middleware.LoginRequiredMiddleware",
    "shegong.accounts.middleware.AccountPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shegong.urls"
CSRF_FAILURE_VIEW = "shegong.core.errors.csrf_failure"
WSGI_APPLICATION = "shegong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shegong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shegong.accounts.context_processors.navigation",
            ],
        },
    }
]
# Django's widget templates, with the commonest widgets written in Python, the same HTML
# (a score sheet's 160 fields were half of its page: shegong/core/formrender.py)
FORM_RENDERER = "shegong.core.formrender.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("SHEGONG_DB_CONN_MAX_AGE", "60")),
    )
}
# a kept connection is checked before a request uses it: after a database restart the next
# request reconnects by itself
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica (scripts/replica.sh makes one): dashboards, drill-downs, reports and
# exports read there when it is up and close behind (shegong/core/replica.py)
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # a replica that does not answer is given up on quickly: the primary serves instead
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    # tests read the test database through the replica, which streams it from the primary
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["shegong.core.replica.ReplicaRouter"]
SHEGONG_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("SHEGONG_REPLICA_MAX_LAG_SECONDS", "30"))
SHEGONG_REPLICA_CHECK_SECONDS = 1.0
SHEGONG_REPLICA_RETRY_SECONDS = 10.0
# On PostgreSQL parameters are bound on the server and psycopg prepares a statement the
# fifth time a connection runs it: PostgreSQL plans a page's few dozen query shapes once per
# connection, not on every request (docs/operations.md, Prepared statements).
# Behind pgbouncer in transaction pooling (deploy/pgbouncer.ini) each transaction may run on
# another server connection, so nothing may outlive one: no server-side cursors (iterator()
# then reads its rows at once), no prepared statements (parameters are still bound on the
# server, in the unnamed statement), no session settings.
for _alias in DATABASES:
    if env_bool("SHEGONG_DB_SERVER_BINDING", True) and "postgresql" in DATABASES[_alias]["ENGINE"]:
        DATABASES[_alias].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
    if env_bool("SHEGONG_PGBOUNCER") and "postgresql" in DATABASES[_alias]["ENGINE"]:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES[_alias].setdefault("OPTIONS", {})["prepare_threshold"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a background task writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A SELECT's SQL is built once per shape and process, its WHERE each time (the ORM's
# compiling was a sixth of a page's CPU): Django's backends with that compiler
# (shegong/core/sqlcache.py; docs/operations.md). Tests compare each query with Django's.
SHEGONG_SQL_CACHE = env_bool("SHEGONG_SQL_CACHE", True)
SHEGONG_SQL_CACHE_VERIFY = env_bool("SHEGONG_SQL_CACHE_VERIFY", False)
_KEPT_SHAPE_ENGINES = {
    "django.db.backends.postgresql": "shegong.core.db.postgresql",
    "django.db.backends.sqlite3": "shegong.core.db.sqlite3",
}
for _alias in DATABASES if SHEGONG_SQL_CACHE else ():
    _engine = DATABASES[_alias]["ENGINE"]
    DATABASES[_alias]["ENGINE"] = _KEPT_SHAPE_ENGINES.get(_engine, _engine)
# Rows read from the database become model instances without Model.__init__ (building a
# list's 250 instances was a sixth of its work): shegong/core/instances.py. Tests build
# each row Django's way too and compare.
SHEGONG_FAST_ROWS = env_bool("SHEGONG_FAST_ROWS", True)
SHEGONG_FAST_ROWS_VERIFY = env_bool("SHEGONG_FAST_ROWS_VERIFY", False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lockout after repeated failures
    "shegong.accounts.backends.ShegongBackend",
]

# Lockout (等保: 登录失败处理): 5 failures lock the account for 15 minutes. Per account, not
# per address: a county office shares one address, and an attacker can change theirs.
AXES_FAILURE_LIMIT = int(os.environ.get("SHEGONG_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("SHEGONG_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# axes.W006 warns that locking per account lets an attacker rotate addresses; the login form
# also pauses each (address, username) pair with a growing delay (shegong.accounts.throttle),
# and locking per address would let one person lock out a whole county office behind one
# NAT address, or everyone behind the reverse proxy.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The reverse proxies in front of the site (addresses or networks, comma-separated): the
# client address is read from X-Forwarded-For only behind them (shegong.core.net).
SHEGONG_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("SHEGONG_TRUSTED_PROXIES", "").split(",") if p.strip()
]
AXES_CLIENT_IP_CALLABLE = "shegong.core.net.client_ip"
# The longest pause (seconds) the login throttle asks of one address and username.
SHEGONG_LOGIN_MAX_DELAY = int(os.environ.get("SHEGONG_LOGIN_MAX_DELAY", "300"))

# Second factor (TOTP) for officers and the three administrators; off only while debugging
# (the demo) unless SHEGONG_REQUIRE_2FA says otherwise.
SHEGONG_REQUIRE_2FA = env_bool("SHEGONG_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Shegong"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "shegong.accounts.passwords.ComplexityValidator"},
    {"NAME": "shegong.accounts.passwords.HistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SHEGONG_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("SHEGONG_PASSWORD_MAX_AGE_DAYS", "90"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "shegong" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "shegong" / "static"]
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
MEDIA_ROOT = Path(os.environ.get("SHEGONG_MEDIA_ROOT") or BASE_DIR / "media")
# where `manage.py backup` writes (a folder per backup); keep it on another disk or host
SHEGONG_BACKUP_DIR = os.environ.get("SHEGONG_BACKUP_DIR", "")
MEDIA_URL = "media/"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# who may read /metrics (Prometheus): addresses or networks, comma-separated; none by default
SHEGONG_METRICS_ALLOWED = [
    c.strip() for c in os.environ.get("SHEGONG_METRICS_ALLOWED", "").split(",") if c.strip()
]
# a task running longer than this lost its worker (manage.py reap_stalled marks it failed)
SHEGONG_TASK_STALLED_SECONDS = int(os.environ.get("SHEGONG_TASK_STALLED_SECONDS", "3600"))

# Shared state. Several processes (gunicorn workers) or hosts must share the cache: the
# login throttle's counters, the public pages' cache, the dashboards' cached stocks; and
# the sessions are read from it (cached_db: written through to the database, so a restart
# of Redis logs nobody out). Account lockouts (django-axes) are kept in the database.
SHEGONG_REDIS_URL = os.environ.get("SHEGONG_REDIS_URL", "")
if SHEGONG_REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, keeping its client objects (shegong/core/cache.py)
            "BACKEND": "shegong.core.cache.RedisCache",
            "LOCATION": SHEGONG_REDIS_URL,
            "KEY_PREFIX": os.environ.get("SHEGONG_CACHE_PREFIX", "shegong"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# a cache every process shares (Redis): what is kept in it (the rule sets, the logged-in
# users: shegong.core.sharedcache) is forgotten everywhere when it changes; each process's
# own memory could not be told, so without Redis nothing is kept
SHEGONG_SHARED_CACHE = bool(SHEGONG_REDIS_URL)
# the logged-in user (with scope region and station) kept this long (accounts.usercache)
SHEGONG_USER_CACHE_SECONDS = int(
    os.environ.get("SHEGONG_USER_CACHE_SECONDS", "60" if SHEGONG_SHARED_CACHE else "0")
)

# how long the public station pages (no login) are cached, on the server and in browsers
SHEGONG_PUBLIC_CACHE_SECONDS = int(os.environ.get("SHEGONG_PUBLIC_CACHE_SECONDS", "300"))
# anonymous calls of /api/public/… per address (django-ninja's throttle syntax)
SHEGONG_PUBLIC_API_RATE = os.environ.get("SHEGONG_PUBLIC_API_RATE", "60/m")

SESSION_COOKIE_AGE = int(os.environ.get("SHEGONG_SESSION_SECONDS", str(30 * 60)))
# idle timeout, not absolute: the expiry moves on with activity, written at most once a
# minute (shegong.core.middleware.IdleSessionMiddleware), not on every request
SHEGONG_SESSION_REFRESH_SECONDS = 60
# the phone app keeps its station's working set no longer than the idle timeout plus this
# grace (a day in the villages without signal), then drops it (docs/security.md)
SHEGONG_FIELD_GRACE_SECONDS = int(os.environ.get("SHEGONG_FIELD_GRACE_SECONDS", str(10 * 3600)))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and env_bool("SHEGONG_HTTPS", True):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SHEGONG_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # asked over plain HTTP by the load balancer
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: no inline script or style; only this site's files.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"database_down": {"()": "shegong.core.logs.DatabaseDownFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEGONG_LOG_LEVEL", "INFO")},
    "loggers": {
        # Lockouts reach the audit log; axes' own chatter about every login is not needed.
        "axes": {"level": "WARNING"},
        # a request refused while the database is down: one line, not a stack trace
        "django.request": {"filters": ["database_down"]},
    },
}

# The API's docs (/api/docs) and schema (/api/openapi.json) need a login unless this is on.
SHEGONG_API_DOCS_PUBLIC = env_bool("SHEGONG_API_DOCS_PUBLIC", False)

# Never on in production: lets a test database flush the append-only audit log.
SHEGONG_AUDIT_MAINTENANCE = False

SHEGONG_DIVISIONS_DIR = BASE_DIR / "shegong" / "regions" / "data"

# Personal data: field encryption keys (first encrypts) and the lookup-hash key.
SHEGONG_FIELD_KEYS = [k.strip() for k in os.environ.get("SHEGONG_FIELD_KEYS", "").split(",")]
SHEGONG_HASH_KEY = os.environ.get("SHEGONG_HASH_KEY", "")
SHEGONG_ALLOW_DERIVED_KEYS = DEBUG or env_bool("SHEGONG_INSECURE_DEV_KEY", False)
SHEGONG_PAGE_SIZE = 50
# a list counts its rows up to this many past the page's start; beyond, it says "more
# than N" (a province's lists hold millions of rows: counting them all was most of a page)
SHEGONG_LIST_COUNT_BOUND = 10_000
# text messages to residents (tracking code, status changes): a class with
# send(*, phone, text); the console backend logs them; empty turns them off (shegong.inbox.sms)
SHEGONG_SMS_BACKEND = os.environ.get("SHEGONG_SMS_BACKEND", "shegong.inbox.sms.ConsoleBackend")
SHEGONG_SMS_OPTIONS: dict = {}
# a station submits its month within this many days after the month ends (逐级审核)
SHEGONG_MONTH_DUE_DAYS = int(os.environ.get("SHEGONG_MONTH_DUE_DAYS", "10"))
# personal API tokens: the longest a token may last (days), and the default offered
SHEGONG_API_TOKEN_MAX_DAYS = int(os.environ.get("SHEGONG_API_TOKEN_MAX_DAYS", "365"))
SHEGONG_API_TOKEN_DEFAULT_DAYS = 90

# Shown in the UI title bar.
SHEGONG_SITE_NAME = _("Shegong social work stations")
# Exchange between deployments (docs/exchange.md): this deployment's name in its packages,
# and the PEM file of its Ed25519 signing key (`manage.py exchange_key` makes one)
SHEGONG_EXCHANGE_NAME = os.environ.get("SHEGONG_EXCHANGE_NAME", "")
SHEGONG_EXCHANGE_KEY = os.environ.get("SHEGONG_EXCHANGE_KEY", "")
# pushing this deployment's figures up (manage.py exchange_push, on a schedule): where,
# with which API token, and for which regions (division codes separated by commas)
SHEGONG_EXCHANGE_PUSH_URL = os.environ.get("SHEGONG_EXCHANGE_PUSH_URL", "")
SHEGONG_EXCHANGE_PUSH_TOKEN = os.environ.get("SHEGONG_EXCHANGE_PUSH_TOKEN", "")
SHEGONG_EXCHANGE_PUSH_REGIONS = [
    c.strip() for c in os.environ.get("SHEGONG_EXCHANGE_PUSH_REGIONS", "").split(",") if c.strip()
]
# what others may fetch from this deployment's outbox (GET /api/exchange/outbox/…, pulled by
# manage.py exchange_pull there): the figures of these regions, the rule sets of these
SHEGONG_EXCHANGE_PUBLISH_REGIONS = [
    c.strip()
    for c in os.environ.get("SHEGONG_EXCHANGE_PUBLISH_REGIONS", "").split(",")
    if c.strip()
]
SHEGONG_EXCHANGE_PUBLISH_RULES = [
    c.strip() for c in os.environ.get("SHEGONG_EXCHANGE_PUBLISH_RULES", "").split(",") if c.strip()
]

# Slow-moving stocks behind the dashboards (workers, stations, villages; party teams,
# organisations, filed agencies; residents' requests) are cached this many seconds per
# region and period; service figures are never cached (kept on write).
SHEGONG_INDICATOR_CACHE_SECONDS = int(os.environ.get("SHEGONG_INDICATOR_CACHE_SECONDS", "60"))
