"""Settings for a Celery worker *process* started by a test (tests/sources/test_link_worker.py).

The test suite's own database is in memory under SQLite, which another process cannot open,
so the test prepares a scratch database and names it here: ``FACTCHECK_TEST_WORKER_DB`` is a
SQLite file path or a PostgreSQL URL. The file broker's folder (embedded mode) and the queue
name come from the environment too, so the test process and the worker share them.
"""

import os

import dj_database_url
from kombu import Exchange, Queue

from factcheck.settings.test import *  # noqa: F403
from factcheck.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_TASK_ROUTES, REDIS_URL

_db = os.environ["FACTCHECK_TEST_WORKER_DB"]
if _db.startswith(("postgres://", "postgresql://")):
    DATABASES = {"default": dj_database_url.parse(_db)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _db,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
            },
        }
    }

if not REDIS_URL:
    _broker = os.environ["FACTCHECK_TEST_WORKER_BROKER_DIR"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": f"{_broker}/broker",
        "data_folder_out": f"{_broker}/broker",
        "processed_folder": f"{_broker}/processed",
        "control_folder": f"{_broker}/control",
        "polling_interval": 0.1,
    }
# A queue of its own, so no other test (or developer) on the same Redis takes its messages:
# the only one declared, and every job's route (link checks, sweeps) leads to it.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("FACTCHECK_TEST_WORKER_QUEUE", "celery")
FACTCHECK_QUEUES = (CELERY_TASK_DEFAULT_QUEUE,)
_queue = CELERY_TASK_DEFAULT_QUEUE
CELERY_TASK_QUEUES = (Queue(_queue, Exchange(_queue), routing_key=_queue),)
CELERY_TASK_ROUTES = {name: {"queue": _queue} for name in CELERY_TASK_ROUTES}
