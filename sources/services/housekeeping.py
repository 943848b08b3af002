"""Housekeeping of link health: the check history (one ``LinkCheck`` row per attempt) is kept
for ``FACTCHECK_LINK_HISTORY_DAYS``; a daily job deletes older rows, a few thousand at a time,
and the checker's outages that ended before then (their checks are gone).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sources.models import LinkCheck, LinkCheckerOutage

__all__ = ["link_checks_prune"]


def link_checks_prune(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete check history older than ``FACTCHECK_LINK_HISTORY_DAYS``, in chunks (and the
    outages that ended before then); returns how many checks were deleted."""
    now = now or timezone.now()
    days = settings.FACTCHECK_LINK_HISTORY_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        chunk = list(
            LinkCheck.objects.filter(checked_at__lt=cutoff).values_list("pk", flat=True)[:5000]
        )
        if not chunk:
            LinkCheckerOutage.objects.filter(is_open=False, ended_at__lt=cutoff).delete()
            return deleted
        deleted += LinkCheck.objects.filter(pk__in=chunk).delete()[0]
