"""The broker goes away while reviewers work: a Redis server of the test's own, the app's
broker, is stopped while reviewers save evidence, ingest articles and publish verdicts
through the site, then started again.

Each request answers within 2 s with its change committed, the enqueue that could not be
made is logged, and once the broker is back the rows that are the outbox bring the work
back by themselves: a real worker checks every link the sweeper sends (once), and the
webhook deliveries' sweep delivers the publication (once).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery
from api.tasks import webhook_deliveries_sweep
from claims.models import Article, Claim, Evidence, IngestJob, Verdict
from claims.services import ingest_jobs_sweep
from reader.selectors import claim_path
from sources import services as link_services
from sources.models import Link, LinkCheck, LinkState
from tests.api.test_webhooks import Receiver
from tests.factories import ClaimFactory
from tests.reliability.conftest import awaiting_approval, thread_worker, wait_for
from tests.sources.httpserver import LocalHTTPServer, respond

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "text/plain"
ANSWER_WITHIN = 2.0  # seconds: what a reviewer may wait while the broker is away


@pytest.fixture
def links_checked_on_save(patch_setting, fast_link_settings):
    patch_setting("FACTCHECK_LINK_CHECK_NEW_LINKS", True)


@pytest.fixture
def site(allow_servers):
    """A local web site the evidence and the articles cite."""
    with LocalHTTPServer() as server:
        for path in ("/audit", "/budget", "/minutes"):
            server.route(path, respond(200, "fine", content_type=TEXT))
        allow_servers(server)
        yield server


def _timed_post(client, url: str, data: dict):
    started = time.monotonic()
    response = client.post(url, data)
    elapsed = time.monotonic() - started
    assert elapsed < ANSWER_WITHIN, f"{url} took {elapsed:.2f} s while the broker was down"
    return response


def _links_checked_once(links) -> None:
    """Once the broker is back, the sweeper sends every link left due and a real worker
    checks each of them exactly once."""
    with thread_worker():
        assert link_services.links_sweep() == len(links)
        wait_for(
            lambda: (
                not Link.objects.filter(
                    pk__in=[link.pk for link in links], last_checked_at__isnull=True
                ).exists()
            ),
            30,
            "checking the links saved during the outage",
        )
        # Swept again: nothing is due, nothing is sent twice.
        assert link_services.links_sweep() == 0
    for link in links:
        link.refresh_from_db()
        assert link.state == LinkState.ALIVE, link.url
        assert link.checking_since is None and link.queued_at is None
        assert LinkCheck.objects.filter(link=link).count() == 1, link.url


def test_evidence_saved_while_the_broker_is_down_is_checked_once_it_is_back(
    broker, site, links_checked_on_save, client_for, caplog
):
    claim = ClaimFactory()
    broker.stop()
    with caplog.at_level(logging.WARNING, logger="sources.services"):
        response = _timed_post(
            client_for("reviewer"),
            reverse("claims:evidence_add", kwargs={"pk": claim.pk}),
            {"url": site.url("/audit"), "stance": "supports", "quote": "4.2 million"},
        )
    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim)  # committed
    assert evidence.link.queued_at is None  # not marked as sent: still due for the sweeper
    assert "link checks not enqueued (1 links stay due for the sweeper)" in caplog.text

    broker.start()
    _links_checked_once([evidence.link])


def test_an_article_ingested_while_the_broker_is_down_has_its_links_checked_once_it_is_back(
    broker, site, links_checked_on_save, client_for, caplog
):
    text = (
        f"The city spent 4.2 million dollars on roads, says [the budget]({site.url('/budget')}). "
        f"The council approved 3 new bridges, say [the minutes]({site.url('/minutes')})."
    )
    broker.stop()
    with caplog.at_level(logging.WARNING, logger="sources.services"):
        response = _timed_post(
            client_for("reviewer"),
            reverse("claims:article_ingest"),
            {
                "mode": "paste",
                "title": "Roads",
                "text": text,
                "text_format": "markdown",
                "confirm": "on",
            },
        )
    assert response.status_code == 302
    article = Article.objects.get(title="Roads")  # committed, with its claims
    assert article.claims.exists()
    links = list(Link.objects.filter(citations__article=article).distinct())
    assert {link.url for link in links} == {site.url("/budget"), site.url("/minutes")}
    assert "link checks not enqueued (2 links stay due for the sweeper)" in caplog.text

    broker.start()
    _links_checked_once(links)


def test_a_large_text_queued_while_the_broker_is_down_is_ingested_once_it_is_back(
    broker, client_for, patch_setting, caplog
):
    patch_setting("FACTCHECK_INGEST_INLINE_MAX_BYTES", 200)
    text = " ".join(f"Claim {n} cost {n} dollars. Nobody cared." for n in range(20))
    broker.stop()
    with caplog.at_level(logging.WARNING):
        response = _timed_post(
            client_for("reviewer"),
            reverse("claims:article_ingest"),
            {"mode": "paste", "title": "Big", "text": text, "text_format": "text", "confirm": "on"},
        )
    job = IngestJob.objects.get()
    assert response.status_code == 302, response.status_code
    assert job.state == IngestJob.State.QUEUED and job.text == text
    assert f"could not enqueue ingest job {job.pk} (it stays queued for the sweep)" in caplog.text

    broker.start()
    with thread_worker():  # (it purges the queues first)
        # Beat's sweep, a few minutes later: the job was never sent, so it is sent now.
        assert ingest_jobs_sweep(now=timezone.now() + timedelta(minutes=3)) == 1
        wait_for(
            lambda: IngestJob.objects.get(pk=job.pk).is_finished, 30, "ingesting the queued text"
        )
    job.refresh_from_db()
    assert job.state == IngestJob.State.DONE, job.error
    assert Article.objects.filter(title="Big").count() == 1


def test_a_verdict_published_while_the_broker_is_down_reaches_readers_and_webhooks_once(
    broker, client_for, reviewer, admin_persona, patch_setting, caplog
):
    patch_setting("FACTCHECK_READER_PRERENDER", True)
    patch_setting("FACTCHECK_SITE_URL", "http://testserver")
    newsroom = Receiver()
    try:
        patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [f"127.0.0.1:{newsroom.port}"])
        webhooks.endpoint_create(user=admin_persona, url=newsroom.url, events=["verdict.published"])
        claim = awaiting_approval(reviewer)

        broker.stop()
        with caplog.at_level(logging.WARNING):
            response = _timed_post(
                client_for("editor"),
                reverse("claims:claim_publish", kwargs={"pk": claim.pk}),
                {"version": claim.version},
            )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.status == Claim.Status.PUBLISHED  # committed
        assert Verdict.objects.get(claim=claim).state == Verdict.State.PUBLISHED
        assert "could not enqueue the prerendering of reader pages" in caplog.text
        [delivery] = WebhookDelivery.objects.all()  # the outbox row, made with the change
        assert delivery.delivered_at is None

        # Readers get the published verdict at once: the page is rendered by its first reader.
        page = client_for("anonymous").get(claim_path(claim))
        assert page.status_code == 200 and "No such spending." in page.content.decode()

        broker.start()
        # A minute later (the sweep's grace for a message already queued) the beat's sweep
        # queues the delivery again and a real worker delivers it.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - webhooks.SWEEP_GRACE - timedelta(seconds=1)
        )
        with thread_worker():
            assert webhook_deliveries_sweep() == 1
            wait_for(
                lambda: WebhookDelivery.objects.get(pk=delivery.pk).delivered_at, 20, "delivery"
            )
            assert webhook_deliveries_sweep() == 0
        assert len(newsroom.received) == 1
    finally:
        newsroom.close()
