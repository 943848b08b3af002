"""One run of each periodic job per period, however many beats there are.

Beat sends a job when its schedule says it is due. Two beats started by mistake would send
everything twice, and a beat that is killed and started again (before it saved its schedule
file, or without one) sends every interval job again at once. :class:`SingleRunScheduler`
(``CELERY_BEAT_SCHEDULER``) makes each send take a lock in the shared cache first: one key
per job, kept for 90 % of the time until the job is next due (a minute for the link sweep,
about a day for the daily digest). A beat that finds the key taken skips that run and logs
it; the next period's run goes as usual. If the cache cannot be reached the job is sent
anyway (the sweeps claim their rows, so a second run is harmless) and the failure logged.

Redis's ``add`` is atomic (``SET NX``). The file-based cache of embedded mode checks then
writes, so two beats ticking at the same moment could both find the key free: there the add
is made under an exclusive ``flock`` on a file in the cache's folder (embedded mode runs on
one machine, so an OS lock is shared by every beat that can share the folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
from pathlib import Path

from celery.beat import PersistentScheduler
from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache

__all__ = ["KEY_PREFIX", "SingleRunScheduler", "period_claim"]

logger = logging.getLogger(__name__)

KEY_PREFIX = "beat-run:"
# The lock lasts this share of the time until the job is due again: a beat's own next run
# (a little later than a period, never earlier) always finds it gone.
SHARE = 0.9


def period_claim(name: str, schedule) -> bool:
    """Take this period's run of job ``name``; False if another beat (or a previous life of
    this one) already sent it. Fails open: True when the cache cannot be reached."""
    period = schedule.remaining_estimate(schedule.now()).total_seconds()
    holder = f"{socket.gethostname()}:{os.getpid()}"
    try:
        with _exclusive():
            return bool(cache.add(f"{KEY_PREFIX}{name}", holder, timeout=max(1, SHARE * period)))
    except Exception as exc:
        logger.warning("beat lock for %s not reachable, sent anyway: %s", name, exc)
        return True


@contextlib.contextmanager
def _exclusive():
    """Nothing for a cache whose ``add`` is atomic; an exclusive lock on ``beat.lock`` in the
    folder of a file-based cache (see the module's docstring)."""
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        yield
        return
    folder = Path(backend._dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "beat.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SingleRunScheduler(PersistentScheduler):
    def apply_entry(self, entry, producer=None):
        if not period_claim(entry.name, entry.schedule):
            logger.info(
                "beat: %s (%s) was already sent this period, by another beat or before a "
                "restart: skipped",
                entry.name,
                entry.task,
            )
            return
        super().apply_entry(entry, producer=producer)
