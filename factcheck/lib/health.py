"""Reachability checks for ``/healthz`` and ``manage.py preflight``.

Each check returns ``(ok, detail)`` and never raises: a broken dependency is reported,
not turned into a traceback.

``CHECKS`` are the parts the site cannot work without: one failing makes ``/healthz`` answer
503 ("unavailable"). The apps add checks of parts whose failure only *degrades* the service
with :func:`health_check_register` (a hook: this module imports no app), from their
``ready()``: the sources app's ``link_checker``. One failing makes ``/healthz`` say
"degraded" with status 200: the web app still serves every page.
"""

from __future__ import annotations

import os
from collections.abc import Callable
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

# Checks whose failure degrades the service without making it unavailable (filled by apps).
DEGRADING_CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {}


def health_check_register(name: str, check: Callable[[], tuple[bool, str]]) -> None:
    """Add a check of a part the site works without (``/healthz`` says "degraded", 200)."""
    if name in CHECKS:
        raise ValueError(f"{name!r} is one of the checks the site cannot work without")
    DEGRADING_CHECKS[name] = check


def _run(check: Callable[[], tuple[bool, str]]) -> tuple[bool, str]:
    try:
        return check()
    except Exception as exc:  # a check that breaks is a failed check, never a traceback
        return False, f"{type(exc).__name__}: {exc}"


def health_report() -> tuple[bool, dict]:
    """``(healthy, report)``: healthy unless a check in ``CHECKS`` fails; the report's
    ``status`` is "unavailable", "degraded" (only registered checks fail) or "ok"."""
    results = {name: check() for name, check in CHECKS.items()}
    degrading = {name: _run(check) for name, check in DEGRADING_CHECKS.items()}
    healthy = all(ok for ok, _ in results.values())
    degraded = not all(ok for ok, _ in degrading.values())
    checks = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()}
    checks.update(
        {
            name: {"ok": ok, "status": "ok" if ok else "degraded", "detail": detail}
            for name, (ok, detail) in degrading.items()
        }
    )
    status = "unavailable" if not healthy else "degraded" if degraded else "ok"
    return healthy, {"status": status, "checks": checks}
