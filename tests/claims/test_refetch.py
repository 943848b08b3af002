"""Stealth edits: articles fetched again on a schedule after a verdict; a changed text becomes
a new revision, an unchanged one is only recorded, a failure is recorded and retried later.

Every server here is a local one on 127.0.0.1 started by the test; nothing leaves the machine.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from claims import services
from claims.models import Article, ArticleRefetch, Claim, Verdict
from claims.services.refetch import RefetchPolicy
from claims.tasks import article_refetch_batch, articles_refetch_sweep
from tests.factories import ArticleFactory, ClaimFactory, UserFactory, VerdictFactory, rating_level
from tests.sources.httpserver import LocalHTTPServer, closed_port, respond

Result = ArticleRefetch.Result

PAGE = """<!doctype html><html><head><title>Roads</title></head><body><main><article>
<h1>City spent 4.2 million dollars on roads</h1>
<p>The city spent 4.2 million dollars on roads in 2023, the annual report shows.
Residents were not impressed by the results of the works.</p>
<p>Unemployment fell to 3.4 percent last year, the statistics office said.</p>
</article></main></body></html>"""
# The same article with one figure quietly changed.
EDITED = PAGE.replace("3.4 percent", "2.9 percent")
# The page's chrome changed, its main text did not.
RESTYLED = PAGE.replace("<title>Roads</title>", "<title>Roads | Updated</title>")


def html(body: str):
    return respond(200, body, headers={"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture
def server(settings):
    with LocalHTTPServer() as local:
        settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"{local.host}:{local.port}"]
        # The link checks' politeness applies; kept short so the tests run fast.
        settings.FACTCHECK_LINK_PER_HOST_INTERVAL = 0.01
        yield local


def publish(claim: Claim, *, at) -> Verdict:
    level = rating_level("false")
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.PUBLISHED, rating=level)
    return VerdictFactory(
        claim=claim,
        rating=level,
        state=Verdict.State.PUBLISHED,
        published_at=at,
        approver=UserFactory(),
    )


def ingested(server: LocalHTTPServer, path: str = "/2023/roads", *, verdict_days_ago=2):
    """An article ingested from the local server, with a verdict published on one claim."""
    server.route(path, html(PAGE))
    article = services.article_fetch(url=server.url(path), title="Roads").article
    claim = article.claims.order_by("start").first()
    assert claim is not None
    publish(claim, at=timezone.now() - timedelta(days=verdict_days_ago))
    return article


def scheduled_row(article: Article, now=None) -> ArticleRefetch:
    services.article_refetch_schedule(now=now)
    return ArticleRefetch.objects.get(article=article)


def run(row: ArticleRefetch, now=None):
    return services.article_refetch_run(refetch_ids=[row.pk], now=now)


def due_ids(now) -> set[int]:
    return {pk for pk, _ in services.articles_refetch_due(now=now)}


def fetched(row: ArticleRefetch, *, at) -> None:
    """Record a re-fetch at ``at`` the way a run does (schedule moved one interval on)."""
    row.refresh_from_db()
    policy = RefetchPolicy.from_settings()
    ArticleRefetch.objects.filter(pk=row.pk).update(
        fetched_at=at,
        result=Result.UNCHANGED,
        due_at=policy.next_due(verdict_at=row.verdict_at, after=at),
    )


def article_with_verdict(*, days_ago: float, url: str = "https://news.example.org/a"):
    article = ArticleFactory(url=url)
    claim = ClaimFactory(article=article)
    publish(claim, at=timezone.now() - timedelta(days=days_ago))
    return article


# ----------------------------------------------------------------------------- schedule


@pytest.mark.django_db
def test_in_the_first_30_days_an_article_is_due_a_day_after_its_last_fetch():
    now = timezone.now()
    article = article_with_verdict(days_ago=5)
    row = scheduled_row(article, now)
    assert row.verdict_at == Verdict.objects.get().published_at
    assert row.due_at == row.verdict_at + timedelta(days=1)  # never fetched: due long since
    assert row.pk in due_ids(now)
    fetched(row, at=now - timedelta(hours=2))
    assert row.pk not in due_ids(now)
    fetched(row, at=now - timedelta(hours=25))
    assert row.pk in due_ids(now)


@pytest.mark.django_db
def test_after_30_days_an_article_is_due_a_week_after_its_last_fetch():
    now = timezone.now()
    article = article_with_verdict(days_ago=60)
    row = scheduled_row(article, now)
    fetched(row, at=now - timedelta(days=2))
    assert row.pk not in due_ids(now)
    fetched(row, at=now - timedelta(days=6, hours=23))
    assert row.pk not in due_ids(now)
    fetched(row, at=now - timedelta(days=8))
    assert row.pk in due_ids(now)


@pytest.mark.django_db
def test_a_year_after_the_verdict_an_article_is_no_longer_fetched():
    now = timezone.now()
    old = article_with_verdict(days_ago=400, url="https://news.example.org/old")
    ending = article_with_verdict(days_ago=362, url="https://news.example.org/ending")
    services.article_refetch_schedule(now=now)
    assert not ArticleRefetch.objects.filter(article=old).exists()
    row = ArticleRefetch.objects.get(article=ending)
    fetched(row, at=now - timedelta(days=1))
    row.refresh_from_db()
    assert row.due_at is None  # the next weekly fetch would come after the year
    assert due_ids(now + timedelta(days=30)) == set()


@pytest.mark.django_db
def test_articles_without_a_published_verdict_or_an_address_are_not_fetched():
    now = timezone.now()
    draft_only = ArticleFactory(url="https://news.example.org/draft")
    VerdictFactory(claim=ClaimFactory(article=draft_only))  # a draft: not checked yet
    pasted = ArticleFactory(url="")
    publish(ClaimFactory(article=pasted), at=now - timedelta(days=1))
    assert services.article_refetch_schedule(now=now) == 0
    assert ArticleRefetch.objects.count() == 0


@pytest.mark.django_db
def test_a_correction_starts_the_daily_schedule_again():
    now = timezone.now()
    article = article_with_verdict(days_ago=100)
    row = scheduled_row(article, now)
    fetched(row, at=now - timedelta(days=1))
    assert row.pk not in due_ids(now)
    claim = article.claims.get()
    Verdict.objects.filter(claim=claim).update(state=Verdict.State.SUPERSEDED)
    VerdictFactory(
        claim=claim,
        number=2,
        rating=rating_level("false"),
        state=Verdict.State.PUBLISHED,
        published_at=now - timedelta(days=3),
        approver=UserFactory(),
    )
    services.article_refetch_schedule(now=now)
    row.refresh_from_db()
    assert row.verdict_at == now - timedelta(days=3)
    assert row.due_at == now  # a day after the last fetch, the daily window again
    assert row.pk in due_ids(now)


# ---------------------------------------------------------------------------- fetching


@pytest.mark.django_db
def test_an_unchanged_page_is_recorded_as_checked_without_a_revision(server, keyword_scorer):
    article = ingested(server)
    row = scheduled_row(article)
    server.route("/2023/roads", html(RESTYLED))  # only the chrome changed
    report = run(row)
    assert report.results == {"unchanged": 1}
    row.refresh_from_db()
    assert row.result == Result.UNCHANGED and row.error == "" and row.failures == 0
    assert row.fetched_at is not None and row.fetching_since is None
    assert row.due_at == row.fetched_at + timedelta(hours=24)
    assert Article.objects.count() == 1
    assert not article.next_revisions.exists()
    assert [r.method for r in server.requests_to("/2023/roads")] == ["GET", "GET"]
    assert len(server.requests_to("/robots.txt")) == 1


@pytest.mark.django_db
def test_a_changed_page_becomes_a_new_revision_linked_to_the_previous_one(server, keyword_scorer):
    article = ingested(server)
    checked = article.claims.order_by("start").first()
    row = scheduled_row(article)
    server.route("/2023/roads", html(EDITED))
    report = run(row)
    assert report.results == {"changed": 1}
    new = Article.objects.get(pk=report.revisions[0])
    assert new.previous_revision == article
    assert new.url == article.url and new.title == "Roads"
    assert "2.9 percent" in new.text and "3.4 percent" in article.text
    checked.refresh_from_db()
    assert checked.article == new  # the checked claim followed the article
    row.refresh_from_db()
    assert row.article == new  # the schedule moved to the newest revision
    assert row.result == Result.CHANGED and row.changed_at == row.fetched_at
    assert row.due_at == row.fetched_at + timedelta(hours=24)
    event = AuditEvent.objects.get(action="claims.article.refetched_changed")
    assert event.article_id == new.pk and event.actor is None
    assert event.changes["previous_revision"] == article.pk
    # The next re-fetch compares with the new revision: unchanged now.
    ArticleRefetch.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert run(row).results == {"unchanged": 1}
    assert Article.objects.count() == 2


@pytest.mark.django_db
def test_a_page_back_to_an_earlier_text_is_recorded_without_a_revision(server, keyword_scorer):
    article = ingested(server)
    row = scheduled_row(article)
    server.route("/2023/roads", html(EDITED))
    new = Article.objects.get(pk=run(row).revisions[0])
    server.route("/2023/roads", html(PAGE))
    ArticleRefetch.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert run(row).results == {"reverted": 1}
    row.refresh_from_db()
    assert row.result == Result.REVERTED and row.article == new
    assert Article.objects.count() == 2
    event = AuditEvent.objects.get(action="claims.article.refetched_reverted")
    assert event.changes == {"matches_revision": article.pk}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "outcome"), [(500, "server_error"), (404, "not_found"), (403, "blocked")]
)
def test_a_failed_fetch_is_recorded_and_retried_later_without_a_revision(
    server, keyword_scorer, status, outcome
):
    article = ingested(server)
    row = scheduled_row(article)
    server.route("/2023/roads", respond(status, "<title>Error</title>"))
    assert run(row).results == {"failed": 1}
    row.refresh_from_db()
    assert row.result == Result.FAILED and row.fetch_outcome == outcome
    assert row.failures == 1 and row.error.startswith(f"Could not fetch {article.url}")
    assert row.due_at == row.fetched_at + timedelta(hours=24)  # retried on the next interval
    assert row.fetching_since is None
    assert Article.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="claims.article.refetched").exists()
    # The next attempt succeeds: the failure count starts again.
    server.route("/2023/roads", html(PAGE))
    ArticleRefetch.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert run(row).results == {"unchanged": 1}
    row.refresh_from_db()
    assert row.failures == 0 and row.error == "" and row.fetch_outcome == ""


@pytest.mark.django_db
def test_a_timeout_is_recorded_as_a_failure(server, keyword_scorer, settings):
    from tests.sources.httpserver import hang

    article = ingested(server)
    row = scheduled_row(article)
    server.route("/2023/roads", hang(5))
    settings.FACTCHECK_FETCH_TOTAL_TIMEOUT = 0.5
    settings.FACTCHECK_FETCH_READ_TIMEOUT = 0.3
    assert run(row).results == {"failed": 1}
    row.refresh_from_db()
    assert row.fetch_outcome == "timeout" and "took too long" in row.error
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_a_site_that_cannot_be_reached_is_recorded_as_a_failure(settings):
    port = closed_port()
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    article = article_with_verdict(days_ago=3, url=f"http://127.0.0.1:{port}/gone")
    row = scheduled_row(article)
    assert run(row).results == {"failed": 1}
    row.refresh_from_db()
    assert row.fetch_outcome == "connection_error" and "could not be reached" in row.error
    assert row.due_at == row.fetched_at + timedelta(hours=24)
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_an_address_the_guard_refuses_is_never_requested(server, keyword_scorer, settings):
    article = ingested(server)
    row = scheduled_row(article)
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = []  # the loopback address is private again
    requests_before = len(server.requests)
    assert run(row).results == {"failed": 1}
    row.refresh_from_db()
    assert row.fetch_outcome == "unsafe" and "private or local networks" in row.error
    assert len(server.requests) == requests_before
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_robots_txt_that_disallows_the_page_is_respected(server, keyword_scorer):
    article = ingested(server)
    row = scheduled_row(article)
    server.route(
        "/robots.txt",
        respond(
            200,
            "User-agent: *\nDisallow: /2023/\n",
            headers={"Content-Type": "text/plain"},
        ),
    )
    server.route("/2023/roads", html(EDITED))
    before = len(server.requests_to("/2023/roads"))
    assert run(row).results == {"failed": 1}
    row.refresh_from_db()
    assert row.fetch_outcome == "robots" and "robots.txt" in row.error
    assert len(server.requests_to("/2023/roads")) == before  # the page was never asked for
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_robots_txt_for_another_agent_or_missing_lets_the_page_be_fetched(server, keyword_scorer):
    article = ingested(server)
    row = scheduled_row(article)
    server.route(
        "/robots.txt",
        respond(
            200, "User-agent: SomeOtherBot\nDisallow: /\n", headers={"Content-Type": "text/plain"}
        ),
    )
    assert run(row).results == {"unchanged": 1}


@pytest.mark.django_db
def test_robots_txt_that_cannot_be_read_means_no_fetch_this_time(server, keyword_scorer):
    article = ingested(server)
    row = scheduled_row(article)
    server.route("/robots.txt", respond(503, "busy"))
    before = len(server.requests_to("/2023/roads"))
    assert run(row).results == {"failed": 1}
    row.refresh_from_db()
    assert row.fetch_outcome == "robots" and "HTTP 503" in row.error
    assert len(server.requests_to("/2023/roads")) == before


# ------------------------------------------------------------------------- the leases


@pytest.mark.django_db
def test_a_refetch_held_by_another_worker_is_not_fetched_twice(server, keyword_scorer):
    article = ingested(server)
    row = scheduled_row(article)
    before = len(server.requests_to("/2023/roads"))
    now = timezone.now()
    ArticleRefetch.objects.filter(pk=row.pk).update(fetching_since=now - timedelta(minutes=1))
    assert run(row, now=now).claimed == 0  # another worker holds it
    assert len(server.requests_to("/2023/roads")) == before
    assert row.pk not in due_ids(now)  # nor sent again by the sweeper
    # Once its lease has expired (the worker died), it is fetched.
    later = now + timedelta(seconds=RefetchPolicy.from_settings().lease_seconds)
    assert run(row, now=later).claimed == 1
    assert len(server.requests_to("/2023/roads")) == before + 1


@pytest.mark.django_db
def test_running_the_task_twice_fetches_once(server, keyword_scorer):
    article = ingested(server)
    row = scheduled_row(article)
    before = len(server.requests_to("/2023/roads"))
    article_refetch_batch([row.pk])
    article_refetch_batch([row.pk])  # e.g. redelivered by the broker: no longer due
    assert len(server.requests_to("/2023/roads")) == before + 1


@pytest.mark.django_db
def test_the_sweeper_sends_due_refetches_once_grouped_by_host(monkeypatch, settings):
    settings.FACTCHECK_REFETCH_BATCH_SIZE = 2
    sent: list[list[int]] = []
    monkeypatch.setattr(article_refetch_batch, "delay", lambda ids: sent.append(sorted(ids)))
    now = timezone.now()
    for n in range(3):
        article_with_verdict(days_ago=3, url=f"https://a.example.org/{n}")
    article_with_verdict(days_ago=3, url="https://b.example.org/1")
    assert services.articles_refetch_sweep(now=now) == 3  # a's host capped at one batch
    rows = {row.article.url: row.pk for row in ArticleRefetch.objects.select_related("article")}
    assert sorted(map(len, sent)) == [1, 2]
    assert [rows["https://b.example.org/1"]] in sent
    # Queued: the next sweep sends nothing of those, nor of their hosts while in flight.
    assert services.articles_refetch_sweep(now=now + timedelta(minutes=1)) == 0
    assert len(sent) == 2


@pytest.mark.django_db
def test_a_refused_publish_leaves_the_refetch_due(monkeypatch):
    def refuse(ids):
        raise ConnectionError("broker down")

    monkeypatch.setattr(article_refetch_batch, "delay", refuse)
    now = timezone.now()
    article_with_verdict(days_ago=3)
    assert services.articles_refetch_sweep(now=now) == 0
    row = ArticleRefetch.objects.get()
    assert row.queued_at is None and row.pk in due_ids(now)


# ---------------------------------------------------------------------------- the jobs


def test_the_beat_schedule_runs_the_refetch_sweeper(settings):
    from factcheck.celery_app import app

    entries = [
        e for e in app.conf.beat_schedule.values() if e["task"] == "claims.articles_refetch_sweep"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"] == timedelta(
        seconds=settings.FACTCHECK_REFETCH_SWEEP_INTERVAL_SECONDS
    )
    assert "claims.articles_refetch_sweep" in app.tasks


def test_the_refetch_tasks_declare_late_acks_and_time_limits():
    for task in (articles_refetch_sweep, article_refetch_batch):
        assert task.acks_late is True
        assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit
    # A worker's lease outlasts the batch's hard limit.
    assert RefetchPolicy.from_settings().lease_seconds > article_refetch_batch.time_limit


def test_the_schedule_is_daily_then_weekly_then_over():
    policy = RefetchPolicy()
    verdict = timezone.now()
    assert policy.next_due(verdict_at=verdict, after=None) == verdict + timedelta(days=1)
    day_29 = verdict + timedelta(days=29)
    assert policy.next_due(verdict_at=verdict, after=day_29) == day_29 + timedelta(days=1)
    day_31 = verdict + timedelta(days=31)
    assert policy.next_due(verdict_at=verdict, after=day_31) == day_31 + timedelta(days=7)
    day_360 = verdict + timedelta(days=360)
    assert policy.next_due(verdict_at=verdict, after=day_360) is None
