"""One run of each periodic job per period, however many beats there are.

Beat sends a job when its schedule says it is due. Two beats started by mistake would send
everything twice, and a beat that is killed and started again (before it saved its schedule
file, or without one) sends every interval job again at once. :class:`SingleRunScheduler`
(``CELERY_BEAT_SCHEDULER``) makes each send take a lock in the shared cache first: one key
per job, kept for 90 % of the time until the job is next due (a minute for the link sweep,
about a day for the daily digest). A beat that finds the key taken skips that run and logs
it; the next period's run goes as usual. If the cache cannot be reached the job is sent
anyway (the sweeps claim their rows, so a second run is harmless) and the failure logged.
"""

from __future__ import annotations

import logging
import os
import socket

from celery.beat import PersistentScheduler
from django.core.cache import cache

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
        return bool(cache.add(f"{KEY_PREFIX}{name}", holder, timeout=max(1, SHARE * period)))
    except Exception as exc:
        logger.warning("beat lock for %s not reachable, sent anyway: %s", name, exc)
        return True


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
