"""Settings shared by every run mode.

Run modes (see docs/configuration.md): with no environment variables the workbench is *embedded*:
SQLite and a file-system Celery broker under ``var/``. With ``DATABASE_URL`` and
``REDIS_URL`` it uses PostgreSQL and Redis (broker on the URL's db, cache on the next db).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from kombu import Exchange, Queue

from factcheck.lib.env import (
    database_from_env,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    redis_db_number,
    redis_url_with_db,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("FACTCHECK_VAR_DIR") or BASE_DIR / "var")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The reader site's sitemap.xml (reader/sitemaps.py).
    "django.contrib.sitemaps",
    "django_filters",
    "axes",
    # Shared helpers' wiring (factcheck/lib/apps.py: the permission cache's signals).
    "factcheck.lib.apps.FactcheckLibConfig",
    # The apps, in their layers (each imports only from those above it in this list; see
    # docs/architecture.md): the audit log, sources and link health, claims, then the
    # reader site and the desk.
    "audit",
    "sources",
    "claims",
    # The public reader site.
    "reader",
    # Team management, the dashboard and the policy pages (no tables of its own).
    "desk",
    # The newsrooms' REST API (/api/v1/), on top of every app; Django REST framework, the
    # OpenAPI schema, and Swagger UI's files served from our own static files.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    # Request ids first (every later line logged carries it), then the request timer
    # (factcheck/lib/metrics.py: latency by view, answers by status).
    "factcheck.lib.requestid.RequestIdMiddleware",
    "factcheck.lib.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Reviewer, desk, admin and account pages: "Cache-Control: private, no-store".
    "factcheck.lib.middleware.PrivatePagesNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: a reader page's from its address; a staff page's from the person's choice
    # (after authentication); an anonymous reader's browser language, once (a redirect).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "factcheck.lib.languages.StaffLanguageMiddleware",
    "factcheck.lib.languages.ReaderLanguageRedirectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Answers a request too large for the ingest form with the form (before CSRF reads it).
    "claims.middleware.IngestRequestLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # "database is locked" from a view: a 503 "busy, try again" page (factcheck/lib/busy.py).
    "factcheck.lib.busy.DatabaseBusyMiddleware",
    # The reader cache's hits, misses and revalidations (factcheck/lib/metrics.py).
    "factcheck.lib.metrics.ReaderCacheMetricsMiddleware",
    # Axes must come last: it turns repeated failed logins into a lock-out response.
    "axes.middleware.AxesMiddleware",
]

# Path prefixes of the pages only the team sees (factcheck.lib.middleware): never cached.
FACTCHECK_PRIVATE_PATH_PREFIXES = ("/review/", "/admin/", "/accounts/")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with permissions and roles cached per change (factcheck/lib/authz.py).
    "factcheck.lib.authz.CachedModelBackend",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

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
                "django.template.context_processors.csp",
                "factcheck.lib.context.workbench",
            ],
        },
    },
]

# Django's form renderer with <input> and <textarea> written in Python (factcheck/lib/widgets.py).
FORM_RENDERER = "factcheck.lib.widgets.PythonWidgetRenderer"

# --- Database -------------------------------------------------------------------------------
if not env_str("DATABASE_URL") or not env_str("REDIS_URL"):
    # Embedded mode keeps its database, broker and cache here; make sure the folder exists.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": database_from_env()
    or {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "db.sqlite3",
        "OPTIONS": {
            # WAL lets the web process read while the worker writes; IMMEDIATE avoids
            # "database is locked" on upgrade from a read to a write transaction.
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker and cache -------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# The broker may be another server than the cache: BROKER_URL (or CELERY_BROKER_URL) names it,
# e.g. RabbitMQ's amqp://user:password@host:5672/vhost; unset, it is REDIS_URL's db (or the
# file-system broker in embedded mode).
BROKER_URL = env_str("BROKER_URL") or env_str("CELERY_BROKER_URL")
# A Redis broker that accepts connections but never answers must not hang a request: its
# connects and reads give up after this many seconds (a send is retried twice, then logged
# and left to the sweeps and outboxes). Workers and beat wait longer (factcheck/celery_app.py:
# their blocking reads last up to a second by design).
FACTCHECK_BROKER_SEND_TIMEOUT = env_float("FACTCHECK_BROKER_SEND_TIMEOUT", 1.0)
FACTCHECK_BROKER_WORKER_TIMEOUT = env_float("FACTCHECK_BROKER_WORKER_TIMEOUT", 10.0)
_REDIS_BROKER_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": FACTCHECK_BROKER_SEND_TIMEOUT,
    "socket_connect_timeout": FACTCHECK_BROKER_SEND_TIMEOUT,
}
if REDIS_URL:
    _broker_db = redis_db_number(REDIS_URL)
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = dict(_REDIS_BROKER_OPTIONS)
    CACHES = {
        "default": {
            # Django's RedisCache, answering misses while Redis is away (factcheck/lib/cache.py).
            "BACKEND": "factcheck.lib.cache.ForgivingRedisCache",
            "LOCATION": env_str("REDIS_CACHE_URL") or redis_url_with_db(REDIS_URL, _broker_db + 1),
            "KEY_PREFIX": "factcheck",
        }
    }
else:
    _broker_dir = VAR_DIR / "celery" / "broker"
    # kombu's file-system transport with atomic writes (factcheck/lib/broker.py).
    CELERY_BROKER_URL = "fsq://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }
if BROKER_URL:
    CELERY_BROKER_URL = BROKER_URL
    # Redis's own options (visibility timeout) stay only for a Redis broker.
    CELERY_BROKER_TRANSPORT_OPTIONS = (
        dict(_REDIS_BROKER_OPTIONS) if BROKER_URL.startswith(("redis://", "rediss://")) else {}
    )

# Job queues (docs/operations.md, "Scaling"): each kind of job has its own, so a flood of link
# checks never delays an article's ingestion. A worker started without -Q consumes them all
# (`make run`); production runs workers per queue. Every job is routed here by name
# (tests/factcheck/test_queues.py fails for a job that is not).
FACTCHECK_QUEUE_DEFAULT = "default"  # sweeps, housekeeping, imports, the heartbeat
FACTCHECK_QUEUE_LINKS = "links"  # link checks, archive look-ups, re-fetches: bulk fetching
FACTCHECK_QUEUE_INGEST = "ingest"  # articles asked for by a reviewer (URL or large text)
FACTCHECK_QUEUE_PRERENDER = "prerender"  # reader pages rendered after publishing
FACTCHECK_QUEUE_MAIL = "mail"  # e-mail: mentions, digests
FACTCHECK_QUEUES = (
    FACTCHECK_QUEUE_DEFAULT,
    FACTCHECK_QUEUE_LINKS,
    FACTCHECK_QUEUE_INGEST,
    FACTCHECK_QUEUE_PRERENDER,
    FACTCHECK_QUEUE_MAIL,
)
CELERY_TASK_DEFAULT_QUEUE = FACTCHECK_QUEUE_DEFAULT
# One direct exchange per queue; a job routed to a queue not declared here is an error.
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name) for name in FACTCHECK_QUEUES
)
CELERY_TASK_CREATE_MISSING_QUEUES = False
CELERY_TASK_ROUTES = {
    "sources.link_check_batch": {"queue": FACTCHECK_QUEUE_LINKS},
    "sources.link_archive_lookup": {"queue": FACTCHECK_QUEUE_LINKS},
    "claims.article_refetch_batch": {"queue": FACTCHECK_QUEUE_LINKS},
    "claims.article_fetch_and_ingest": {"queue": FACTCHECK_QUEUE_INGEST},
    "claims.appearance_proposals_find": {"queue": FACTCHECK_QUEUE_INGEST},
    "reader.pages_prerender": {"queue": FACTCHECK_QUEUE_PRERENDER},
    "claims.note_mentions_notify": {"queue": FACTCHECK_QUEUE_MAIL},
    "claims.evidence_at_risk_digest": {"queue": FACTCHECK_QUEUE_MAIL},
    "api.webhook_deliver": {"queue": FACTCHECK_QUEUE_MAIL},  # outgoing notifications
    "api.webhook_deliveries_sweep": {"queue": FACTCHECK_QUEUE_DEFAULT},
    "sources.links_sweep": {"queue": FACTCHECK_QUEUE_DEFAULT},
    "sources.link_checks_prune": {"queue": FACTCHECK_QUEUE_DEFAULT},
    "sources.source_import_run": {"queue": FACTCHECK_QUEUE_DEFAULT},
    "claims.articles_refetch_sweep": {"queue": FACTCHECK_QUEUE_DEFAULT},
    "factcheck.heartbeat": {"queue": FACTCHECK_QUEUE_DEFAULT},
}

# Results are not used: tasks record their outcome on the rows they work on.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# One run of each periodic job per period even with two beats or a restarted one
# (factcheck/lib/beat.py: a lock per job in the cache).
CELERY_BEAT_SCHEDULER = "factcheck.lib.beat:SingleRunScheduler"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "factcheck.heartbeat",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 50},
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "claims:home"
LOGOUT_REDIRECT_URL = "reader:home"

# Login throttling (django-axes): 5 failures per user and address lock out for an hour.
AXES_FAILURE_LIMIT = env_int("FACTCHECK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# --- Internationalisation -------------------------------------------------------------------
# The interface's languages (docs/i18n.md): English is the source language and the default
# (reader addresses without a language prefix); the others have catalogs in locale/.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("pt-br", "Português (Brasil)"),
    ("de", "Deutsch"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A reader's or a person's choice, kept a year (factcheck/lib/languages.py).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("FACTCHECK_TIME_ZONE") or "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security -------------------------------------------------------------------------------
# No inline script or style anywhere: everything comes from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis, or files in the embedded mode) and written through
# to the database, so a cache flush logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# E-mail (invitations, password resets, digests) goes to the console unless configured.
MAILERS = {
    "default": {
        "BACKEND": env_str("DJANGO_EMAIL_BACKEND")
        or "django.core.mail.backends.console.EmailBackend",
    }
}
DEFAULT_FROM_EMAIL = env_str("FACTCHECK_FROM_EMAIL") or "workbench@localhost"

# --- Product settings -----------------------------------------------------------------------
# The name in every page's title and header, the e-mails and the admin; the organisation is
# who signs the fact-checks (feeds, ClaimReview). Either one alone names both.
FACTCHECK_SITE_NAME = (
    env_str("FACTCHECK_SITE_NAME") or env_str("FACTCHECK_ORGANISATION") or "Fact-check Workbench"
)
FACTCHECK_ORGANISATION = (
    env_str("FACTCHECK_ORGANISATION")
    or env_str("FACTCHECK_SITE_NAME")
    or "Fact-check Workbench Desk"
)
FACTCHECK_CONTACT_URL = env_str("FACTCHECK_CONTACT_URL") or "http://127.0.0.1:8000/"
# A worker must have answered the beat's heartbeat within this many seconds for /healthz.
FACTCHECK_WORKER_HEARTBEAT_MAX_AGE = env_int("FACTCHECK_WORKER_HEARTBEAT_MAX_AGE", 300)

# The one HTTP boundary (sources/fetching/) reads these.
FACTCHECK_FETCH_CONNECT_TIMEOUT = env_float("FACTCHECK_FETCH_CONNECT_TIMEOUT", 5.0)
FACTCHECK_FETCH_READ_TIMEOUT = env_float("FACTCHECK_FETCH_READ_TIMEOUT", 10.0)
FACTCHECK_FETCH_TOTAL_TIMEOUT = env_float("FACTCHECK_FETCH_TOTAL_TIMEOUT", 30.0)
FACTCHECK_FETCH_MAX_BYTES = env_int("FACTCHECK_FETCH_MAX_BYTES", 65536)
FACTCHECK_FETCH_MAX_REDIRECTS = env_int("FACTCHECK_FETCH_MAX_REDIRECTS", 10)
# Webhooks (api.webhooks): attempts per delivery (backoff 1, 2, 4... minutes between them), and
# consecutive failed deliveries after which an endpoint is disabled and the admins told.
FACTCHECK_WEBHOOK_MAX_ATTEMPTS = env_int("FACTCHECK_WEBHOOK_MAX_ATTEMPTS", 6)
FACTCHECK_WEBHOOK_DISABLE_AFTER = env_int("FACTCHECK_WEBHOOK_DISABLE_AFTER", 10)
# The deliveries sweep (every minute) re-queues at most this many due deliveries a run.
FACTCHECK_WEBHOOK_SWEEP_BATCH = env_int("FACTCHECK_WEBHOOK_SWEEP_BATCH", 200)
FACTCHECK_FETCH_USER_AGENT = env_str("FACTCHECK_FETCH_USER_AGENT") or (
    f"FactcheckWorkbench-LinkChecker/1.0 (+{FACTCHECK_CONTACT_URL})"
)
# Hosts exempt from the private-address guard, as "host:port" pairs (tests, intranets).
FACTCHECK_FETCH_ALLOW_HOSTS = env_list("FACTCHECK_FETCH_ALLOW_HOSTS")

# Article ingestion: the largest upload, pasted text or fetched page accepted (bytes). The
# one limit: the ingest form checks it, and Django's request limits below derive from it.
FACTCHECK_INGEST_MAX_BYTES = env_int("FACTCHECK_INGEST_MAX_BYTES", 5 * 1024 * 1024)
# A request body Django reads: the article at the limit plus the form's other fields and the
# multipart framing (title, author, URL, CSRF token, boundaries: well under 64 KB). Larger
# requests to the ingest form get the form back with its message (claims.middleware), and
# an accepted upload stays in memory (never a temporary file).
INGEST_REQUEST_OVERHEAD_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_INGEST_MAX_BYTES + INGEST_REQUEST_OVERHEAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Pasted or uploaded texts larger than this are ingested by the background job (bytes).
FACTCHECK_INGEST_INLINE_MAX_BYTES = env_int("FACTCHECK_INGEST_INLINE_MAX_BYTES", 200 * 1024)
# Sentences stored per committed transaction while ingesting (each batch well under a second).
FACTCHECK_INGEST_BATCH_ROWS = env_int("FACTCHECK_INGEST_BATCH_ROWS", 2000)
# At most this many automatic claims per article: the best-scoring sentences above the
# threshold; the others stay listed as sentences to promote.
FACTCHECK_MAX_CLAIMS_PER_ARTICLE = env_int("FACTCHECK_MAX_CLAIMS_PER_ARTICLE", 2000)
# "Another appearance of claim #N?" (claims.services.proposals): after ingestion, a new
# automatic claim whose wording the matcher finds this close (its similarity, 0..100) to one
# of the desk's claims in another article is proposed to reviewers; only the first _MAX new
# claims of an article (by check-worthiness) are looked at.
FACTCHECK_APPEARANCE_PROPOSAL_MIN_SCORE = env_int("FACTCHECK_APPEARANCE_PROPOSAL_MIN_SCORE", 80)
FACTCHECK_APPEARANCE_PROPOSAL_MAX = env_int("FACTCHECK_APPEARANCE_PROPOSAL_MAX", 200)
# Sentences scoring at or above this become claims; unset = the model's DEFAULT_THRESHOLD.
FACTCHECK_CHECKWORTHINESS_THRESHOLD = (
    env_float("FACTCHECK_CHECKWORTHINESS_THRESHOLD", 0.5)
    if env_str("FACTCHECK_CHECKWORTHINESS_THRESHOLD")
    else None
)
# The language (BCP-47 tag, lower case) assumed for a text whose language cannot be detected
# (too short, mixed) and for claims entered without an article (claims.languages).
FACTCHECK_CONTENT_LANGUAGE = (env_str("FACTCHECK_CONTENT_LANGUAGE") or "en").strip().lower()

# --- Link health (sources.policy, sources.services; README "Link health") -------------------
# Death needs repeated failures spread over time: a failure counts only if it comes at least
# FAILURE_SPACING_HOURS after the previous counted one; 404/410 count NOT_FOUND_POINTS, other
# hard failures 1 point; DEAD_POINTS make a link dead. One success resets the count.
FACTCHECK_LINK_DEAD_POINTS = env_int("FACTCHECK_LINK_DEAD_POINTS", 3)
FACTCHECK_LINK_NOT_FOUND_POINTS = env_int("FACTCHECK_LINK_NOT_FOUND_POINTS", 2)
FACTCHECK_LINK_FAILURE_SPACING_HOURS = env_float("FACTCHECK_LINK_FAILURE_SPACING_HOURS", 72)
# When to look again (hours); failing links start at RECHECK_FAILING_HOURS and double.
FACTCHECK_LINK_RECHECK_ALIVE_HOURS = env_float("FACTCHECK_LINK_RECHECK_ALIVE_HOURS", 168)
FACTCHECK_LINK_RECHECK_FAILING_HOURS = env_float("FACTCHECK_LINK_RECHECK_FAILING_HOURS", 24)
FACTCHECK_LINK_RECHECK_FAILING_MAX_HOURS = env_float(
    "FACTCHECK_LINK_RECHECK_FAILING_MAX_HOURS", 168
)
FACTCHECK_LINK_RECHECK_DEAD_HOURS = env_float("FACTCHECK_LINK_RECHECK_DEAD_HOURS", 720)
FACTCHECK_LINK_RECHECK_BLOCKED_HOURS = env_float("FACTCHECK_LINK_RECHECK_BLOCKED_HOURS", 168)
FACTCHECK_LINK_RECHECK_UNSAFE_HOURS = env_float("FACTCHECK_LINK_RECHECK_UNSAFE_HOURS", 720)
# A 429 without Retry-After waits this long; a server's Retry-After is capped at this many hours.
FACTCHECK_LINK_RATE_LIMITED_DELAY_SECONDS = env_float(
    "FACTCHECK_LINK_RATE_LIMITED_DELAY_SECONDS", 3600
)
FACTCHECK_LINK_RETRY_AFTER_MAX_HOURS = env_float("FACTCHECK_LINK_RETRY_AFTER_MAX_HOURS", 168)
# Random spread of every recheck delay, as a fraction (0.1 = +/- 10 %).
FACTCHECK_LINK_JITTER = env_float("FACTCHECK_LINK_JITTER", 0.1)
# Politeness per host (requests in flight; seconds between request starts) and per batch.
FACTCHECK_LINK_PER_HOST_CONCURRENCY = env_int("FACTCHECK_LINK_PER_HOST_CONCURRENCY", 2)
FACTCHECK_LINK_PER_HOST_INTERVAL = env_float("FACTCHECK_LINK_PER_HOST_INTERVAL", 1.0)
FACTCHECK_LINK_CONCURRENCY = env_int("FACTCHECK_LINK_CONCURRENCY", 50)
# Batches: at most BATCH_SIZE links per task, at most BATCH_PER_HOST of one host (lowered
# further so that a batch of hanging checks still ends within the task's soft time limit).
FACTCHECK_LINK_BATCH_SIZE = env_int("FACTCHECK_LINK_BATCH_SIZE", 100)
FACTCHECK_LINK_BATCH_PER_HOST = env_int("FACTCHECK_LINK_BATCH_PER_HOST", 10)
# The sweeper keeps at most this many links queued or being checked (back-pressure).
FACTCHECK_LINK_MAX_IN_FLIGHT = env_int("FACTCHECK_LINK_MAX_IN_FLIGHT", 1000)
FACTCHECK_LINK_SWEEP_INTERVAL_SECONDS = env_int("FACTCHECK_LINK_SWEEP_INTERVAL_SECONDS", 60)
# Queue and check claims expire after this long (a worker died): the sweeper re-enqueues.
FACTCHECK_LINK_LEASE_SECONDS = env_int("FACTCHECK_LINK_LEASE_SECONDS", 600)
FACTCHECK_LINK_TASK_SOFT_TIME_LIMIT = env_int("FACTCHECK_LINK_TASK_SOFT_TIME_LIMIT", 240)
FACTCHECK_LINK_TASK_TIME_LIMIT = env_int("FACTCHECK_LINK_TASK_TIME_LIMIT", 300)
# New links (cited or given as evidence) are sent to the workers when saved; false leaves
# them to the sweeper (the test settings do, so a worker never fetches a test's URLs).
FACTCHECK_LINK_CHECK_NEW_LINKS = env_bool("FACTCHECK_LINK_CHECK_NEW_LINKS", True)
# Check history older than this is pruned daily.
FACTCHECK_LINK_HISTORY_DAYS = env_int("FACTCHECK_LINK_HISTORY_DAYS", 180)
# The editors' daily e-mail digest (evidence at risk, claims changed since checked), at this
# hour (TIME_ZONE).
FACTCHECK_LINK_DIGEST_HOUR = env_int("FACTCHECK_LINK_DIGEST_HOUR", 7)
# A Wayback-style availability API (GET ?url=...); empty = no archive look-ups.
FACTCHECK_ARCHIVE_API_URL = env_str("FACTCHECK_ARCHIVE_API_URL")
# A Wayback-compatible "save page now" endpoint, the page's address appended (for example
# https://web.archive.org/save/); empty = pages cited as evidence are not sent to an archive.
FACTCHECK_ARCHIVE_SAVE_URL = env_str("FACTCHECK_ARCHIVE_SAVE_URL")
# The checker's own outage (sources.services.outage): when, within WINDOW_SECONDS, at least
# MIN_CHECKS checks were made and at least SHARE of them could not reach their host (DNS,
# connection, timeout) across at least MIN_HOSTS hosts, and no known-good host answers, the
# failures are the checker's, not the links': not counted, and the sweeper sends only PROBES
# links a sweep until a check gets an HTTP answer again.
FACTCHECK_LINK_OUTAGE_WINDOW_SECONDS = env_int("FACTCHECK_LINK_OUTAGE_WINDOW_SECONDS", 300)
FACTCHECK_LINK_OUTAGE_MIN_CHECKS = env_int("FACTCHECK_LINK_OUTAGE_MIN_CHECKS", 20)
FACTCHECK_LINK_OUTAGE_MIN_HOSTS = env_int("FACTCHECK_LINK_OUTAGE_MIN_HOSTS", 5)
FACTCHECK_LINK_OUTAGE_SHARE = env_float("FACTCHECK_LINK_OUTAGE_SHARE", 0.8)
FACTCHECK_LINK_OUTAGE_PROBES = env_int("FACTCHECK_LINK_OUTAGE_PROBES", 3)

# --- Stealth edits (claims.services.refetch; README "Stealth edits") -------------------------
# Articles ingested from a web address are fetched again after a verdict on one of their
# claims is published: every DAILY_INTERVAL_HOURS for DAILY_DAYS after the latest
# publication, then every WEEKLY_INTERVAL_HOURS until UNTIL_DAYS after it, then no more.
# Articles without a published verdict are not re-fetched. A changed text becomes a new
# revision. The link checks' politeness (FACTCHECK_LINK_PER_HOST_*) and robots.txt apply.
FACTCHECK_REFETCH_ENABLED = env_bool("FACTCHECK_REFETCH_ENABLED", True)
FACTCHECK_REFETCH_DAILY_DAYS = env_float("FACTCHECK_REFETCH_DAILY_DAYS", 30)
FACTCHECK_REFETCH_UNTIL_DAYS = env_float("FACTCHECK_REFETCH_UNTIL_DAYS", 365)
FACTCHECK_REFETCH_DAILY_INTERVAL_HOURS = env_float("FACTCHECK_REFETCH_DAILY_INTERVAL_HOURS", 24)
FACTCHECK_REFETCH_WEEKLY_INTERVAL_HOURS = env_float("FACTCHECK_REFETCH_WEEKLY_INTERVAL_HOURS", 168)
# The sweeper's period; pages per task (a host's never split) and tasks per sweep.
FACTCHECK_REFETCH_SWEEP_INTERVAL_SECONDS = env_int("FACTCHECK_REFETCH_SWEEP_INTERVAL_SECONDS", 900)
FACTCHECK_REFETCH_BATCH_SIZE = env_int("FACTCHECK_REFETCH_BATCH_SIZE", 10)
FACTCHECK_REFETCH_MAX_BATCHES = env_int("FACTCHECK_REFETCH_MAX_BATCHES", 20)
# Queue and fetch claims expire after this long (a worker died); longer than a task's limit.
FACTCHECK_REFETCH_LEASE_SECONDS = env_int("FACTCHECK_REFETCH_LEASE_SECONDS", 900)

CELERY_BEAT_SCHEDULE.update(
    {
        "links-sweep": {
            "task": "sources.links_sweep",
            "schedule": timedelta(seconds=FACTCHECK_LINK_SWEEP_INTERVAL_SECONDS),
            "options": {"expires": max(1, FACTCHECK_LINK_SWEEP_INTERVAL_SECONDS - 5)},
        },
        "link-checks-prune": {
            "task": "sources.link_checks_prune",
            "schedule": crontab(hour=3, minute=17),
        },
        "articles-refetch-sweep": {
            "task": "claims.articles_refetch_sweep",
            "schedule": timedelta(seconds=FACTCHECK_REFETCH_SWEEP_INTERVAL_SECONDS),
            "options": {"expires": max(1, FACTCHECK_REFETCH_SWEEP_INTERVAL_SECONDS - 5)},
        },
        "evidence-at-risk-digest": {
            "task": "claims.evidence_at_risk_digest",
            "schedule": crontab(hour=FACTCHECK_LINK_DIGEST_HOUR, minute=0),
        },
        "webhook-deliveries-sweep": {
            "task": "api.webhook_deliveries_sweep",
            "schedule": timedelta(seconds=60),
            "options": {"expires": 55},
        },
    }
)

# Reviewing: publishing needs an editor other than the verdict's author (four-eyes); a
# one-person desk may relax it. Readers see the reviewers' names only if this is on.
FACTCHECK_FOUR_EYES = env_bool("FACTCHECK_FOUR_EYES", True)
FACTCHECK_SHOW_REVIEWER_NAMES = env_bool("FACTCHECK_SHOW_REVIEWER_NAMES", False)
# The reviewer queue's "evidence at risk" notice is the same for the whole desk and costs
# ~30 ms of PostgreSQL on 100,000 claims (it looks at every evidence link): the queue caches
# it this many seconds (0: never). Link states change on the link checker's schedule, hours
# or days apart, so a minute's delay hides nothing (docs/benchmarks.md, "Pages").
FACTCHECK_QUEUE_NOTICE_CACHE_SECONDS = env_int("FACTCHECK_QUEUE_NOTICE_CACHE_SECONDS", 60)
# The dashboard's figures (the same for everyone with the same roles; about 0.3-0.5 s of
# queries on 100,000 claims) are kept this many seconds (0: computed on every view).
FACTCHECK_DASHBOARD_CACHE_SECONDS = env_int("FACTCHECK_DASHBOARD_CACHE_SECONDS", 120)

# Reader site: public pages are cached per published version for anonymous readers
# (reader/cache.py). Publishing, a change in the health of a link used as evidence and an
# admin's edit of what pages show each refresh the pages concerned at once; this is the
# longest a page is kept (and so bounds how long any other change takes to show). The site's
# public address is used where no request gives one (``manage.py export_claimreview``, and
# prerendering: readers' requests for that host find the prerendered pages).
FACTCHECK_READER_CACHE_SECONDS = env_int("FACTCHECK_READER_CACHE_SECONDS", 86400)
# Longest a cached answer about permissions, roles or rating levels is kept (every change to
# them retires it at once: factcheck/lib/stamps.py); bounds changes made behind Django's back.
FACTCHECK_STAMPED_CACHE_SECONDS = env_int("FACTCHECK_STAMPED_CACHE_SECONDS", 3600)
# Publishing renders the new pages into that cache in a background job (reader.prerender).
FACTCHECK_READER_PRERENDER = env_bool("FACTCHECK_READER_PRERENDER", True)
# Public pages go out with "Cache-Control: public, max-age=0, must-revalidate" and an ETag
# (browsers ask again each time and get a 304 while nothing changed, so a correction shows
# at once); a shared proxy or CDN may keep a page this many seconds (s-maxage; 0: never).
FACTCHECK_READER_SHARED_MAX_AGE = env_int("FACTCHECK_READER_SHARED_MAX_AGE", 60)
# Who may frame the embeddable verdict card (/embed/claims/<key>/, the only page that may be
# framed): CSP frame-ancestors sources, e.g. "https://news.example.org"; any site by default.
FACTCHECK_EMBED_FRAME_ANCESTORS = env_list("FACTCHECK_EMBED_FRAME_ANCESTORS", ["*"])
FACTCHECK_SITE_URL = env_str("FACTCHECK_SITE_URL") or "http://127.0.0.1:8000"

# Sources registry: the largest CSV file an import accepts (bytes). The preview carries the
# file to its confirmation signed and compressed in a form field, which Django caps at
# DATA_UPLOAD_MAX_MEMORY_SIZE (the ingest limit plus 64 KB, above; Django's default was
# 2.5 MB): keep this under about 70% of it.
FACTCHECK_SOURCES_IMPORT_MAX_BYTES = env_int("FACTCHECK_SOURCES_IMPORT_MAX_BYTES", 1024 * 1024)
# Claims from a spreadsheet (claims.services.claims_import): the file and its rows.
FACTCHECK_CLAIMS_IMPORT_MAX_BYTES = env_int("FACTCHECK_CLAIMS_IMPORT_MAX_BYTES", 1024 * 1024)
FACTCHECK_CLAIMS_IMPORT_MAX_ROWS = env_int("FACTCHECK_CLAIMS_IMPORT_MAX_ROWS", 5000)
# "Has an earlier check" (claims.services.earlier_checks): beat compares new, changed and
# stale claims with the earlier checks every minute, this many per run.
FACTCHECK_EARLIER_CHECK_BATCH = env_int("FACTCHECK_EARLIER_CHECK_BATCH", 2000)
CELERY_BEAT_SCHEDULE["earlier-checks-refresh"] = {
    "task": "claims.earlier_checks_refresh",
    "schedule": timedelta(seconds=60),
    "options": {"expires": 55},
}
CELERY_TASK_ROUTES["claims.earlier_checks_refresh"] = {"queue": FACTCHECK_QUEUE_DEFAULT}
# Ingest jobs whose message was lost (broker down) or whose worker died are sent again
# (claims.services.fetch.ingest_jobs_sweep).
CELERY_BEAT_SCHEDULE["ingest-jobs-sweep"] = {
    "task": "claims.ingest_jobs_sweep",
    "schedule": timedelta(seconds=60),
    "options": {"expires": 55},
}
CELERY_TASK_ROUTES["claims.ingest_jobs_sweep"] = {"queue": FACTCHECK_QUEUE_DEFAULT}
# A confirmed import runs as a background job (batches of rows, short transactions); it is
# stopped after this long (the hard limit is a minute more).
FACTCHECK_SOURCES_IMPORT_SOFT_TIME_LIMIT = env_int("FACTCHECK_SOURCES_IMPORT_SOFT_TIME_LIMIT", 1800)

# Evidence snapshots (sources.services.snapshots; docs/configuration.md "Evidence snapshots"):
# a cited page is fetched once when it is cited. The raw body is kept up to MAX_BYTES (then
# marked truncated), gzip-compressed, with a WARC file, in the storage named by STORAGE (an
# alias of STORAGES; when STORAGES has no such alias, a FileSystemStorage under DIR). Files of
# snapshots older than RETENTION_DAYS are deleted, except each link's newest (0: kept forever).
# The snapshot's job is sent when the page is cited; false leaves the pending rows to the
# sweep (the test settings do, so a worker never fetches another test's addresses).
FACTCHECK_SNAPSHOT_ON_CITE = env_bool("FACTCHECK_SNAPSHOT_ON_CITE", True)
FACTCHECK_SNAPSHOT_STORAGE = env_str("FACTCHECK_SNAPSHOT_STORAGE") or "snapshots"
FACTCHECK_SNAPSHOT_DIR = Path(env_str("FACTCHECK_SNAPSHOT_DIR") or VAR_DIR / "snapshots")
FACTCHECK_SNAPSHOT_MAX_BYTES = env_int("FACTCHECK_SNAPSHOT_MAX_BYTES", 5 * 1024 * 1024)
FACTCHECK_SNAPSHOT_RETENTION_DAYS = env_int("FACTCHECK_SNAPSHOT_RETENTION_DAYS", 365)
# A pending snapshot whose job was lost is sent again by the sweep after this long, then
# doubling per attempt (storage unwritable), at most MAX_ATTEMPTS times.
FACTCHECK_SNAPSHOT_RETRY_SECONDS = env_int("FACTCHECK_SNAPSHOT_RETRY_SECONDS", 300)
FACTCHECK_SNAPSHOT_MAX_ATTEMPTS = env_int("FACTCHECK_SNAPSHOT_MAX_ATTEMPTS", 8)
FACTCHECK_SNAPSHOT_SWEEP_INTERVAL_SECONDS = env_int(
    "FACTCHECK_SNAPSHOT_SWEEP_INTERVAL_SECONDS", 300
)
CELERY_TASK_ROUTES.update(
    {
        "sources.snapshot_take": {"queue": FACTCHECK_QUEUE_LINKS},  # bulk fetching
        "sources.link_archive_save": {"queue": FACTCHECK_QUEUE_LINKS},
        "sources.snapshots_sweep": {"queue": FACTCHECK_QUEUE_DEFAULT},
        "sources.snapshots_prune": {"queue": FACTCHECK_QUEUE_DEFAULT},
        "claims.evidence_snapshots_sweep": {"queue": FACTCHECK_QUEUE_DEFAULT},
    }
)
CELERY_BEAT_SCHEDULE.update(
    {
        "snapshots-sweep": {
            "task": "sources.snapshots_sweep",
            "schedule": timedelta(seconds=FACTCHECK_SNAPSHOT_SWEEP_INTERVAL_SECONDS),
            "options": {"expires": max(1, FACTCHECK_SNAPSHOT_SWEEP_INTERVAL_SECONDS - 5)},
        },
        "snapshots-prune": {
            "task": "sources.snapshots_prune",
            "schedule": crontab(hour=3, minute=41),
        },
        # Links cited as evidence with no snapshot at all (cited before snapshots existed).
        "evidence-snapshots-sweep": {
            "task": "claims.evidence_snapshots_sweep",
            "schedule": timedelta(seconds=FACTCHECK_SNAPSHOT_SWEEP_INTERVAL_SECONDS),
            "options": {"expires": max(1, FACTCHECK_SNAPSHOT_SWEEP_INTERVAL_SECONDS - 5)},
        },
    }
)

# --- REST API (api/; README "API") -------------------------------------------------------------
REST_FRAMEWORK = {
    # Programs send "Authorization: Bearer <token>" (made on /api/v1/tokens/); the site's own
    # JavaScript uses the session, with Django's CSRF check on writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Each endpoint names the roles' permissions it needs; one that does not is the desk's.
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.Reviewers"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.AnonRateThrottle",
    ],
    # Requests per token (or signed-in user) and per anonymous client address; over it: 429
    # with Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("FACTCHECK_API_TOKEN_RATE") or "600/minute",
        "anon": env_str("FACTCHECK_API_ANON_RATE") or "60/minute",
    },
    # Behind N proxies that append to X-Forwarded-For, the client's address is the Nth from
    # the right; 0: REMOTE_ADDR only (a client cannot choose its own address).
    "NUM_PROXIES": env_int("FACTCHECK_API_NUM_PROXIES", 0),
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check Workbench API",
    "DESCRIPTION": (
        "Published fact-checks for anyone; the desk's claims, articles, links and sources, "
        "“checked before?” and article ingestion for its members, with an API token "
        "(`Authorization: Bearer TOKEN`, made on /api/v1/tokens/). Errors are RFC 9457 "
        "problem details (application/problem+json)."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "sources.models.SourceKind",
        "CandidateKindEnum": ["own", "external"],
        "LinkStateEnum": "sources.models.LinkState",
        "CheckOutcomeEnum": "sources.models.CheckOutcome",
        "VerdictStateEnum": "claims.models.Verdict.State",
        "ClaimantKindEnum": "claims.models.Claimant.Kind",
        "AppearanceKindEnum": "claims.models.Appearance.Kind",
        "AppearanceAddKindEnum": ["web", "spoken", "other"],
        "SnapshotStateEnum": "sources.models.Snapshot.State",
        "SnapshotKindEnum": "sources.models.Snapshot.Kind",
    },
    # Swagger UI from drf-spectacular-sidecar (our own static files: the CSP allows no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logs (docs/operations.md, "Logs") --------------------------------------------------------
# One line per record on standard error: plain text, or JSON objects with LOG_FORMAT=json
# (time, level, logger, message, request_id and any extra fields). Every line carries the id
# of the web request it belongs to (factcheck/lib/requestid.py: X-Request-ID), in the
# workers too for the jobs that request sent; "-" outside a request. Workers use this same
# configuration (factcheck/celery_app.py).
LOG_FORMAT = (env_str("LOG_FORMAT") or "plain").lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "factcheck.lib.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{levelname}{name}{message}{request_id}",
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("FACTCHECK_LOG_LEVEL") or "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Metrics (factcheck/lib/metrics.py; docs/operations.md, "Metrics and alerts") ------------
# /metrics answers "Authorization: Bearer <token>" or the addresses (or networks) listed;
# with neither set it is closed (403).
FACTCHECK_METRICS_TOKEN = env_str("FACTCHECK_METRICS_TOKEN")
FACTCHECK_METRICS_ALLOWED_IPS = env_list("FACTCHECK_METRICS_ALLOWED_IPS")
# The longest a scrape waits for the broker's queue depths (seconds).
FACTCHECK_METRICS_BROKER_TIMEOUT = env_float("FACTCHECK_METRICS_BROKER_TIMEOUT", 2.0)
# A worker serves its job metrics on this port (0: not served); see the operations manual.
FACTCHECK_WORKER_METRICS_PORT = env_int("FACTCHECK_WORKER_METRICS_PORT", 0)
