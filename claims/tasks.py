"""Background jobs of the claims app. Thin: each takes a primary key and calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings
from django.db import InterfaceError, OperationalError

from claims import languages, services
from sources.tasks import TRANSPORT_ERRORS

# Fetching is bounded by FACTCHECK_FETCH_TOTAL_TIMEOUT (30 s by default); extraction, splitting
# and scoring a 5 MB page take well under a minute. The soft limit lets the job record why.
INGEST_SOFT_TIME_LIMIT = 150
INGEST_TIME_LIMIT = 180

logger = logging.getLogger(__name__)


@worker_init.connect(dispatch_uid="claims.detector_preload")
def _detector_preload(sender=None, **kwargs):
    """A worker that takes the ingest queue loads the language detector (about 90 MB) in its
    main process, before the pool forks: the pool's processes share it, and the worker's
    memory does not grow on its first articles. A worker for other queues never loads it."""
    amqp = getattr(getattr(sender, "app", None), "amqp", None)
    consumed = set(amqp.queues.consume_from or ()) if amqp is not None else set()
    if consumed and settings.FACTCHECK_QUEUE_INGEST not in consumed:
        return
    languages.detector_load()
    logger.info("language detector loaded before the pool starts (ingest queue)")


@shared_task(
    name="claims.article_fetch_and_ingest",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=INGEST_SOFT_TIME_LIMIT,
    time_limit=INGEST_TIME_LIMIT,
    # A locked or unreachable database (at the claim step, or a session lost mid-ingestion:
    # the service puts the job back in the queue and raises) is transient: try again shortly.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def article_fetch_and_ingest(job_pk: int) -> None:
    """Fetch an ``IngestJob``'s URL and ingest it; running it twice is harmless."""
    services.ingest_job_run(job_id=job_pk)


@shared_task(
    name="claims.note_mentions_notify",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def note_mentions_notify(note_pk: int) -> None:
    """E-mail the reviewers a note mentions (retried when the mail server is unreachable)."""
    services.note_mentions_notify(note_id=note_pk)


@shared_task(
    name="claims.evidence_at_risk_digest",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=TRANSPORT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def evidence_at_risk_digest() -> None:
    """Beat, daily: e-mail editors the published verdicts whose evidence is at risk and the
    claims changed since checked."""
    from claims.services.risk import evidence_at_risk_digest_send

    evidence_at_risk_digest_send()


# A batch is at most FACTCHECK_REFETCH_BATCH_SIZE (10) pages: with two requests in flight per
# host and robots.txt read first, ten pages that all hang until the 30 s fetch deadline take
# about three minutes; changed pages are then ingested (split and scored) one by one. The
# soft limit releases what is left (it stays due); the lease outlasts the hard limit.
REFETCH_SOFT_TIME_LIMIT = 540
REFETCH_TIME_LIMIT = 600


@shared_task(
    name="claims.articles_refetch_sweep",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def articles_refetch_sweep() -> None:
    """Beat: schedule the articles to re-fetch and send those due to the workers."""
    services.articles_refetch_sweep()


@shared_task(
    name="claims.article_refetch_batch",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=REFETCH_SOFT_TIME_LIMIT,
    time_limit=REFETCH_TIME_LIMIT,
    # Fetch failures are results (recorded on the row); only a locked or unreachable
    # database at the claim step is worth retrying.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def article_refetch_batch(refetch_pks: list[int]) -> None:
    """Re-fetch these articles (``ArticleRefetch`` rows); running it twice fetches once."""
    services.article_refetch_run(refetch_ids=refetch_pks)


@shared_task(
    name="claims.appearance_proposals_find",
    acks_late=True,
    ignore_result=True,
    # Matching a few hundred claims takes seconds once the index is built; the first job of
    # a worker builds it (about 0.4 ms a claim or fact-check).
    soft_time_limit=240,
    time_limit=300,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def appearance_proposals_find(article_pk: int) -> None:
    """After ingestion: propose "another appearance of claim #N?" for the article's new
    claims; running it twice proposes once."""
    services.appearance_proposals_find(article_id=article_pk)


@shared_task(
    name="claims.earlier_checks_refresh",
    acks_late=True,
    ignore_result=True,
    # A batch is a few thousand searches once the index is built; the first job of a worker
    # builds it (about 0.4 ms a claim or fact-check).
    soft_time_limit=240,
    time_limit=300,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def earlier_checks_refresh() -> None:
    """Beat's job, every minute: compare new, changed and stale claims with the earlier
    checks (``claims.services.earlier_checks``), one batch."""
    services.earlier_checks_refresh()


@shared_task(
    name="claims.ingest_jobs_sweep",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
)
def ingest_jobs_sweep() -> None:
    """Beat's job, every minute: send again the ingest jobs whose message was lost (a broker
    outage) or whose worker died (``claims.services.fetch.ingest_jobs_sweep``)."""
    services.ingest_jobs_sweep()
