"""Snapshots for evidence that has none: links cited as evidence before snapshots existed,
or whose pending row was lost. ``evidence_add`` asks for a snapshot itself; this sweep
(``claims.evidence_snapshots_sweep``, beat) catches the rest, a batch at a time."""

from __future__ import annotations

from django.db import transaction

from sources.models import Link
from sources.services.snapshots import snapshot_request

__all__ = ["evidence_snapshots_request"]


def evidence_snapshots_request(*, limit: int = 200) -> int:
    """Ask for a snapshot of up to ``limit`` links cited as evidence that have none (not
    even a pending or failed one). Returns how many were asked for."""
    links = list(
        Link.objects.filter(evidence__isnull=False, snapshots__isnull=True)
        .distinct()
        .order_by("pk")[:limit]
    )
    with transaction.atomic():
        for link in links:
            snapshot_request(link=link)
    return len(links)
