"""Worker liveness: beat enqueues ``factcheck.heartbeat``; a worker running it records when.

``/healthz`` reads the record. The record lives in the cache, which web and worker share
(a file cache under ``var/`` in embedded mode, Redis otherwise).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime

from celery import shared_task
from django.core.cache import cache

HEARTBEAT_KEY = "factcheck:worker-heartbeat"


def heartbeat_record(*, source: str = "beat") -> dict:
    beat = {"at": datetime.now(UTC).isoformat(), "host": socket.gethostname(), "source": source}
    cache.set(HEARTBEAT_KEY, beat, timeout=None)
    return beat


def heartbeat_last() -> dict | None:
    return cache.get(HEARTBEAT_KEY)


@shared_task(name="factcheck.heartbeat", ignore_result=True, soft_time_limit=20, time_limit=30)
def heartbeat() -> None:
    heartbeat_record(source="beat")
