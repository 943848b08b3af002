"""Ingesting by URL: a background job fetches through the guarded fetcher, then ingests.

Every server here is a local one on 127.0.0.1 started by the test; nothing leaves the machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from claims import services
from claims.models import Article, IngestJob
from claims.tasks import article_fetch_and_ingest
from factcheck.celery_app import app
from tests.factories import IngestJobFactory, UserFactory
from tests.sources.httpserver import LocalHTTPServer, closed_port, respond

DATA = Path(__file__).resolve().parent / "data"
PAGE = (DATA / "city-budget.html").read_text(encoding="utf-8")


@pytest.fixture
def server():
    with LocalHTTPServer() as local:
        yield local


@pytest.fixture
def allow(patch_setting):
    """Allow-list one loopback server for the fetcher's private-address guard."""

    def allow_server(local: LocalHTTPServer) -> None:
        patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [f"{local.host}:{local.port}"])

    return allow_server


def _wait_for_job(pk: int, timeout: float = 30.0) -> IngestJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = IngestJob.objects.get(pk=pk)
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {pk} did not finish within {timeout} s (state {job.state})")


@pytest.mark.django_db(transaction=True)
def test_a_url_is_fetched_and_ingested_by_a_real_worker(server, allow, keyword_scorer):
    server.route("/2023/roads", respond(200, PAGE))
    allow(server)
    user = UserFactory(username="fetcher")
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        job = services.article_ingest_url(url=server.url("/2023/roads"), title="Roads", user=user)
        job = _wait_for_job(job.pk)
    assert job.state == IngestJob.State.DONE, job.error
    assert job.article_created is True
    article = job.article
    assert article.url == server.url("/2023/roads")
    assert article.title == "Roads" and article.ingested_by == user
    assert article.source_format == Article.Format.HTML
    assert "FOOTER-TEXT" not in article.text
    assert article.claims.count() >= 2
    hrefs = set(article.cited_links.values_list("link__url", flat=True))
    assert hrefs == {
        "https://example.org/reports/roads-2023.pdf",
        server.url("/stats/unemployment"),
    }
    assert [r.method for r in server.requests_to("/2023/roads")] == ["GET"]


@pytest.mark.django_db
def test_a_private_network_url_is_refused_and_the_job_says_so(server, keyword_scorer):
    # Nothing allow-listed: the real fetcher's guard refuses the loopback address.
    server.route("/secret", respond(200, PAGE))
    job = IngestJobFactory(url=server.url("/secret"))
    article_fetch_and_ingest(job.pk)
    job.refresh_from_db()
    assert job.state == IngestJob.State.FAILED
    assert "refused:" in job.error and "private or local networks" in job.error
    assert server.requests == []
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_an_unreachable_url_fails_with_a_clear_message(settings, keyword_scorer):
    port = closed_port()
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    job = IngestJobFactory(url=f"http://127.0.0.1:{port}/gone")
    article_fetch_and_ingest(job.pk)
    job.refresh_from_db()
    assert job.state == IngestJob.State.FAILED
    assert "could not be reached" in job.error
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_document_that_is_not_html_or_text_is_refused(server, allow, keyword_scorer):
    server.route(
        "/logo.png", respond(200, b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png")
    )
    allow(server)
    job = IngestJobFactory(url=server.url("/logo.png"))
    article_fetch_and_ingest(job.pk)
    job.refresh_from_db()
    assert job.state == IngestJob.State.FAILED
    assert "image/png" in job.error


@pytest.mark.django_db
def test_a_page_over_the_size_limit_is_refused(server, allow, settings, keyword_scorer):
    settings.FACTCHECK_INGEST_MAX_BYTES = 1000
    server.route("/big", respond(200, "<p>" + "word " * 1000 + "</p>"))
    allow(server)
    job = IngestJobFactory(url=server.url("/big"))
    article_fetch_and_ingest(job.pk)
    job.refresh_from_db()
    assert job.state == IngestJob.State.FAILED
    assert "larger than the 1000 bytes limit" in job.error


@pytest.mark.django_db
def test_a_plain_text_document_is_ingested_as_text(server, allow, keyword_scorer):
    body = "Le budget a coûté 4 millions en 2023. C'était cher.".encode("latin-1")
    server.route("/note.txt", respond(200, body, content_type="text/plain; charset=iso-8859-1"))
    allow(server)
    job = IngestJobFactory(url=server.url("/note.txt"))
    article_fetch_and_ingest(job.pk)
    job.refresh_from_db()
    assert job.state == IngestJob.State.DONE, job.error
    assert job.article.text == "Le budget a coûté 4 millions en 2023. C'était cher."
    assert job.article.source_format == Article.Format.TEXT


@pytest.mark.django_db
def test_running_the_job_twice_is_harmless(server, allow, keyword_scorer):
    server.route("/a", respond(200, PAGE))
    allow(server)
    job = IngestJobFactory(url=server.url("/a"))
    article_fetch_and_ingest(job.pk)
    article_fetch_and_ingest(job.pk)
    job.refresh_from_db()
    assert job.state == IngestJob.State.DONE
    assert Article.objects.count() == 1
    assert len(server.requests_to("/a")) == 1


@pytest.mark.django_db
def test_a_job_whose_worker_died_long_ago_may_be_claimed_again(server, allow, keyword_scorer):
    from django.utils import timezone

    server.route("/a", respond(200, PAGE))
    allow(server)
    stale = timezone.now() - services.INGEST_JOB_STALE_AFTER * 2
    job = IngestJobFactory(url=server.url("/a"), state=IngestJob.State.RUNNING, started_at=stale)
    fresh = IngestJobFactory(
        url=server.url("/a"), state=IngestJob.State.RUNNING, started_at=timezone.now()
    )
    assert services.ingest_job_run(job_id=fresh.pk) is None
    assert services.ingest_job_run(job_id=job.pk).state == IngestJob.State.DONE


def test_the_task_declares_late_acks_and_time_limits():
    assert article_fetch_and_ingest.acks_late is True
    assert 0 < article_fetch_and_ingest.soft_time_limit < article_fetch_and_ingest.time_limit


@pytest.mark.django_db
def test_a_locked_database_at_the_claim_step_is_retried_not_lost(monkeypatch):
    from django.db import OperationalError

    from claims import tasks

    calls = []

    def locked_once(*, job_id):
        calls.append(job_id)
        if len(calls) == 1:
            raise OperationalError("database table is locked: claims_ingestjob")

    monkeypatch.setattr(tasks.services, "ingest_job_run", locked_once)
    monkeypatch.setattr(article_fetch_and_ingest, "default_retry_delay", 0)
    monkeypatch.setattr(article_fetch_and_ingest, "retry_backoff", False)
    result = article_fetch_and_ingest.apply(args=[41])
    assert calls == [41, 41]  # run again, not dropped
    assert result.successful()


@pytest.mark.django_db
def test_the_sweep_sends_again_only_jobs_nobody_works_on(monkeypatch, settings):
    """Queued for over two minutes (the message was lost) or running for over ten (the
    worker died): sent again, each once per grace period; fresh, running or finished jobs
    are left alone; a broker still away stops the sweep until the next run."""
    from datetime import timedelta

    from django.utils import timezone

    sent = []
    monkeypatch.setattr(
        article_fetch_and_ingest, "apply_async", lambda **kw: sent.append(kw["args"][0])
    )
    now = timezone.now()
    lost = IngestJobFactory()
    IngestJob.objects.filter(pk=lost.pk).update(updated_at=now - timedelta(minutes=3))
    fresh = IngestJobFactory()
    abandoned = IngestJobFactory()
    IngestJob.objects.filter(pk=abandoned.pk).update(
        state=IngestJob.State.RUNNING, started_at=now - timedelta(minutes=11)
    )
    working = IngestJobFactory()
    IngestJob.objects.filter(pk=working.pk).update(state=IngestJob.State.RUNNING, started_at=now)
    done = IngestJobFactory()
    IngestJob.objects.filter(pk=done.pk).update(
        state=IngestJob.State.DONE, updated_at=now - timedelta(hours=1)
    )
    assert services.ingest_jobs_sweep(now=now) == 2
    assert sorted(sent) == sorted([lost.pk, abandoned.pk]) and fresh.pk not in sent
    sent.clear()
    assert services.ingest_jobs_sweep(now=now + timedelta(seconds=30)) == 1  # the running one
    assert sent == [abandoned.pk]

    def away(**kw):
        raise OSError("broker unreachable")

    monkeypatch.setattr(article_fetch_and_ingest, "apply_async", away)
    assert services.ingest_jobs_sweep(now=now + timedelta(minutes=5)) == 0
    assert settings.CELERY_BEAT_SCHEDULE["ingest-jobs-sweep"]["task"] == "claims.ingest_jobs_sweep"


@pytest.mark.django_db
def test_a_lost_database_session_puts_the_job_back_in_the_queue(monkeypatch):
    from django.db import OperationalError

    from claims.services import fetch

    job = IngestJobFactory(text="The council spent 4 million.", text_format="text")

    def session_lost(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(fetch, "article_ingest", session_lost)
    with pytest.raises(OperationalError):
        services.ingest_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == IngestJob.State.QUEUED and job.started_at is None and job.error == ""
