"""Settings for a Celery worker *process* of tests/reliability/test_worker_killed.py: the link
worker tests' (a scratch database, a queue of the test's own, the file broker's folders from
the environment) with Redis's visibility timeout from ``FACTCHECK_TEST_VISIBILITY_TIMEOUT``,
so a message whose worker was killed comes back within the test instead of an hour later."""

import os

from tests.sources.worker_settings import *  # noqa: F403
from tests.sources.worker_settings import CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL

if REDIS_URL and os.environ.get("FACTCHECK_TEST_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": float(os.environ["FACTCHECK_TEST_VISIBILITY_TIMEOUT"]),
        # Look for such messages every second (kombu: every 10 s, scanning every 10th time).
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
