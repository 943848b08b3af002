"""Stealth edits: articles ingested from a web address are fetched again on a schedule, and a
changed text becomes a new revision.

**Which articles.** An address is on the schedule while a claim of one of its revisions has
a verdict published in the last ``FACTCHECK_REFETCH_UNTIL_DAYS`` (365). The schedule counts
from the latest such publication (a correction starts it again): a re-fetch every
``DAILY_INTERVAL_HOURS`` (24) for ``DAILY_DAYS`` (30) after it, then every
``WEEKLY_INTERVAL_HOURS`` (168) until ``UNTIL_DAYS`` after it, then none. Articles without a
published verdict are not re-fetched: before publication the reviewers read the page
themselves, and re-ingesting the address by hand (the "by URL" form) stores a changed text
as a new revision the same way. Articles pasted or uploaded have no address to fetch.

**The rows.** ``ArticleRefetch`` holds one address's schedule on its newest revision: the
verdict time it counts from, when it is next due (``due_at``, indexed), and the latest
attempt (when, result, the fetcher's outcome and message on failure, failures in a row).
:func:`article_refetch_schedule` keeps the rows in step with the verdicts (run by every sweep:
a grouped query over the verdicts published within the window, then rows created or moved
where needed), so no verdict service has to know about re-fetching.

**The work.** The beat sweeper (:func:`articles_refetch_sweep`) picks due rows with one query
on ``due_at`` (at most ``BATCH_SIZE * MAX_BATCHES``), never a host with a re-fetch in flight,
groups them by host into batches of at most ``BATCH_SIZE`` (a host never split), marks them
queued with a conditional UPDATE and sends each batch to a worker; a refused publish takes
the mark back. The task (:func:`article_refetch_run`) claims its rows with a conditional
UPDATE (only if still due and nobody holds a live claim), so running it twice fetches once;
both marks expire after ``LEASE_SECONDS``. Fetching goes through ``sources.fetching`` on one
client with the link checks' politeness (``FACTCHECK_LINK_PER_HOST_CONCURRENCY``,
``_PER_HOST_INTERVAL``), robots.txt respected, the address guard and the ingest size cap.

**Outcomes.** The fetched page is extracted as at ingestion and its canonical text hashed:
the same hash as the revision's records ``unchanged``; another text is ingested through
``article_ingest`` with the address, which stores it as a new revision (``previous_revision``,
claims re-anchored) and audits ``claims.article.refetched_changed`` on it (the row moves to
it); a text equal to an earlier revision's records ``reverted`` (audited
``claims.article.refetched_reverted`` the first time). A failure (HTTP error, timeout, guard,
robots.txt, not HTML or text) records ``failed`` with the reason and creates nothing. In
every case the next re-fetch is one interval later.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from yarl import URL

from audit.services import audit_record
from claims.models import Article, ArticleRefetch, Verdict
from claims.services.fetch import document_input, fetch_failure_message
from claims.services.ingest import (
    IngestError,
    article_ingest,
    content_hash,
    max_ingest_bytes,
    text_prepare,
)

__all__ = [
    "RefetchPolicy",
    "RefetchReport",
    "article_refetch_run",
    "article_refetch_schedule",
    "articles_refetch_due",
    "articles_refetch_sweep",
]

logger = logging.getLogger(__name__)

Result = ArticleRefetch.Result


@dataclasses.dataclass(frozen=True)
class RefetchPolicy:
    """The schedule and batch sizes (``FACTCHECK_REFETCH_*`` settings)."""

    enabled: bool = True
    daily_days: float = 30
    until_days: float = 365
    daily_interval_hours: float = 24
    weekly_interval_hours: float = 168
    batch_size: int = 10
    max_batches: int = 20
    lease_seconds: int = 900

    @classmethod
    def from_settings(cls) -> RefetchPolicy:
        s = settings
        return cls(
            enabled=bool(s.FACTCHECK_REFETCH_ENABLED),
            daily_days=max(0.0, float(s.FACTCHECK_REFETCH_DAILY_DAYS)),
            until_days=max(0.0, float(s.FACTCHECK_REFETCH_UNTIL_DAYS)),
            daily_interval_hours=max(0.01, float(s.FACTCHECK_REFETCH_DAILY_INTERVAL_HOURS)),
            weekly_interval_hours=max(0.01, float(s.FACTCHECK_REFETCH_WEEKLY_INTERVAL_HOURS)),
            batch_size=max(1, int(s.FACTCHECK_REFETCH_BATCH_SIZE)),
            max_batches=max(1, int(s.FACTCHECK_REFETCH_MAX_BATCHES)),
            lease_seconds=max(1, int(s.FACTCHECK_REFETCH_LEASE_SECONDS)),
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    def next_due(self, *, verdict_at: datetime, after: datetime | None) -> datetime | None:
        """When to fetch next, the previous fetch having been at ``after`` (``None``: none
        since the verdict); ``None`` once the schedule is over."""
        base = max(after, verdict_at) if after is not None else verdict_at
        daily = base < verdict_at + timedelta(days=self.daily_days)
        hours = self.daily_interval_hours if daily else self.weekly_interval_hours
        due = base + timedelta(hours=hours)
        return due if due <= verdict_at + timedelta(days=self.until_days) else None


@dataclasses.dataclass
class RefetchReport:
    claimed: int = 0
    results: dict[str, int] = dataclasses.field(default_factory=dict)
    revisions: list[int] = dataclasses.field(default_factory=list)


def _host(url: str) -> str:
    try:
        return (URL(url).host or "").lower()
    except (ValueError, TypeError):
        return ""


# ------------------------------------------------------------------------ schedule


def _newest_revisions(urls: Iterable[str]) -> dict[str, int]:
    """The newest article of each address (the one a re-ingest would chain to)."""
    heads: dict[str, int] = {}
    rows = (
        Article.objects.filter(url__in=list(urls))
        .order_by("url", "-created_at", "-id")
        .values_list("url", "id")
    )
    for url, pk in rows:
        heads.setdefault(url, pk)
    return heads


def article_refetch_schedule(*, now: datetime | None = None) -> int:
    """Put the addresses with a verdict published within the window on the schedule, and
    keep their rows on their newest revision and their latest verdict; returns the rows
    created or changed. Idempotent; run by every sweep."""
    policy = RefetchPolicy.from_settings()
    now = now or timezone.now()
    latest = dict(
        Verdict.objects.filter(
            state=Verdict.State.PUBLISHED,
            published_at__gte=now - timedelta(days=policy.until_days),
        )
        .filter(claim__article__isnull=False)
        .exclude(claim__article__url="")
        .values("claim__article__url")
        .annotate(at=Max("published_at"))
        .values_list("claim__article__url", "at")
    )
    if not latest:
        return 0
    heads = _newest_revisions(latest)
    rows: dict[str, list[ArticleRefetch]] = defaultdict(list)
    for row in ArticleRefetch.objects.filter(article__url__in=list(latest)).select_related(
        "article"
    ):
        rows[row.article.url].append(row)
    touched = 0
    new_rows = []
    for url, verdict_at in latest.items():
        head = heads[url]
        found = sorted(rows.get(url, []), key=lambda r: (r.article_id != head, -r.pk))
        for extra in found[1:]:  # a race left two rows for one address: keep one
            extra.delete()
        if not found:
            new_rows.append(
                ArticleRefetch(
                    article_id=head,
                    verdict_at=verdict_at,
                    due_at=policy.next_due(verdict_at=verdict_at, after=None),
                )
            )
            continue
        row, fields = found[0], []
        if row.article_id != head:  # a newer revision was ingested by hand
            row.article_id = head
            fields.append("article")
        if verdict_at > row.verdict_at:  # a new publication starts the schedule again
            row.verdict_at = verdict_at
            row.due_at = policy.next_due(verdict_at=verdict_at, after=row.fetched_at)
            fields += ["verdict_at", "due_at"]
        if fields:
            row.save(update_fields=[*fields, "updated_at"])
            touched += 1
    ArticleRefetch.objects.bulk_create(new_rows, ignore_conflicts=True)
    return touched + len(new_rows)


# ------------------------------------------------------------------------- sweeping


def _free(now: datetime, lease: timedelta) -> Q:
    """Neither queued nor being fetched (or both marks have expired)."""
    return (Q(queued_at__isnull=True) | Q(queued_at__lt=now - lease)) & (
        Q(fetching_since__isnull=True) | Q(fetching_since__lt=now - lease)
    )


def _in_flight(now: datetime, lease: timedelta) -> Q:
    return Q(queued_at__gte=now - lease) | Q(fetching_since__gte=now - lease)


def articles_refetch_due(*, now: datetime | None = None, limit: int = 100) -> list[tuple]:
    """``(row id, address)`` of the re-fetches due and free, earliest first: one query on
    the ``due_at`` index."""
    policy = RefetchPolicy.from_settings()
    now = now or timezone.now()
    return list(
        ArticleRefetch.objects.filter(due_at__lte=now)
        .filter(_free(now, policy.lease))
        .order_by("due_at", "pk")
        .values_list("pk", "article__url")[:limit]
    )


def articles_refetch_sweep(*, now: datetime | None = None) -> int:
    """Beat: schedule, then send the due re-fetches to the workers in host-grouped batches;
    returns how many were sent."""
    from claims.tasks import article_refetch_batch

    policy = RefetchPolicy.from_settings()
    if not policy.enabled:
        return 0
    now = now or timezone.now()
    article_refetch_schedule(now=now)
    due = articles_refetch_due(now=now, limit=policy.batch_size * policy.max_batches)
    if not due:
        return 0
    busy = {
        _host(url)
        for url in ArticleRefetch.objects.filter(_in_flight(now, policy.lease)).values_list(
            "article__url", flat=True
        )
    }
    by_host: dict[str, list[int]] = defaultdict(list)
    for pk, url in due:
        host = _host(url)
        if host not in busy and len(by_host[host]) < policy.batch_size:
            by_host[host].append(pk)
    batches: list[list[int]] = []
    for ids in sorted(by_host.values(), key=len, reverse=True):
        home = next((b for b in batches if len(b) + len(ids) <= policy.batch_size), None)
        if home is not None:
            home.extend(ids)
        elif len(batches) < policy.max_batches:
            batches.append(list(ids))
    sent = 0
    for ids in batches:
        marked = (
            ArticleRefetch.objects.filter(pk__in=ids, due_at__lte=now)
            .filter(_free(now, policy.lease))
            .update(queued_at=now)
        )
        if not marked:
            continue
        ids = list(
            ArticleRefetch.objects.filter(pk__in=ids, queued_at=now).values_list("pk", flat=True)
        )
        try:
            article_refetch_batch.delay(ids)
        except Exception:
            logger.exception("could not send %d article re-fetches; they stay due", len(ids))
            ArticleRefetch.objects.filter(pk__in=ids, queued_at=now).update(queued_at=None)
            continue
        sent += len(ids)
    return sent


# -------------------------------------------------------------------------- fetching


def _claim(ids: list[int], now: datetime, lease: timedelta) -> list[ArticleRefetch]:
    claimed = (
        ArticleRefetch.objects.filter(pk__in=ids, due_at__lte=now)
        .filter(Q(fetching_since__isnull=True) | Q(fetching_since__lt=now - lease))
        .update(fetching_since=now, queued_at=None)
    )
    if not claimed:
        return []
    return list(
        ArticleRefetch.objects.filter(pk__in=ids, fetching_since=now)
        .select_related("article")
        .order_by("pk")
    )


def article_refetch_run(
    *, refetch_ids: Iterable[int], now: datetime | None = None, config=None
) -> RefetchReport:
    """Claim these re-fetches, fetch their pages politely, record each outcome.

    Rows this call could not claim (not due any more, or someone else holds them) are
    skipped, so running it twice fetches once. Rows left without a result (the task ran out
    of time) are released and stay due.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    from sources.fetching import FetchError, fetch_documents
    from sources.services import JobSettings

    policy = RefetchPolicy.from_settings()
    claimed_at = now or timezone.now()
    rows = _claim(list(refetch_ids), claimed_at, policy.lease)
    report = RefetchReport(claimed=len(rows))
    if not rows:
        return report
    # Another revision may have been ingested by hand since the row was scheduled.
    heads = _newest_revisions(row.article.url for row in rows)
    for row in rows:
        if heads.get(row.article.url, row.article_id) != row.article_id:
            row.article = Article.objects.get(pk=heads[row.article.url])
    politeness = JobSettings.from_settings()
    done: set[int] = set()
    try:
        fetched = fetch_documents(
            [row.article.url for row in rows],
            max_bytes=max_ingest_bytes(),
            config=config,
            per_host_concurrency=politeness.per_host_concurrency,
            per_host_interval=politeness.per_host_interval,
            concurrency=politeness.concurrency,
            respect_robots=True,
        )
        for row, document in zip(rows, fetched, strict=True):
            try:
                if isinstance(document, FetchError):
                    result = _record_failure(row, document, claimed_at, policy)
                else:
                    result = _record_document(row, document, claimed_at, policy, report)
            except (DatabaseError, SoftTimeLimitExceeded):
                raise
            except Exception:
                # One odd page must not stop the batch, nor come back every sweep.
                logger.exception("re-fetching article %s failed", row.article_id)
                result = Result.FAILED
                _finish(
                    row,
                    claimed_at,
                    policy,
                    result=result,
                    fetch_outcome="error",
                    error="An unexpected error stopped the re-fetch; it has been logged.",
                )
            done.add(row.pk)
            report.results[result] = report.results.get(result, 0) + 1
    except SoftTimeLimitExceeded:
        pass
    finally:
        pending = [row.pk for row in rows if row.pk not in done]
        if pending:
            ArticleRefetch.objects.filter(pk__in=pending, fetching_since=claimed_at).update(
                fetching_since=None
            )
    return report


def _finish(
    row: ArticleRefetch,
    claimed_at: datetime,
    policy: RefetchPolicy,
    *,
    result: str,
    article: Article | None = None,
    fetch_outcome: str = "",
    error: str = "",
) -> None:
    now = timezone.now()
    fields = {
        "fetching_since": None,
        "fetched_at": now,
        "result": result,
        "fetch_outcome": fetch_outcome[:20],
        "error": error[:5000],
        "failures": row.failures + 1 if result == Result.FAILED else 0,
        "due_at": policy.next_due(verdict_at=row.verdict_at, after=now),
        "updated_at": now,
    }
    if result in (Result.CHANGED, Result.REVERTED):
        fields["changed_at"] = now
    if article is not None:
        fields["article"] = article
    ArticleRefetch.objects.filter(pk=row.pk, fetching_since=claimed_at).update(**fields)


def _record_failure(row, error, claimed_at, policy) -> str:
    from sources.fetching import RobotsDisallowed

    outcome = "robots" if isinstance(error, RobotsDisallowed) else str(error.outcome)
    _finish(
        row,
        claimed_at,
        policy,
        result=Result.FAILED,
        fetch_outcome=outcome,
        error=fetch_failure_message(row.article.url, error),
    )
    return Result.FAILED


def _record_document(row, document, claimed_at, policy, report: RefetchReport) -> str:
    article = row.article
    try:
        given = document_input(document, url=article.url)
        prepared = text_prepare(url=article.url, **given)
    except IngestError as exc:
        _finish(
            row, claimed_at, policy, result=Result.FAILED, fetch_outcome="ingest", error=str(exc)
        )
        return Result.FAILED
    if content_hash(prepared.text) == article.content_hash:
        _finish(row, claimed_at, policy, result=Result.UNCHANGED)
        return Result.UNCHANGED
    with transaction.atomic():
        try:
            # The new revision keeps the article's language (a reviewer may have corrected it).
            ingested = article_ingest(
                title=article.title, url=article.url, language=article.language, **given
            )
        except IngestError as exc:
            _finish(
                row,
                claimed_at,
                policy,
                result=Result.FAILED,
                fetch_outcome="ingest",
                error=str(exc),
            )
            return Result.FAILED
        if ingested.created:
            new = ingested.article
            audit_record(
                actor=None,
                action="claims.article.refetched_changed",
                article=new,
                target=new,
                changes={
                    "previous_revision": article.pk,
                    "reanchored": ingested.reanchored,
                    "orphaned": ingested.orphaned,
                    "claims_created": ingested.claims_created,
                },
                message=f"The page at {article.url} changed since revision #{article.pk}.",
            )
            _finish(row, claimed_at, policy, result=Result.CHANGED, article=new)
            report.revisions.append(new.pk)
            return Result.CHANGED
        # The page is back to the text of an earlier revision (texts are stored once).
        if row.result != Result.REVERTED:
            audit_record(
                actor=None,
                action="claims.article.refetched_reverted",
                article=article,
                target=article,
                changes={"matches_revision": ingested.article.pk},
                message=(
                    f"The page at {article.url} is back to the text of revision "
                    f"#{ingested.article.pk}."
                ),
            )
        _finish(row, claimed_at, policy, result=Result.REVERTED)
        return Result.REVERTED
