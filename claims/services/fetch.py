"""Articles by web address: fetched through ``sources.fetching`` (synchronously, or by a
background job that records its outcome on an ``IngestJob``), then ingested; and large pasted
or uploaded texts, ingested by the same background job (``article_ingest_submit``)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.extraction import ExtractionError, decode_bytes, format_for_filename
from claims.models import Article, IngestJob
from claims.services.ingest import (
    _HTML_TYPES,
    _TEXT_TYPES,
    ArticleURLError,
    IngestError,
    IngestResult,
    _normalized_article_url,
    _refuse_if_too_large,
    article_ingest,
    human_size,
    max_ingest_bytes,
)
from factcheck.lib.busy import is_database_busy
from factcheck.lib.jobs import send_quietly, send_quietly_on_commit

__all__ = [
    "INGEST_JOB_STALE_AFTER",
    "article_fetch",
    "article_ingest_submit",
    "article_ingest_url",
    "document_input",
    "fetch_failure_message",
    "ingest_inline_max_bytes",
    "ingest_job_run",
    "ingest_jobs_sweep",
]

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------- by URL (fetching)


def fetch_failure_message(url: str, exc) -> str:
    """What a reviewer reads when fetching ``url`` failed with ``exc`` (a ``FetchError``)."""
    from sources.fetching import Outcome

    reason = exc.message
    if exc.outcome == Outcome.UNSAFE:
        if not reason.startswith("refused"):
            reason = _("refused: %(reason)s") % {"reason": reason}
        message = _(
            "Could not fetch %(url)s: %(reason)s. Addresses on private or local networks are "
            "never fetched."
        )
    elif exc.outcome in {Outcome.CONNECTION_ERROR, Outcome.DNS_ERROR, Outcome.TLS_ERROR}:
        message = _("Could not fetch %(url)s: the site could not be reached (%(reason)s).")
    elif exc.outcome == Outcome.TIMEOUT:
        message = _("Could not fetch %(url)s: the site took too long to answer (%(reason)s).")
    elif exc.outcome == Outcome.TOO_LARGE:
        message = _("Could not fetch %(url)s: the page is larger than the %(limit)s limit.")
    elif exc.outcome == Outcome.INVALID_URL:
        message = _("Could not fetch %(url)s: it is not a usable web address (%(reason)s).")
    else:
        message = _("Could not fetch %(url)s: %(outcome)s (%(reason)s).")
    return message % {
        "url": url,
        "reason": reason,
        "limit": human_size(max_ingest_bytes()),
        "outcome": exc.outcome,
    }


def article_fetch(
    *, url: str, title: str = "", user=None, progress=None, language: str = ""
) -> IngestResult:
    """Fetch a page through ``sources.fetching`` and ingest it (synchronously); ``language``
    as for ``article_ingest`` (blank: detected)."""
    from sources.fetching import FetchError, fetch_document

    url = _normalized_article_url(url)
    if not url:
        raise IngestError(_("Give the article's web address."))
    try:
        document = fetch_document(url, max_bytes=max_ingest_bytes())
    except FetchError as exc:
        raise IngestError(fetch_failure_message(url, exc)) from None
    return article_ingest(
        title=title,
        url=url,
        user=user,
        progress=progress,
        language=language,
        **document_input(document, url=url),
    )


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
            _("%(url)s is a “%(type)s” document, not an HTML page or text.")
            % {"url": url, "type": content_type or _("unknown")}
        )
    try:
        decoded = decode_bytes(document.body, declared=document.charset, html=is_html)
    except ExtractionError as exc:
        raise IngestError(str(exc)) from None
    if is_html:
        return {"html": decoded}
    return {"text": decoded, "text_format": _TEXT_TYPES[content_type]}


def _job_language(language: str) -> str:
    """The reviewer's language for a job, normalised now (a wrong one fails at once)."""
    from claims.languages import language_normalize

    try:
        return language_normalize(language)
    except ValidationError as exc:
        raise IngestError(" ".join(exc.messages)) from None


def article_ingest_url(*, url: str, title: str = "", user=None, language: str = "") -> IngestJob:
    """Queue a background job that fetches ``url`` and ingests it (``language``: the
    reviewer's choice; blank: detected)."""
    from claims.tasks import article_fetch_and_ingest
    from sources.fetching import InvalidURL, web_address

    if not (url or "").strip():
        raise ArticleURLError(_("Give the article's web address."))
    try:
        # The fetcher's own check (odd IP notations, userinfo, length, private networks).
        normalized = web_address(url, fetch=True)
    except InvalidURL as exc:
        raise ArticleURLError(str(exc)) from None
    with transaction.atomic():
        job = IngestJob(
            url=normalized,
            title=(title or "").strip()[:500],
            language=_job_language(language),
            requested_by=user,
        )
        try:
            job.full_clean()
        except ValidationError as exc:
            raise ArticleURLError(" ".join(exc.messages)) from None
        job.save()
        _send_on_commit(article_fetch_and_ingest, job)
    return job


def _send_on_commit(task, job: IngestJob) -> None:
    """Send the job's message once it commits; a broker outage is logged, never raised: the
    job stays queued and beat's :func:`ingest_jobs_sweep` sends it again."""
    send_quietly_on_commit(
        task,
        [job.pk],
        logger=logger,
        what=f"ingest job {job.pk} (it stays queued for the sweep)",
    )


# ------------------------------------------------------- large pasted or uploaded texts


def ingest_inline_max_bytes() -> int:
    """Texts up to this size are ingested during the request; larger ones by the background
    job (FACTCHECK_INGEST_INLINE_MAX_BYTES)."""
    return int(getattr(settings, "FACTCHECK_INGEST_INLINE_MAX_BYTES", 200 * 1024))


def article_ingest_submit(
    *,
    title: str = "",
    text: str = "",
    url: str = "",
    author: str = "",
    user=None,
    file_bytes: bytes | None = None,
    filename: str = "",
    text_format: str = Article.Format.TEXT,
    declared_charset: str | None = None,
    language: str = "",
) -> IngestResult | IngestJob:
    """Ingest a pasted ``text`` or an uploaded file now if it is small, else queue it.

    Up to FACTCHECK_INGEST_INLINE_MAX_BYTES: :func:`article_ingest`, an ``IngestResult``.
    Larger: the cheap checks are made now (size limit, empty text, file type and encoding,
    the article's address), then an ``IngestJob`` holding the text is queued and returned;
    its page shows the progress and then links the article."""
    common = {"title": title, "url": url, "author": author, "user": user, "language": language}
    size = len(file_bytes) if file_bytes is not None else len(text.encode("utf-8"))
    if size <= ingest_inline_max_bytes():
        if file_bytes is not None:
            return article_ingest(
                file_bytes=file_bytes,
                filename=filename,
                declared_charset=declared_charset,
                **common,
            )
        return article_ingest(text=text, text_format=text_format, **common)
    normalized = _normalized_article_url(url)
    if file_bytes is not None:
        _refuse_if_too_large(len(file_bytes), "The file")
        try:
            text_format = format_for_filename(filename)
            text = decode_bytes(
                file_bytes, declared=declared_charset, html=text_format == Article.Format.HTML
            )
        except ExtractionError as exc:
            raise IngestError(str(exc)) from None
    else:
        _refuse_if_too_large(size, "The text")
    if not text.strip():
        raise IngestError(_("The article is empty: paste or upload some text."))
    if text_format not in Article.Format.values:
        raise IngestError(f"Unknown text format {text_format!r}.")
    from claims.tasks import article_fetch_and_ingest

    with transaction.atomic():
        job = IngestJob(
            url=normalized,
            title=(title or "").strip()[:500],
            author=(author or "").strip()[:300],
            text=text,
            text_format=text_format,
            language=_job_language(language),
            requested_by=user,
        )
        job.full_clean()
        job.save()
        _send_on_commit(article_fetch_and_ingest, job)
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
    progress = _job_progress(job.pk)
    try:
        if job.is_text:
            result = article_ingest(
                text=job.text,
                text_format=job.text_format,
                url=job.url,
                title=job.title,
                author=job.author,
                user=job.requested_by,
                progress=progress,
                language=job.language,
            )
        else:
            result = article_fetch(
                url=job.url,
                title=job.title,
                user=job.requested_by,
                progress=progress,
                language=job.language,
            )
    except IngestError as exc:
        return _job_finish(job, state=IngestJob.State.FAILED, error=str(exc))
    except SoftTimeLimitExceeded:
        return _job_finish(
            job,
            state=IngestJob.State.FAILED,
            error="Splitting and storing took too long."
            if job.is_text
            else "Fetching and splitting took too long.",
        )
    except (OperationalError, InterfaceError) as exc:
        if not is_database_busy(exc):
            raise
        # The database session was lost (or the database is locked): nothing of this run
        # is committed but what the batches already stored, which a new run finds. The job
        # goes back to the queue and the task's retry runs it again.
        logger.warning("ingest job %s: database unavailable, to run again: %s", job_id, exc)
        if not connection.in_atomic_block:  # a dead session is replaced by a new one
            connection.close_if_unusable_or_obsolete()
        IngestJob.objects.filter(pk=job.pk, state=IngestJob.State.RUNNING).update(
            state=IngestJob.State.QUEUED, started_at=None, updated_at=timezone.now()
        )
        raise
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


# A queued job whose message has not been taken this long is sent again by the sweep (a
# message lost to a broker outage, or to a worker killed in embedded mode).
INGEST_JOB_RESEND_AFTER = timedelta(minutes=2)
INGEST_JOB_SWEEP_BATCH = 100


def ingest_jobs_sweep(*, now=None) -> int:
    """Beat's job: send again the ingest jobs nobody is working on: queued for longer than
    :data:`INGEST_JOB_RESEND_AFTER` (their message was lost) or running for longer than
    :data:`INGEST_JOB_STALE_AFTER` (their worker died). A run claims the job atomically, so
    a message sent twice runs it once. Returns how many were sent."""
    from claims.tasks import article_fetch_and_ingest

    now = now or timezone.now()
    due = list(
        IngestJob.objects.filter(
            Q(state=IngestJob.State.QUEUED, updated_at__lt=now - INGEST_JOB_RESEND_AFTER)
            | Q(state=IngestJob.State.RUNNING, started_at__lt=now - INGEST_JOB_STALE_AFTER)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:INGEST_JOB_SWEEP_BATCH]
    )
    sent = 0
    for pk in due:
        if not send_quietly(article_fetch_and_ingest, [pk], logger=logger, what=f"ingest job {pk}"):
            break  # the broker is still away: the next sweep tries again
        # Not sent again before the grace has passed once more.
        IngestJob.objects.filter(pk=pk, state=IngestJob.State.QUEUED).update(updated_at=now)
        sent += 1
    return sent


def _job_progress(job_id: int):
    """A ``progress`` callback for ``article_ingest`` that records it on the job's row (one
    short write, at most every half second unless the stage changes)."""
    last = {"stage": None, "at": 0.0}

    def report(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == last["stage"] and now - last["at"] < 0.5 and done < total:
            return
        last.update(stage=stage, at=now)
        IngestJob.objects.filter(pk=job_id, state=IngestJob.State.RUNNING).update(
            stage=stage[:100], progress_done=done, progress_total=total, updated_at=timezone.now()
        )

    return report


def _job_finish(
    job: IngestJob, *, state: str, error: str = "", article=None, created: bool = False
) -> IngestJob:
    now = timezone.now()
    IngestJob.objects.filter(pk=job.pk, state=IngestJob.State.RUNNING).update(
        # The text now lives in the article (or was refused): no need to keep a copy.
        text="",
        stage="",
        state=state,
        error=error[:5000],
        article=article,
        article_created=created,
        finished_at=now,
        updated_at=now,
    )
    job.refresh_from_db()
    return job
