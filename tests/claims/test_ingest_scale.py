"""Issue 14, "One user cannot stall the desk": large texts are stored in short transactions
(bulk inserts validated in Python), capped in claims, queued as a background job above a
size, and a locked database answers 503 "busy, try again" instead of a 500.

The concurrency and lock tests run ``tests/claims/ingest_probe.py`` in a process of its own
on a SQLite *file* database in embedded mode (the suite's in-memory SQLite cannot show file
locking), whatever database this run uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import selectors, services
from claims.models import Article, ArticleSentence, CitedLink, Claim, IngestJob
from claims.services.creation import claim_from_span
from claims.services.ingest import _claim_for_link, _link_for
from factcheck.celery_app import app
from factcheck.lib.busy import DatabaseBusyMiddleware, is_database_busy
from factcheck.views import error_500
from tests.claims.ingest_probe import CLAIMBUSTER
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[2]
needs_data = pytest.mark.skipif(not CLAIMBUSTER.is_file(), reason="needs ../shared/data")


def _probe(tmp_path, *args: str, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "FACTCHECK_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.claims.ingest_probe", *args],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE-RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("PROBE-RESULT "))


# ------------------------------------------------------------ the huge paste, for real


@needs_data
def test_a_large_ingest_does_not_stop_a_log_in_or_a_save_in_embedded_mode(tmp_path):
    # ~300 KB (about 3,000 sentences) in batches of 300 rows: ten commits, the other
    # reviewers' writes go in between. Before issue 14 one transaction held the lock.
    report = _probe(tmp_path, "concurrent", "300000", FACTCHECK_INGEST_BATCH_ROWS="300")
    ingest = report["ingest"]
    assert "error" not in ingest, ingest
    assert ingest["state"] == "ready" and ingest["sentences"] > 2000 and ingest["claims"] > 0
    requests = report["requests"]
    failed = [r for r in requests if r["status"] != 302]
    assert not failed, failed
    storing = [r for r in requests if r["stage"] == "Storing sentences"]
    kinds = {r["kind"] for r in requests}
    assert kinds == {"login", "note", "save"}
    # Nobody waits anywhere near the busy timeout (20 s), while storing or splitting.
    assert max(r["s"] for r in requests) < 5.0, sorted(r["s"] for r in requests)[-5:]
    # The requests did overlap the batched writes (or the writes were quicker than a log-in).
    assert storing or ingest["seconds"] < 3.0, requests


def test_a_locked_database_answers_503_busy_with_retry_after(tmp_path):
    report = _probe(tmp_path, "locked")
    for answer in report["locked"]:  # the log-in, then the note
        assert answer == {"status": 503, "retry_after": "5", "busy_page": True}
    # Once the lock is gone, the same requests go through; nothing was half-saved.
    assert report["after"] == [302, 302]
    assert report["notes"] == ["After the lock."]


def test_busy_middleware_and_500_handler_answer_503_only_for_a_locked_database(rf):
    request = rf.post("/review/claims/1/notes/")
    middleware = DatabaseBusyMiddleware(lambda r: HttpResponse())
    busy = middleware.process_exception(request, OperationalError("database is locked"))
    assert busy.status_code == 503 and busy["Retry-After"] == "5"
    assert b"Busy: try again" in busy.content
    assert middleware.process_exception(request, OperationalError("no such table: x")) is None
    assert middleware.process_exception(request, ValueError("database is locked")) is None
    assert not is_database_busy(None)
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        assert error_500(request).status_code == 503
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        assert error_500(request).status_code == 500


@pytest.fixture
def rf():
    return RequestFactory()


# ------------------------------------------- bulk storing == the per-row path it replaced


def _old_store(article: Article, prepared, analysed) -> None:
    """``_store_analysis`` as it was before issue 14: ``full_clean()`` per row, one
    transaction (kept here as the reference the bulk path must reproduce)."""
    new_claims, rows = [], []
    for sentence in analysed:
        owner = None
        if sentence.is_claim:
            owner = claim_from_span(
                article=article,
                start=sentence.start,
                end=sentence.end,
                origin=Claim.Origin.AUTO,
                checkworthiness=sentence.score,
            )
            new_claims.append(owner)
        rows.append(
            ArticleSentence(
                article=article,
                start=sentence.start,
                end=sentence.end,
                text=sentence.text,
                score=sentence.score,
                claim=owner,
            )
        )
    Claim.objects.bulk_create(new_claims)
    for row in rows:
        row.claim_id = row.claim.pk if row.claim is not None else None
        row.full_clean(validate_unique=False, validate_constraints=False)
    ArticleSentence.objects.bulk_create(rows)
    starts = [s.start for s in rows]
    cache, out, seen = {}, [], set()
    for found in prepared.links:
        link = cache.get(found.url) if found.url in cache else _link_for(found.url)
        cache[found.url] = link
        if link is None or (found.start, found.end, link.pk) in seen:
            continue
        seen.add((found.start, found.end, link.pk))
        row = CitedLink(
            article=article,
            link=link,
            href=found.href[:2000],
            anchor_text=found.anchor_text,
            start=found.start,
            end=found.end,
            claim=_claim_for_link(article.text, found.start, found.end, rows, starts, new_claims),
        )
        row.full_clean(validate_unique=False, validate_constraints=False)
        out.append(row)
    CitedLink.objects.bulk_create(out)


def _snapshot(article: Article) -> dict:
    def span(claim):
        return (claim.start, claim.end) if claim is not None else None

    return {
        "claims": sorted(
            (c.start, c.end, c.text, c.prefix, c.suffix, c.checkworthiness, c.origin, c.status)
            for c in article.claims.all()
        ),
        "sentences": [
            (s.start, s.end, s.text, s.score, span(s.claim))
            for s in article.sentences.select_related("claim").order_by("start")
        ],
        "links": sorted(
            (cl.start, cl.end, cl.href, cl.anchor_text, cl.link.url, span(cl.claim))
            for cl in article.cited_links.select_related("link", "claim")
        ),
    }


def _markdown_text(sentences: int) -> str:
    rows = json.loads(CLAIMBUSTER.read_text(encoding="utf-8"))[:sentences]
    parts = []
    for i, row in enumerate(rows):
        sentence = row["text"].strip()
        if i % 7 == 3:
            # A cited link after some sentences, as a citation in brackets.
            sentence += f" ([source](https://example.org/report/{i % 40}))"
        parts.append(sentence + ("\n\n" if i % 5 == 4 else " "))
    return "".join(parts)


@needs_data
@pytest.mark.django_db
def test_bulk_storing_writes_exactly_what_the_per_row_path_wrote(keyword_scorer, patch_setting):
    patch_setting("FACTCHECK_INGEST_BATCH_ROWS", 97)  # several committed batches
    patch_setting("FACTCHECK_MAX_CLAIMS_PER_ARTICLE", 100_000)  # no cap here
    text = _markdown_text(800)
    result = services.article_ingest(title="Mid-size", text=text, text_format="markdown")
    article = result.article
    assert article.ingest_state == Article.IngestState.READY
    bulk = _snapshot(article)
    assert len(bulk["sentences"]) > 500 and len(bulk["claims"]) > 50 and len(bulk["links"]) > 50
    assert result.claims_created == len(bulk["claims"])
    fields = {
        f: getattr(article, f)
        for f in ("title", "slug", "text", "source_format", "content_hash", "url", "author")
    }
    article.delete()

    prepared = services.text_prepare(text=text, text_format="markdown")
    analysed = services.text_analyse(prepared.text)
    old = Article.objects.create(**fields)
    _old_store(old, prepared, analysed)
    assert _snapshot(old) == bulk


# ----------------------------------------------------------------------------- the cap


def _scored_by_number(sentences: list[str]) -> list[float]:
    """Sentence "Item 7 ..." scores 0.07 + 0.5; sentences without a number score 0.1."""
    scores = []
    for sentence in sentences:
        words = sentence.split()
        scores.append(0.5 + int(words[1]) / 100 if words[:1] == ["Item"] else 0.1)
    return scores


@pytest.mark.django_db
def test_the_best_scoring_sentences_become_claims_up_to_the_cap(
    monkeypatch, patch_setting, client_for
):
    monkeypatch.setattr("claims.nlp.score_sentences", _scored_by_number)
    patch_setting("FACTCHECK_CHECKWORTHINESS_THRESHOLD", 0.5)
    patch_setting("FACTCHECK_MAX_CLAIMS_PER_ARTICLE", 3)
    order = [12, 40, 3, 33, 7, 45, 20]
    text = " ".join(f"Item {n} costs money. Nobody knows why." for n in order)
    result = services.article_ingest(title="Capped", text=text)
    article = result.article
    assert result.claims_created == 3
    assert sorted(int(c.text.split()[1]) for c in article.claims.all()) == [33, 40, 45]
    assert article.sentences_over_cap == len(order) - 3
    left = article.sentences.filter(claim__isnull=True, score__gte=0.5).order_by("start")
    assert [int(s.text.split()[1]) for s in left] == [12, 3, 7, 20]
    # The page says so, and a left-over sentence is promoted as before.
    page = client_for("reviewer").get(reverse("claims:article_detail", args=[article.pk]))
    assert b"limit of automatic claims per article was reached" in page.content
    reviewer = UserFactory(username="promoter")
    claim = services.claim_promote(sentence=left.first(), user=reviewer)
    assert claim.origin == Claim.Origin.PROMOTED and claim.text.startswith("Item 12")


# ------------------------------------------- the last transaction: a handful of statements


def _last_step(text: str, *, url: str = "") -> tuple[services.IngestResult, int]:
    """Ingest ``text``; return the result and the number of SQL statements of the last,
    claim-creating transaction (everything after the "Creating the claims" stage began)."""
    mark = {}

    def progress(stage, done, total):
        if stage.startswith("Creating the claims"):
            mark["at"] = len(connection.queries)

    with CaptureQueriesContext(connection):
        result = services.article_ingest(title="Counted", text=text, url=url, progress=progress)
        return result, len(connection.queries) - mark["at"]


def _items(n: int, first: int = 0) -> str:
    return "\n\n".join(
        f"Item {i} cost {i} dollars in total. Nobody knew why." for i in range(first, first + n)
    )


@pytest.mark.django_db
def test_the_last_transaction_writes_claims_in_statements_that_do_not_grow_with_them(
    keyword_scorer,
):
    _last_step("It cost 4 dollars.")  # the audit's content type is looked up once a process
    small, few = _last_step(_items(20))
    large, many = _last_step(_items(200, first=1000))
    assert (small.claims_created, large.claims_created) == (20, 200)
    assert few == many, "the last transaction's statements grew with the number of claims"
    article = large.article
    # Every claim has its sentence and its primary appearance, at its offsets.
    assert article.sentences.filter(claim__isnull=False).count() == 200
    for claim in article.claims.prefetch_related("appearances", "sentences"):
        assert article.text[claim.start : claim.end] == claim.text
        (appearance,) = claim.appearances.all()
        assert appearance.is_primary and (appearance.article_id, appearance.start) == (
            article.pk,
            claim.start,
        )
        assert [s.start for s in claim.sentences.all()] == [claim.start]


@pytest.mark.django_db
def test_a_revision_re_anchors_its_claims_in_statements_that_do_not_grow_with_them(
    keyword_scorer,
):
    _last_step("It cost 4 dollars.")  # the audit's content type is looked up once a process
    counts = {}
    for n in (20, 200):
        url = f"https://news.example/{n}"
        first, _ = _last_step(_items(n, first=n * 10), url=url)
        revised, counts[n] = _last_step(
            "A new opening paragraph.\n\n" + _items(n, first=n * 10), url=url
        )
        assert revised.reanchored == n and revised.claims_created == 0
        moved = Claim.objects.filter(article=revised.article)
        assert moved.count() == n and all(c.version == 2 for c in moved)
        for claim in moved:
            assert revised.article.text[claim.start : claim.end] == claim.text
        assert not Claim.objects.filter(article=first.article).exists()
        assert revised.article.sentences.filter(claim__isnull=False).count() == n
    assert counts[20] == counts[200]


# ------------------------------------------------ hidden while storing; failures; stale


@pytest.mark.django_db
def test_an_article_is_hidden_until_its_last_batch_commits(keyword_scorer, patch_setting):
    patch_setting("FACTCHECK_INGEST_BATCH_ROWS", 2)
    seen = []

    def progress(stage, done, total):
        if stage == "Storing sentences" and done:
            row = Article.objects.get(title="Hidden")
            seen.append(
                (
                    row.ingest_state,
                    Article.objects.visible_to(None).filter(pk=row.pk).exists(),
                    selectors.article_list(user=None).filter(pk=row.pk).exists(),
                    row.claims.count(),
                )
            )

    text = "It cost 4 dollars. Nobody cared. It rose 5 percent. Then it fell. It ended."
    result = services.article_ingest(title="Hidden", text=text, progress=progress)
    assert seen and all(s == ("processing", False, False, 0) for s in seen)
    assert Article.objects.visible_to(None).filter(pk=result.article.pk).exists()
    assert result.article.claims.count() == 2


@pytest.mark.django_db
def test_a_text_being_ingested_is_refused_and_a_dead_ones_leftovers_are_replaced(
    keyword_scorer,
):
    text = "The city spent 4 dollars. Nobody cared."
    stuck = Article.objects.create(
        title="Stuck",
        slug="stuck",
        text=text,
        content_hash=services.content_hash(text),
        ingest_state=Article.IngestState.PROCESSING,
    )
    with pytest.raises(services.IngestError, match="being ingested right now"):
        services.article_ingest(title="Again", text=text)
    Article.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=1))
    result = services.article_ingest(title="Again", text=text)
    assert result.created and not Article.objects.filter(pk=stuck.pk).exists()
    assert result.article.claims.count() == 1


# ---------------------------------------------------- large pastes: the background job


def _wait_for_job(pk: int, timeout: float = 60.0) -> IngestJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = IngestJob.objects.get(pk=pk)
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {pk} did not finish within {timeout} s (state {job.state})")


@pytest.mark.django_db(transaction=True)
def test_a_large_paste_is_queued_and_ingested_by_a_real_worker(
    keyword_scorer, patch_setting, client_for
):
    patch_setting("FACTCHECK_INGEST_INLINE_MAX_BYTES", 2000)
    patch_setting("FACTCHECK_INGEST_BATCH_ROWS", 50)
    small = services.article_ingest_submit(title="Small", text="It cost 4 dollars. Fine.")
    assert isinstance(small, services.IngestResult) and small.created
    text = " ".join(f"Claim {n} cost {n} dollars. Nobody cared." for n in range(200))
    client = client_for("reviewer")
    app.control.purge()  # before queueing: no other test's message for this worker
    # Pasted through the form: the view sends the reviewer to the job's page.
    posted = client.post(
        reverse("claims:article_ingest"),
        {
            "mode": "paste",
            "title": "Big paste",
            "text": text,
            "text_format": "text",
            "confirm": "on",
        },
    )
    job = IngestJob.objects.get()
    assert posted.status_code == 302
    assert posted["Location"] == reverse("claims:ingest_job", args=[job.pk])
    assert job.state == IngestJob.State.QUEUED and job.is_text and job.text == text
    page = client.get(reverse("claims:ingest_job", args=[job.pk]))
    assert b"Ingesting a large text" in page.content and b"data-refresh-seconds" in page.content
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        job = _wait_for_job(job.pk)
    assert job.state == IngestJob.State.DONE, job.error
    assert job.article_created and job.text == "" and job.article.title == "Big paste"
    assert job.article.ingest_state == Article.IngestState.READY
    assert job.article.claims.count() == 200 and job.article.sentences.count() == 400
    page = client.get(reverse("claims:ingest_job", args=[job.pk]))
    assert reverse("claims:article_detail", args=[job.article.pk]).encode() in page.content


@pytest.mark.django_db
def test_a_large_paste_is_checked_before_it_is_queued(patch_setting):
    patch_setting("FACTCHECK_INGEST_INLINE_MAX_BYTES", 10)
    patch_setting("FACTCHECK_INGEST_MAX_BYTES", 100)
    with pytest.raises(services.IngestError, match="the limit is"):
        services.article_ingest_submit(text="x" * 200)
    with pytest.raises(services.IngestError, match="empty"):
        services.article_ingest_submit(text=" " * 50)
    with pytest.raises(services.IngestError, match="cannot be ingested"):
        services.article_ingest_submit(file_bytes=b"a" * 50, filename="notes.pdf")
    with pytest.raises(services.ArticleURLError):
        services.article_ingest_submit(text="It cost 4 dollars. " * 3, url="not a url")
    assert not IngestJob.objects.exists()
    job = services.article_ingest_submit(file_bytes=b"# Title\n\nIt cost 4.", filename="a.md")
    assert job.text_format == "markdown" and job.text.startswith("# Title")
