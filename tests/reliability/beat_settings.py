"""Settings for a ``celery beat`` *process* started by tests/reliability/test_beat.py.

The test names the broker (``BROKER_URL``: a Redis server of the test's own, where it counts
the messages sent) and where the beats share their cache: a folder in embedded mode (the
file-based cache ``make run`` uses), a key prefix of the test's own on ``REDIS_URL``'s cache
in services mode. One job, sent every ``FACTCHECK_TEST_BEAT_EVERY`` seconds.
"""

import os
from datetime import timedelta

from factcheck.settings.test import *  # noqa: F403
from factcheck.settings.test import CACHES, REDIS_URL

if REDIS_URL:
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": os.environ["FACTCHECK_TEST_CACHE"]}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["FACTCHECK_TEST_CACHE"],
        }
    }
CELERY_BEAT_SCHEDULE = {
    "probe": {
        "task": "factcheck.heartbeat",
        "schedule": timedelta(seconds=float(os.environ["FACTCHECK_TEST_BEAT_EVERY"])),
    }
}
