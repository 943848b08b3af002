"""The claims app's snapshot job, registered from ``ClaimsConfig.ready``: links cited as
evidence without any snapshot get one asked for (``claims.services.snapshots``)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from claims.services.snapshots import evidence_snapshots_request


@shared_task(
    name="claims.evidence_snapshots_sweep",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
    autoretry_for=(OperationalError, InterfaceError, BrokerError),
    retry_backoff=2,
    retry_backoff_max=300,
    max_retries=5,
)
def evidence_snapshots_sweep() -> None:
    """Beat: evidence whose link has no snapshot gets one asked for, a batch per run."""
    evidence_snapshots_request()
