"""Published pages are rendered into the reader cache ahead of readers: by the job that
publishing enqueues and by ``manage.py warm_reader_cache``; and the cache lets go of pages
when what they show changes without a publication (link health, an admin's edit, a deploy)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from kombu.exceptions import OperationalError

from claims import services
from factcheck.lib.versions import NO_VERSION_CHECK
from reader import cache as reader_cache
from reader.prerender import reader_pages_prerender
from reader.selectors import claim_path
from reader.tasks import reader_pages_prerender as prerender_task
from sources.models import Link
from sources.signals import links_changed
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    TopicFactory,
    published_claim,
    rating_level,
)

pytestmark = pytest.mark.django_db

TEXT = "The mayor owns three cars. The city spent 4.2 million dollars on roads last year."


@pytest.fixture(autouse=True)
def _site_is_the_test_server(settings):
    # Readers' requests come to the test client's host; prerendering renders for the
    # site's public address, so they must be the same for the pages to be found.
    settings.FACTCHECK_SITE_URL = "http://testserver"


def _publish(claim, reviewer, editor, **draft):
    data = {"rating": rating_level("false"), "summary": "No.", "rationale": "Records."} | draft
    services.verdict_save(claim=claim, user=reviewer, version=NO_VERSION_CHECK, **data)
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    return services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)


def _claim(article, passage):
    start = article.text.index(passage)
    return ClaimFactory(article=article, start=start, end=start + len(passage))


def test_a_prerendered_page_is_a_readers_first_hit_with_no_sql_query(
    client, django_assert_num_queries
):
    claim = published_claim()
    done = reader_pages_prerender(claim_ids=[claim.pk], article_ids=[claim.article_id])
    assert (done.pages, done.failed) == (3, 0)  # the claim, its article and the home page
    for url in (
        claim_path(claim),
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
        "/",
    ):
        with django_assert_num_queries(0):
            response = client.get(url)
        assert response.status_code == 200 and response["X-Reader-Cache"] == "hit", url
        assert "Content-Security-Policy" in response


def test_a_prerendered_page_is_the_page_a_reader_would_have_been_served(client):
    claim = published_claim()
    served = client.get(claim_path(claim))
    assert served["X-Reader-Cache"] == "miss"
    reader_cache.bump(reader_cache.claim_scope(claim.pk))
    reader_pages_prerender(claim_ids=[claim.pk], article_ids=[], lists=False)
    prerendered = client.get(claim_path(claim))
    assert prerendered["X-Reader-Cache"] == "hit"
    assert prerendered.content == served.content


def test_unpublished_claims_are_never_prerendered(client):
    draft = ClaimFactory()
    done = reader_pages_prerender(claim_ids=[draft.pk], article_ids=[], lists=False)
    assert done.pages == 0
    assert client.get(f"/claims/{draft.pk}/").status_code == 404


def test_publishing_renders_the_pages_before_the_first_reader_comes(
    client, reviewer, editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_READER_PRERENDER = True
    # The job runs in this process, as a worker would run it (the broker is not the subject).
    monkeypatch.setattr(
        prerender_task, "apply_async", lambda args, **kw: prerender_task.apply(args)
    )
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor, summary="He owns two.")
    response = client.get(claim_path(claim))
    assert response["X-Reader-Cache"] == "hit"
    assert "He owns two." in response.content.decode()
    assert (
        client.get(reverse("reader:article_detail", kwargs={"key": article.slug}))["X-Reader-Cache"]
        == "hit"
    )


def test_publishing_still_succeeds_when_the_broker_is_down(
    client, reviewer, editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_READER_PRERENDER = True

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(prerender_task, "apply_async", broker_down)
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor, summary="He owns two.")
    claim.refresh_from_db()
    assert claim.status == claim.Status.PUBLISHED
    response = client.get(claim_path(claim))  # the first reader renders it instead
    assert response["X-Reader-Cache"] == "miss" and "He owns two." in response.content.decode()


def test_the_warm_command_renders_every_published_page(client, django_assert_num_queries):
    claims = [published_claim() for _ in range(3)]
    ClaimFactory()  # not published: not rendered
    out = io.StringIO()
    call_command("warm_reader_cache", stdout=out)
    articles = {c.article_id for c in claims}
    assert out.getvalue().startswith(f"{len(claims) + len(articles) + 1} pages rendered")
    for claim in claims:
        with django_assert_num_queries(0):
            assert client.get(claim_path(claim))["X-Reader-Cache"] == "hit"


def test_the_warm_command_shares_the_work_between_shards(client):
    claims = [published_claim() for _ in range(4)]
    outputs = []
    for shard in ("0/2", "1/2"):
        out = io.StringIO()
        call_command("warm_reader_cache", shard=shard, stdout=out)
        outputs.append(int(out.getvalue().split()[0]))
    assert sum(outputs) == 2 * len(claims) + 1 and min(outputs) > 0
    assert all(client.get(claim_path(c))["X-Reader-Cache"] == "hit" for c in claims)


@pytest.mark.parametrize("shard", ["2/2", "x", "1/0", "-1/3"])
def test_the_warm_command_refuses_a_bad_shard(shard):
    with pytest.raises(CommandError, match="shard"):
        call_command("warm_reader_cache", shard=shard, stdout=io.StringIO())


def test_the_warm_command_names_the_setting_when_the_site_host_is_not_allowed(settings):
    published_claim()
    settings.FACTCHECK_SITE_URL = "https://elsewhere.example"
    with pytest.raises(CommandError, match="FACTCHECK_SITE_URL"):
        call_command("warm_reader_cache", stdout=io.StringIO())


def test_a_change_in_the_health_of_evidence_refreshes_the_claim_page(
    client, django_capture_on_commit_callbacks
):
    claim = published_claim()
    link = LinkFactory(state=Link.State.ALIVE)
    EvidenceFactory(claim=claim, link=link)
    other = published_claim()
    urls = [claim_path(claim), claim_path(other)]
    for url in urls:
        client.get(url)
    # What sources' link-health services send (the one hook of link health).
    with django_capture_on_commit_callbacks(execute=True):
        links_changed.send(sender=Link, links=[link], risk_changed={})
    assert client.get(urls[0])["X-Reader-Cache"] == "miss"
    assert client.get(urls[1])["X-Reader-Cache"] == "hit"  # its evidence did not change


def test_an_edit_of_what_every_page_shows_refreshes_every_page(
    client, django_capture_on_commit_callbacks
):
    claim = published_claim()
    urls = [claim_path(claim), "/"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Reader-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        services.reader_site_changed()
    for url in urls:
        assert client.get(url)["X-Reader-Cache"] == "miss", url


def test_pages_rendered_by_another_release_are_not_served(client, monkeypatch):
    claim = published_claim()
    client.get(claim_path(claim))
    assert client.get(claim_path(claim))["X-Reader-Cache"] == "hit"
    monkeypatch.setattr(reader_cache, "release", lambda: "next-release")
    assert client.get(claim_path(claim))["X-Reader-Cache"] == "miss"


def test_the_release_fingerprint_follows_the_templates(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>one</p>")
    settings.BASE_DIR = tmp_path
    reader_cache.release.cache_clear()
    try:
        first = reader_cache.release()
        page.write_text("<p>one, then two</p>")
        reader_cache.release.cache_clear()
        assert reader_cache.release() != first
    finally:
        reader_cache.release.cache_clear()


def test_a_damaged_cache_entry_is_rendered_again_not_served(client):
    claim = published_claim()
    client.get(claim_path(claim))
    from django.core.cache import cache

    key = reader_cache.page_key(
        reader_cache.claim_scope(claim.pk), f"testserver{claim_path(claim)}"
    )
    assert cache.get(key) is not None
    cache.set(key, b"not a page")
    response = client.get(claim_path(claim))
    assert response.status_code == 200 and response["X-Reader-Cache"] == "miss"


def test_an_admin_edit_of_a_topic_refreshes_the_reader_pages(
    client, client_for, django_capture_on_commit_callbacks
):
    claim = published_claim()
    topic = TopicFactory(name="Roads")
    claim.article.topics.add(topic)
    url = claim_path(claim)
    client.get(url)
    assert client.get(url)["X-Reader-Cache"] == "hit"
    admin = client_for("admin")
    change = reverse("admin:claims_topic_change", args=[topic.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            change, {"name": "Roads and bridges", "slug": "roads", "version": topic.version}
        )
    assert response.status_code == 302
    response = client.get(url)
    assert response["X-Reader-Cache"] == "miss"


def test_the_link_checker_and_editors_refresh_the_pages_that_cite_a_link(
    client, client_for, editor, django_capture_on_commit_callbacks
):
    from sources import services as link_services
    from sources.fetching import CheckResult, Outcome

    claim = published_claim()
    link = LinkFactory(state=Link.State.ALIVE)
    EvidenceFactory(claim=claim, link=link)
    url = claim_path(claim)

    def cached_again() -> bool:
        client.get(url)
        return client.get(url)["X-Reader-Cache"] == "hit"

    assert cached_again()
    # A failure that changes the link's state (alive -> failing) refreshes the page, which
    # still says nothing of it: only a link confirmed dead is readers' business ...
    with django_capture_on_commit_callbacks(execute=True):
        link_services.link_check_record(
            link=link, result=CheckResult(url=link.url, outcome=Outcome.NOT_FOUND, status=404)
        )
    link.refresh_from_db()
    assert link.state == Link.State.FAILING
    response = client.get(url)
    assert response["X-Reader-Cache"] == "miss"
    assert "Failing" not in response.content.decode()
    assert "no longer available" not in response.content.decode()
    assert cached_again()
    # ... a check that changes nothing people see keeps the page ...
    with django_capture_on_commit_callbacks(execute=True):
        link_services.link_check_record(
            link=link, result=CheckResult(url=link.url, outcome=Outcome.NOT_FOUND, status=404)
        )
    assert client.get(url)["X-Reader-Cache"] == "hit"
    # ... and an editor's word that it is dead shows at once.
    with django_capture_on_commit_callbacks(execute=True):
        link_services.link_override_set(
            link=link,
            user=editor,
            state=Link.State.DEAD,
            reason="The site was shut down.",
            version=NO_VERSION_CHECK,
        )
    response = client.get(url)
    assert response["X-Reader-Cache"] == "miss"
    assert "no longer available at its original address" in response.content.decode()
