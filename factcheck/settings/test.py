"""Settings for the test suite.

Embedded mode by default; with ``DATABASE_URL``/``REDIS_URL`` set the suite runs against
PostgreSQL and Redis (CI runs it both ways).
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from factcheck.settings.base import *  # noqa: F403
from factcheck.settings.base import BROKER_URL, CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL

SECRET_KEY = "test-only-not-secret"  # noqa: S105 (tests only)
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Static files come straight from the source folders (no collectstatic in tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Each test session gets its own scratch area for the file-system broker.
TEST_VAR_DIR = Path(tempfile.mkdtemp(prefix="factcheck-test-"))
atexit.register(shutil.rmtree, TEST_VAR_DIR, ignore_errors=True)
if not REDIS_URL:
    if not BROKER_URL:
        CELERY_BROKER_TRANSPORT_OPTIONS = {
            **CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(TEST_VAR_DIR / "broker"),
            "data_folder_out": str(TEST_VAR_DIR / "broker"),
            "processed_folder": str(TEST_VAR_DIR / "processed"),
            "control_folder": str(TEST_VAR_DIR / "control"),
            "polling_interval": 0.1,
        }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": "factcheck-test"}}
CELERY_BEAT_SCHEDULE_FILENAME = str(TEST_VAR_DIR / "beat-schedule")
# Evidence snapshots a test takes stay in the scratch area, never in the checkout's var/.
FACTCHECK_SNAPSHOT_DIR = TEST_VAR_DIR / "snapshots"
# Citing a page does not send its snapshot job (nor its archive save): no test's worker
# should fetch another test's example.org pages (snapshot tests opt in).
FACTCHECK_SNAPSHOT_ON_CITE = False
# Embedded mode's test database is a file in the scratch area, not Django's shared-cache
# in-memory SQLite: with shared cache a write meeting another connection's read fails at
# once ("database table is locked", no busy timeout), which made tests with a live server
# or a worker thread fail now and then. A file in WAL mode waits (the settings' timeout),
# as the embedded mode's own database does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_VAR_DIR / "test-db.sqlite3")}
# Pages show what the test just did: the queue's evidence-at-risk notice is not cached
# (tests/claims/test_queue_scale.py turns it on).
FACTCHECK_QUEUE_NOTICE_CACHE_SECONDS = 0
# New links are not sent to workers on save: a test's worker must never fetch the example.org
# links of another test's article (tests of link checking opt in).
FACTCHECK_LINK_CHECK_NEW_LINKS = False
# Publishing does not send prerender jobs to the broker: no test's worker should pick up pages
# of another test (tests/claims/test_reader_prerender.py opts in).
FACTCHECK_READER_PRERENDER = False
# The dashboard shows what the test just did (tests/desk/test_dashboard.py turns the cache on).
FACTCHECK_DASHBOARD_CACHE_SECONDS = 0
