"""Settings for Commons.

Every setting comes from the environment (see the table in README.md). The defaults
are for development on one machine: SQLite and Celery's filesystem broker under
``var/``, mail to the console and to files. With DEBUG off, the settings that must
not have a development default (SECRET_KEY, ALLOWED_HOSTS, SITE_URL, REDIS_URL) are
required.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# Runtime state of the development default (database, broker, mail, secret key).
VAR_DIR = Path(env("COMMONS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    if key := env("SECRET_KEY"):
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # Development: generated once and kept, so sessions survive a restart.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SITE_NAME = env("SITE_NAME", "Commons")
# How often an open page asks whether it changed (thread replies, proposal stage); the
# header's unread count is asked half as often. Polling, not server-sent events: see README.
LIVE_POLL_SECONDS = int(env("LIVE_POLL_SECONDS", "30"))
SITE_ID = 1


def _site_url() -> str:
    """The address people reach the site at: every absolute link (emails, feeds,
    exports, allauth's mails) is built from it, never from the Sites framework's row
    (``example.com`` until someone edits it) nor from the request's Host header."""
    url = env("SITE_URL").strip().rstrip("/")
    if not url:
        if not DEBUG:
            raise ImproperlyConfigured(
                "SITE_URL must be set when DEBUG is off: the address people reach the site "
                "at, e.g. https://commons.example.org (links in emails and feeds use it)."
            )
        # Development: the address `make run` serves.
        url = f"http://127.0.0.1:{env('PORT', '8000') or '8000'}"
    scheme, _sep, rest = url.partition("://")
    if (
        scheme not in {"http", "https"}
        or not rest
        or "/" in rest
        or any(c.isspace() or ord(c) < 32 for c in rest)
    ):
        raise ImproperlyConfigured(
            f"SITE_URL must be a scheme and a host, e.g. https://commons.example.org, "
            f"without a path (got {url!r})."
        )
    return url


SITE_URL = _site_url()

INSTALLED_APPS = [
    "core",
    "community",
    "members",
    "purposes",
    "moderation",
    "notifications",
    "engagement",
    "portability",
    "api",
    "demo",
    "config",
    "config.admin.CommonsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django_htmx",
    # django-ninja: its Swagger UI files (static) for the API's docs page
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                # last: while a page is rendered for the anonymous page cache, its
                # CSRF token and CSP nonce are placeholders filled in per response
                "core.pagecache.placeholders",
            ],
            "builtins": ["core.templatetags.datetimes"],
        },
    },
]

# Past one machine (README): a pooler in front of PostgreSQL, or psycopg's own pool.
DATABASE_POOLER = env("DATABASE_POOLER").strip().lower()
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured(
        f"DATABASE_POOLER must be empty or 'pgbouncer' (got {DATABASE_POOLER!r})."
    )
DATABASE_POOL = int(env("DATABASE_POOL", "0") or "0")
if DATABASE_POOL and DATABASE_POOLER:
    raise ImproperlyConfigured(
        "Set DATABASE_POOL or DATABASE_POOLER=pgbouncer, not both: behind PgBouncer each "
        "process keeps one connection to it and PgBouncer does the pooling."
    )


def _database(url: str, *, replica: bool = False) -> dict:
    # psycopg's pool lends connections per request, so Django keeps none of its own.
    config = dj_database_url.parse(
        url,
        conn_max_age=0 if DATABASE_POOL else int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if config["ENGINE"] != "django.db.backends.postgresql":
        if replica or DATABASE_POOL or DATABASE_POOLER:
            raise ImproperlyConfigured(
                "DATABASE_REPLICA_URLS, DATABASE_POOL and DATABASE_POOLER need PostgreSQL "
                f"(got {config['ENGINE']})."
            )
        return config
    options = dict(config.get("OPTIONS", {}))
    if DATABASE_POOLER:
        # PgBouncer in transaction mode hands each transaction to any server connection:
        # a cursor held open across transactions (QuerySet.iterator() on PostgreSQL) would
        # point at nothing. Prepared statements are already off (Django's default).
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
    if DATABASE_POOL:
        options["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL,
            # a replica that is down must not hold a request for the pool's default 30 s
            "timeout": 2 if replica else 10,
        }
    if replica:
        # A replica that does not answer is given up on quickly; reads go to the primary.
        options["connect_timeout"] = 2
        config["TEST"] = {"MIRROR": "default"}
    if options:
        config["OPTIONS"] = options
    return config


DATABASES = {
    "default": _database(env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'commons.sqlite3'}")),
}
# Read replicas (README, "Past one machine"): only when set is anything installed.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASE_REPLICAS.append(f"replica{_number}")
    DATABASES[f"replica{_number}"] = _database(_url, replica=True)
# Seconds a member's requests read from the primary after one of theirs wrote.
DATABASE_PIN_SECONDS = int(env("DATABASE_PIN_SECONDS", "10"))
# How long a committed write waits for the replicas to replay it (0: no wait).
DATABASE_REPLICA_WAIT_MS = int(env("DATABASE_REPLICA_WAIT_MS", "250"))
# How long a replica that failed or lagged is left alone.
DATABASE_REPLICA_RETRY_SECONDS = int(env("DATABASE_REPLICA_RETRY_SECONDS", "10"))
DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"] if DATABASE_REPLICAS else []
if DATABASE_REPLICAS:
    # Outside the session middleware, so a session saved on the way out counts as a write.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "config.replicas.PinPrimaryMiddleware",
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
    # Connections persist here too (DATABASE_CONN_MAX_AGE): opening one, with its PRAGMAs,
    # cost a millisecond of every request. A live test server shares the test's in-memory
    # database connection, whose close Django ignores either way, and the threads of
    # runserver or a file-backed live server close their own when they end.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if not DEBUG and not REDIS_URL:
    # Rate limits live in the cache: a local-memory cache counts per process, so with
    # three gunicorn workers every limit would silently be three times looser.
    raise ImproperlyConfigured(
        "REDIS_URL must be set when DEBUG is off: rate limits need a cache shared by every "
        "web process (the local-memory cache counts each process separately)."
    )
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# Confirming the address from the sign-up mail logs the newcomer in. allauth does so only
# in the browser session that signed up: a link opened elsewhere (a forwarded mail, a
# mail scanner) confirms the address but logs nobody in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_USERNAME_BLACKLIST = ["admin", "staff", "commons", "system", "moderator", "root"]
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_URL.partition("://")[0]
# Builds links from SITE_URL and tells a locked account why it cannot log in.
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "members.account_forms.LoginForm",
    "signup": "members.account_forms.SignupForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Sign-ups never verified are deleted after this long (members.tasks).
UNVERIFIED_SIGNUP_MAX_AGE = timedelta(days=7)

# Mail: development writes every message to the console and to var/mail/.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
# Where "contact us" points (account pages): a mailbox a person reads.
CONTACT_EMAIL = env("CONTACT_EMAIL", "help@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": int(env("EMAIL_PORT", "587")),
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "config.mail.ConsoleAndFileBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

# Celery. The embedded default is the filesystem transport: a real worker and beat
# with no server to run. Production points these at Redis. kombu's own filesystem
# transport writes message files in place, and a worker reading one half-written dies;
# config.broker writes each file whole (temporary name, then rename), and
# config/celery.py makes it what "filesystem://" means.
if not DEBUG and not env("CELERY_BROKER_URL"):
    # The filesystem broker is folders on one machine: a worker in another container or
    # on another host would never see the web process's tasks (no email, no vote closed).
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be set when DEBUG is off, e.g. redis://host:6379/0: the "
        "default filesystem broker is only seen by processes on the same machine."
    )
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", f"file://{VAR_DIR / 'celery' / 'results'}")
if CELERY_RESULT_BACKEND.startswith("file://"):
    Path(CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Webhooks may reach loopback, private and reserved addresses only where this is set (a
# closed network, a test setup): otherwise the server could probe its own network.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
# API requests a minute: per access token, per member (all their tokens together), and per
# address without a token (api/throttle.py).
API_RATE_TOKEN_PER_MINUTE = int(env("API_RATE_TOKEN_PER_MINUTE", "120"))
API_RATE_MEMBER_PER_MINUTE = int(env("API_RATE_MEMBER_PER_MINUTE", "240"))
API_RATE_ANONYMOUS_PER_MINUTE = int(env("API_RATE_ANONYMOUS_PER_MINUTE", "60"))
# Queues (README, "Past one machine"): each group of jobs has its own, so a flood of mail
# never stands between the beat and a vote's close. A worker started without -Q consumes
# all of them (make run's, and a single-worker deployment's); compose runs one per group.
CELERY_QUEUES_BY_GROUP = {
    "governance": ["purposes.tasks.sweep_proposals", "moderation.tasks.*"],
    "mail": ["notifications.tasks.*", "purposes.tasks.send_offshoot_digests", "api.tasks.*"],
    "engagement": ["engagement.tasks.*"],
}
CELERY_TASK_DEFAULT_QUEUE = "celery"  # anything not routed: housekeeping, ping
CELERY_QUEUE_NAMES = [CELERY_TASK_DEFAULT_QUEUE, *CELERY_QUEUES_BY_GROUP]
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in CELERY_QUEUE_NAMES]
CELERY_TASK_ROUTES = {
    pattern: {"queue": queue}
    for queue, patterns in CELERY_QUEUES_BY_GROUP.items()
    for pattern in patterns
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The schedule lives here, in code (django-celery-beat does not support Django 6.1).
# Every job is a sweep of database state, so a missed or doubled beat is harmless.
CELERY_BEAT_SCHEDULE = {
    # Moderation: terms and suspensions that ended, appeals past their 72 hours.
    "moderation-expiry": {
        "task": "moderation.tasks.end_expired_moderation",
        "schedule": 300.0,
    },
    "moderation-appeals": {
        "task": "moderation.tasks.sweep_appeals",
        "schedule": 300.0,
    },
    # Notifications: batched emails of busy threads (the digest is enqueued below).
    "notification-emails": {
        "task": "notifications.tasks.send_due_notification_emails",
        "schedule": 300.0,
    },
    # Webhooks: new events into deliveries, and deliveries due (first tries and retries).
    "webhooks": {
        "task": "api.tasks.sweep_webhooks",
        "schedule": 60.0,
    },
    "delete-unverified-signups": {
        "task": "members.tasks.delete_unverified_signups",
        "schedule": crontab(minute=17),
    },
    # A community moved to another home: its archive and its members' claim tokens.
    "hand-over-moved-communities": {
        "task": "portability.tasks.hand_over_moved_communities",
        "schedule": 60.0,
    },
    "sweep-proposals": {
        # Opens and closes votes, applies results, sends reminders (purposes.tasks).
        "task": "purposes.tasks.sweep_proposals",
        "schedule": 60.0,
    },
    # One notification per community and day about the communities grown out of it.
    "offshoot-digests": {
        "task": "purposes.tasks.send_offshoot_digests",
        "schedule": crontab(hour=0, minute=10),
    },
    # Engagement: yesterday's relationships and snapshots, a weekly recount,
    # and the digests, each member's at the frequency they chose (daily every morning,
    # weekly on Mondays): their digested notifications and their communities' activity.
    "engagement-snapshots": {
        "task": "engagement.tasks.take_daily_snapshots",
        "schedule": crontab(hour=0, minute=20),
    },
    "engagement-recount": {
        "task": "engagement.tasks.recompute_relationships",
        "schedule": crontab(hour=2, minute=40, day_of_week="sun"),
    },
    "digests-daily": {
        "task": "notifications.tasks.enqueue_digests",
        "schedule": crontab(hour=6, minute=30),
        "args": ("daily",),
    },
    "digests-weekly": {
        "task": "notifications.tasks.enqueue_digests",
        "schedule": crontab(hour=6, minute=45, day_of_week="mon"),
        "args": ("weekly",),
    },
}

# Internationalisation
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files, served by WhiteNoise (hashed and compressed in production).
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Fixed with DEBUG as it is when settings load: the test runner turns DEBUG off later,
# and WhiteNoise would then read every static file through the finders each time a test
# client starts (63 ms each, minutes over the suite). Looking files up per request is
# what development wants anyway.
WHITENOISE_AUTOREFRESH = DEBUG

# Security. The Content Security Policy allows no inline script or style: scripts
# carry the per-request nonce, styles come from our own stylesheet.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Posts may embed https images; allauth's TOTP QR code is a data: URI.
    "img-src": [CSP.SELF, "https:", "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sessions read from the cache, written through to the database: one query less on every
# signed-in request. The cache is shared by every web process whenever DEBUG is off (the
# REDIS_URL check above), so a logout is seen by all of them at once.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the proxy in front of gunicorn, which says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # "No hostname was supplied" from every process: the embedded broker needs none.
        **(
            {"kombu.connection": {"level": "ERROR"}}
            if CELERY_BROKER_URL.startswith("filesystem://")
            else {}
        ),
    },
}

# Communities: founders needed before a forming community becomes active.
FOUNDING_QUORUM = int(env("FOUNDING_QUORUM", "3"))
CSRF_FAILURE_VIEW = "community.views.site.csrf_failure"
