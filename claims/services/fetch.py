"""Articles by web address: fetched through ``sources.fetching`` (synchronously, or by a
background job that records its outcome on an ``IngestJob``), then ingested."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims.extraction import ExtractionError, decode_bytes
from claims.models import IngestJob
from claims.services.ingest import (
    _HTML_TYPES,
    _TEXT_TYPES,
    ArticleURLError,
    IngestError,
    IngestResult,
    _normalized_article_url,
    article_ingest,
    human_size,
    max_ingest_bytes,
)

__all__ = [
    "INGEST_JOB_STALE_AFTER",
    "article_fetch",
    "article_ingest_url",
    "document_input",
    "fetch_failure_message",
    "ingest_job_run",
]

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------- by URL (fetching)


def fetch_failure_message(url: str, exc) -> str:
    """What a reviewer reads when fetching ``url`` failed with ``exc`` (a ``FetchError``)."""
    from sources.fetching import Outcome

    reason = exc.message
    if exc.outcome == Outcome.UNSAFE:
        if not reason.startswith("refused"):
            reason = f"refused: {reason}"
        return (
            f"Could not fetch {url}: {reason}. Addresses on private or local networks are "
            "never fetched."
        )
    if exc.outcome in {Outcome.CONNECTION_ERROR, Outcome.DNS_ERROR, Outcome.TLS_ERROR}:
        return f"Could not fetch {url}: the site could not be reached ({reason})."
    if exc.outcome == Outcome.TIMEOUT:
        return f"Could not fetch {url}: the site took too long to answer ({reason})."
    if exc.outcome == Outcome.TOO_LARGE:
        return (
            f"Could not fetch {url}: the page is larger than the "
            f"{human_size(max_ingest_bytes())} limit."
        )
    if exc.outcome == Outcome.INVALID_URL:
        return f"Could not fetch {url}: it is not a usable web address ({reason})."
    return f"Could not fetch {url}: {exc.outcome} ({reason})."


def article_fetch(*, url: str, title: str = "", user=None) -> IngestResult:
    """Fetch a page through ``sources.fetching`` and ingest it (synchronously)."""
    from sources.fetching import FetchError, fetch_document

    url = _normalized_article_url(url)
    if not url:
        raise IngestError("Give the article's web address.")
    try:
        document = fetch_document(url, max_bytes=max_ingest_bytes())
    except FetchError as exc:
        raise IngestError(fetch_failure_message(url, exc)) from None
    return article_ingest(title=title, url=url, user=user, **document_input(document, url=url))


def document_input(document, *, url: str) -> dict:
    """A fetched document as ``article_ingest`` arguments (``html``, or ``text`` with its
    ``text_format``); :class:`IngestError` for a document that is neither HTML nor text."""
    content_type = (document.content_type or "").split(";", 1)[0].strip().lower()
    is_html = content_type in _HTML_TYPES or (
        not content_type
        and document.body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
    )
    if not is_html and content_type not in _TEXT_TYPES:
        raise IngestError(
            f"{url} is a “{content_type or 'unknown'}” document, not an HTML page or text."
        )
    try:
        decoded = decode_bytes(document.body, declared=document.charset, html=is_html)
    except ExtractionError as exc:
        raise IngestError(str(exc)) from None
    if is_html:
        return {"html": decoded}
    return {"text": decoded, "text_format": _TEXT_TYPES[content_type]}


def article_ingest_url(*, url: str, title: str = "", user=None) -> IngestJob:
    """Queue a background job that fetches ``url`` and ingests it."""
    from claims.tasks import article_fetch_and_ingest

    normalized = _normalized_article_url(url)
    if not normalized:
        raise ArticleURLError("Give the article's web address.")
    with transaction.atomic():
        job = IngestJob(url=normalized, title=(title or "").strip()[:500], requested_by=user)
        job.full_clean()
        job.save()
        article_fetch_and_ingest.delay_on_commit(job.pk)
    return job


# A job left "running" longer than this (its worker died) may be claimed again.
INGEST_JOB_STALE_AFTER = timedelta(minutes=10)


def ingest_job_run(*, job_id: int) -> IngestJob | None:
    """Run one URL ingest job; ``None`` if another run already has it (safe to repeat)."""
    from celery.exceptions import SoftTimeLimitExceeded

    now = timezone.now()
    claimed = (
        IngestJob.objects.filter(pk=job_id)
        .filter(
            Q(state=IngestJob.State.QUEUED)
            | Q(state=IngestJob.State.RUNNING, started_at__lt=now - INGEST_JOB_STALE_AFTER)
        )
        .update(state=IngestJob.State.RUNNING, started_at=now, error="", updated_at=now)
    )
    if not claimed:
        return None
    job = IngestJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        result = article_fetch(url=job.url, title=job.title, user=job.requested_by)
    except IngestError as exc:
        return _job_finish(job, state=IngestJob.State.FAILED, error=str(exc))
    except SoftTimeLimitExceeded:
        return _job_finish(
            job, state=IngestJob.State.FAILED, error="Fetching and splitting took too long."
        )
    except Exception:
        logger.exception("ingest job %s failed", job_id)
        return _job_finish(
            job,
            state=IngestJob.State.FAILED,
            error="An unexpected error stopped the ingest; it has been logged for the admins.",
        )
    return _job_finish(
        job, state=IngestJob.State.DONE, article=result.article, created=result.created
    )


def _job_finish(
    job: IngestJob, *, state: str, error: str = "", article=None, created: bool = False
) -> IngestJob:
    now = timezone.now()
    IngestJob.objects.filter(pk=job.pk, state=IngestJob.State.RUNNING).update(
        state=state,
        error=error[:5000],
        article=article,
        article_created=created,
        finished_at=now,
        updated_at=now,
    )
    job.refresh_from_db()
    return job
