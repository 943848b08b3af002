"""Background jobs of evidence snapshots (``sources.services.snapshots``), registered from
``SourcesConfig.ready``. Thin: each takes primary keys (or nothing) and calls one service.
Fetch outcomes and storage failures are results the service records; only the database or
the broker going away is retried here."""

from __future__ import annotations

from celery import shared_task

from sources.services import snapshots
from sources.tasks import _RETRY


@shared_task(
    name="sources.snapshot_take",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
    **_RETRY,
)
def snapshot_take(snapshot_id: int) -> None:
    """Fetch a cited page and keep it (the row was created pending when it was cited)."""
    snapshots.snapshot_take(snapshot_id=snapshot_id)


@shared_task(
    name="sources.snapshots_sweep",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
    **_RETRY,
)
def snapshots_sweep() -> None:
    """Beat: send again the pending snapshots whose job was lost or whose storage failed."""
    snapshots.snapshots_sweep()


@shared_task(
    name="sources.snapshots_prune",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=600,
    time_limit=660,
    **_RETRY,
)
def snapshots_prune() -> None:
    """Beat, daily: delete old snapshots' files (each link's newest kept)."""
    snapshots.snapshots_prune()
