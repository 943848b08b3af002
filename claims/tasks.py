"""Background jobs of the claims app. Thin: each takes a primary key and calls one service."""

from __future__ import annotations

from celery import shared_task

from claims import services

# Fetching is bounded by FACTCHECK_FETCH_TOTAL_TIMEOUT (30 s by default); extraction, splitting
# and scoring a 5 MB page take well under a minute. The soft limit lets the job record why.
INGEST_SOFT_TIME_LIMIT = 150
INGEST_TIME_LIMIT = 180


@shared_task(
    name="claims.article_fetch_and_ingest",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=INGEST_SOFT_TIME_LIMIT,
    time_limit=INGEST_TIME_LIMIT,
)
def article_fetch_and_ingest(job_pk: int) -> None:
    """Fetch an ``IngestJob``'s URL and ingest it; running it twice is harmless."""
    services.ingest_job_run(job_id=job_pk)
