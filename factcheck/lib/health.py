"""Reachability checks for ``/healthz`` and ``manage.py preflight``.

Each check returns ``(ok, detail)`` and never raises: a broken dependency is reported,
not turned into a traceback.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections

from factcheck.lib.env import redact_url


def database_check() -> tuple[bool, str]:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return False, f"{type(exc).__name__}: {first_line}"
    return True, connections["default"].vendor


def broker_check(timeout: float = 2.0) -> tuple[bool, str]:
    from factcheck.celery_app import app

    url = settings.CELERY_BROKER_URL
    if url.startswith("fsq://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            return False, f"broker folder {folder} is not usable: {exc.strerror}"
        if not os.access(folder, os.W_OK):
            return False, f"broker folder {folder} is not writable"
        return True, "file-system broker"
    try:
        with app.connection_for_write(
            url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        return False, f"{redact_url(url)}: {type(exc).__name__}: {exc}"
    return True, redact_url(url)


def worker_check() -> tuple[bool, str]:
    from factcheck.lib.heartbeat import heartbeat_last

    try:
        beat = heartbeat_last()
    except Exception as exc:
        return False, f"cannot read the heartbeat: {type(exc).__name__}: {exc}"
    if not beat:
        return False, "no worker has answered yet"
    age = (datetime.now(UTC) - datetime.fromisoformat(beat["at"])).total_seconds()
    if age > settings.FACTCHECK_WORKER_HEARTBEAT_MAX_AGE:
        return False, f"last worker answer {int(age)} s ago"
    return True, f"last worker answer {int(age)} s ago from {beat['host']}"


CHECKS = {"database": database_check, "broker": broker_check, "worker": worker_check}


def health_report() -> tuple[bool, dict]:
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(ok for ok, _ in results.values())
    return healthy, {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()},
    }
