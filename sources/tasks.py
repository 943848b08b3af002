"""Background jobs of link health. Thin: each takes primary keys (or nothing) and calls one
service. HTTP outcomes are results, never errors: only transport errors (the database or the
broker going away) are retried, with exponential backoff."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from sources import selectors, services

TRANSPORT_ERRORS = (OperationalError, InterfaceError, BrokerError)
_RETRY = {
    "autoretry_for": TRANSPORT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(
    name="sources.link_check_batch",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.FACTCHECK_LINK_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.FACTCHECK_LINK_TASK_TIME_LIMIT,
    **_RETRY,
)
def link_check_batch(link_ids: list[int]) -> None:
    """Check a batch of links (claimed first, so running it twice checks each link once)."""
    services.link_check_run(link_ids=link_ids)
    # Hosts of this batch are free again: send what is due without waiting for beat (but
    # during the checker's own outage, probes go at beat's pace only).
    if (
        selectors.links_due_exist(now=timezone.now())
        and selectors.link_checker_outage_open() is None
    ):
        services.links_sweep_soon()


@shared_task(
    name="sources.links_sweep",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
    **_RETRY,
)
def links_sweep() -> None:
    """Beat, every minute: enqueue due links in politeness-grouped batches."""
    services.links_sweep()


@shared_task(
    name="sources.link_archive_lookup",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    **_RETRY,
)
def link_archive_lookup(link_id: int) -> None:
    services.link_archive_lookup(link_id=link_id)


@shared_task(
    name="sources.link_archive_save",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=90,
    time_limit=120,
    **_RETRY,
)
def link_archive_save(link_id: int) -> None:
    """Ask the archive to save a page cited as evidence (once per link)."""
    services.link_archive_save(link_id=link_id)


@shared_task(
    name="sources.link_checks_prune",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=600,
    time_limit=660,
    **_RETRY,
)
def link_checks_prune() -> None:
    """Beat, daily: delete check history older than FACTCHECK_LINK_HISTORY_DAYS."""
    services.link_checks_prune()


@shared_task(
    name="sources.source_import_run",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.FACTCHECK_SOURCES_IMPORT_SOFT_TIME_LIMIT,
    time_limit=settings.FACTCHECK_SOURCES_IMPORT_SOFT_TIME_LIMIT + 60,
    **_RETRY,
)
def source_import_run(job_pk: int) -> None:
    """Apply a confirmed CSV import of sources (``SourceImportJob``), in short batches;
    running it twice imports once."""
    services.source_import_job_run(job_id=job_pk)
