"""The reader site: latest fact-checks, the article with its published claims highlighted,
the claim's fact-check page, corrections, feeds, sitemap; escaping, CSP, the page cache and
query counts."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.cache import cache as django_cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from audit.models import AuditEvent
from claims import services
from claims.demo import DEMO_PUBLISHER, demo_seed
from claims.models import Article, Claim, Evidence, Verdict
from factcheck.lib.versions import NO_VERSION_CHECK
from reader import cache as reader_cache
from reader.selectors import claim_key, claim_path, quote_context
from sources.models import Link, Source
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    SourceFactory,
    TopicFactory,
    published_claim,
    rating_level,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "The city spent 4.2 million dollars on roads last year.\n\n"
    "Officials said the figure was audited in 2023. The mayor owns three cars."
)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & </script>'


def _claim(article: Article, passage: str) -> Claim:
    start = article.text.index(passage)
    return ClaimFactory(article=article, start=start, end=start + len(passage))


def _publish(claim, reviewer, editor, **draft):
    data = {
        "rating": rating_level("false"),
        "summary": "The city spent 3.1 million.",
        "rationale": "The audited accounts say so.",
    } | draft
    services.verdict_save(claim=claim, user=reviewer, version=NO_VERSION_CHECK, **data)
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    return services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)


def _submit_correction(claim, reviewer):
    """The reviewer drafts a correction of the published verdict (rated true) and submits it."""
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("true"),
        summary="He owns three cars after all.",
        rationale="R",
        correction_note="We checked the register again.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)


def _get(client, name, **kwargs):
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


class _Markup(HTMLParser):
    """Collects what the CSP would block: inline scripts (other than JSON-LD data), style
    elements and attributes, and on*= handlers."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script: str | None = None
        self.json_ld: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            if "src" in names:
                self._in_script = "src"
            elif attrs == [("type", "application/ld+json")]:
                self._in_script = "ld+json"
                self.json_ld.append("")
            else:
                self.problems.append(f"inline script {attrs}")
                self._in_script = "inline"
        if tag == "style":
            self.problems.append("style element")
        for name, _ in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")

    def handle_data(self, data):
        if self._in_script == "ld+json":
            self.json_ld[-1] += data
        elif self._in_script == "src" and data.strip():
            self.problems.append("script with src and content")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def _markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


# ------------------------------------------------------------------------------ home page


def test_the_home_page_lists_published_fact_checks_newest_first_and_nothing_else(
    client, reviewer, editor
):
    article = ArticleFactory(title="Budget story", text=TEXT)
    older = _claim(article, "The city spent 4.2 million dollars on roads last year.")
    newer = _claim(article, "The mayor owns three cars.")
    draft = _claim(article, "Officials said the figure was audited in 2023.")
    _publish(older, reviewer, editor)
    _publish(newer, reviewer, editor, rating=rating_level("true"), summary="He does.")
    services.verdict_save(
        claim=draft,
        user=reviewer,
        rating=rating_level("mixed"),
        summary="SECRET",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    html = _get(client, "reader:home")
    assert "2 fact-checks" in html
    assert html.index("The mayor owns three cars.") < html.index("The city spent 4.2 million")
    assert ">True</span>" in html and ">False</span>" in html and "He does." in html
    assert "Budget story" in html and reverse("reader:claim_page", kwargs={"key": claim_key(newer)})
    assert "SECRET" not in html and "audited in 2023" not in html
    assert not _markup(html).problems


def test_the_home_page_filters_by_rating_publisher_topic_dates_and_words(client):
    bbc, other = SourceFactory(name="Broadcaster"), SourceFactory(name="Daily Other")
    topic = TopicFactory(name="Transport", slug="transport")
    roads = published_claim(rating="false")
    roads.article.publisher = bbc
    roads.article.save()
    roads.article.topics.add(topic)
    cars = published_claim(
        rating="true", article=ArticleFactory(text="The mayor owns three cars.\n\nYes.")
    )
    cars.article.publisher = other
    cars.article.save()
    old = cars.verdicts.get()
    old.published_at = timezone.now() - timedelta(days=40)
    old.save()

    def listed(query: str) -> set[int]:
        html = client.get(f"/?{query}").content.decode()
        return {int(pk) for pk in re.findall(r'href="/claims/(\d+)-', html)}

    assert listed("") == {roads.pk, cars.pk}
    assert listed("rating=false") == {roads.pk}
    assert listed(f"publisher={other.pk}") == {cars.pk}
    assert listed("topic=transport") == {roads.pk}
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert listed(f"since={since}") == {roads.pk}
    assert listed(f"until={since}") == {cars.pk}
    assert listed("q=mayor+cars") == {cars.pk}
    assert listed("rating=no-such-rating") == {roads.pk, cars.pk}  # an unknown value is ignored
    html = client.get("/?topic=transport").content.decode()
    assert "1 fact-check matches the filters" in html and "Clear them" in html
    assert '<option value="transport" selected>Transport</option>' in html


def test_the_home_page_needs_the_same_queries_whatever_the_number_of_cards(
    client, django_assert_num_queries
):
    for _ in range(3):
        published_claim()
    with django_assert_num_queries(5) as small:
        client.get("/?page=1")
    for _ in range(15):
        published_claim(rating="true").article.topics.add(TopicFactory())
    reader_cache.bump(reader_cache.LISTS)  # what publishing through the services does
    with django_assert_num_queries(len(small.captured_queries)):
        html = client.get("/?page=1&q=").content.decode()
    assert html.count('class="card fact-check-card"') == 18


def test_pages_of_one_filter_share_its_count_and_choices_until_the_next_publication(
    client, django_assert_num_queries, reviewer, editor, django_capture_on_commit_callbacks
):
    for _ in range(25):
        published_claim()
    first = client.get("/")
    assert "25 fact-checks" in first.content.decode()
    with django_assert_num_queries(1):  # the page's cards only: count and choices are kept
        second = client.get("/?page=2")
    assert "25 fact-checks" in second.content.decode()
    assert second.content.decode().count('class="card fact-check-card"') == 5
    with django_capture_on_commit_callbacks(execute=True):
        _publish(ClaimFactory(), reviewer, editor)
    assert "26 fact-checks" in client.get("/?page=2").content.decode()


# ---------------------------------------------------------------------------- article page


def test_the_article_page_highlights_published_claims_with_a_focusable_popover(
    client, reviewer, editor
):
    # The full text is shown when the publisher allows it (tests/reader/test_article_excerpts.py
    # covers the quoted excerpts shown otherwise).
    article = ArticleFactory(text=TEXT, may_republish=True)
    roads = _claim(article, "The city spent 4.2 million dollars on roads last year.")
    cars = _claim(article, "The mayor owns three cars.")
    _publish(roads, reviewer, editor)
    _publish(cars, reviewer, editor, rating=rating_level("true"), summary="He does own three.")
    html = _get(client, "reader:article_detail", key=article.slug)
    level = rating_level("false")
    mark = (
        f'<mark class="claim claim-published rating-mark-{level.pk} tint-{level.pk}" '
        f'tabindex="0" aria-describedby="pop-{roads.start}">'
        "The city spent 4.2 million dollars on roads last year.</mark>"
    )
    assert mark in html
    popover = re.search(
        rf'<span class="popover" id="pop-{cars.start}">(.*?)</a></span>', html, re.S
    )
    assert popover and "He does own three." in popover.group(1)
    assert f'href="{claim_path(cars)}"' in popover.group(1)
    tag = f'<a class="rating rating-{level.pk} rating-tag" href="{claim_path(roads)}">False</a>'
    assert tag in html
    strip = re.sub(r"<[^>]+>|\s+", " ", re.search(r"summary-strip.*?</p>", html, re.S).group())
    assert "2 claims checked: 1 true , 1 false" in re.sub(" +", " ", strip)
    assert not _markup(html).problems


@pytest.mark.parametrize("full_text", [True, False])
def test_unpublished_claims_never_reach_the_article_html(full_text, client_for, reviewer, editor):
    article = ArticleFactory(text=TEXT, may_republish=full_text)
    published = _claim(article, "The mayor owns three cars.")
    draft = _claim(article, "The city spent 4.2 million dollars on roads last year.")
    _publish(published, reviewer, editor)
    services.verdict_save(
        claim=draft,
        user=reviewer,
        rating=rating_level("true"),
        summary="DRAFT",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    for persona in ("anonymous", "reader", "reviewer", "editor"):
        html = _get(client_for(persona), "reader:article_detail", key=article.slug)
        # The published claim (and, with the full text, the legend's sample).
        assert html.count("<mark class=") == (2 if full_text else 1)
        assert "DRAFT" not in html and f"/claims/{draft.pk}" not in html
        assert f"fact-check-{draft.pk}" not in html and f"claim-{draft.pk}" not in html


# ------------------------------------------------------------------------------ claim page


def test_the_claim_page_tells_the_whole_fact_check(client, reviewer, editor):
    article = ArticleFactory(
        text=TEXT, url="https://news.example.org/roads", author="Ann Writer", title="Roads"
    )
    claim = _claim(article, "Officials said the figure was audited in 2023.")
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.evidence_add(
        claim=claim,
        user=reviewer,
        url="https://audit.example.org/report",
        stance="refutes",
        quote="No audit took place in 2023.",
    )
    dead = services.evidence_add(
        claim=claim, user=reviewer, url="https://gone.example.net/page", stance="context"
    )
    dead.link.state = "dead"
    dead.link.archive_url = "https://archive.example.org/web/gone.example.net/page"
    dead.link.save()
    _publish(claim, reviewer, editor, summary="No audit took place.", rationale="Line one.")
    _publish(
        claim,
        reviewer,
        editor,
        rating=rating_level("mostly-false"),
        summary="An audit began in 2024.",
        rationale="Line one.\n\nLine two.",
        correction_note="The audit started later than we first said.",
    )

    html = _get(client, "reader:claim_page", key=claim_key(claim))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "The city spent 4.2 million dollars on roads last year." not in text  # other block
    assert "Officials said the figure was audited in 2023. The mayor owns three cars." in text
    assert "Our rating: Mostly false" in text
    assert rating_level("mostly-false").definition in text
    assert "An audit began in 2024." in html and "<p>Line one.</p>" in html
    assert "Refutes the claim" in text and "No audit took place in 2023." in text
    assert 'href="https://audit.example.org/report" rel="noopener nofollow"' in html
    assert "read the archived copy" in html and "archive.example.org" in html
    assert "no longer available at its original address (accessed on" in html
    assert "Correction, " in text and "The audit started later than we first said." in text
    assert "Version 1" in text and "Version 2" in text and "No audit took place." in text
    assert "How we checked this" in text
    assert "2 sources from 2 publishers consulted: 0 supporting, 1 refuting, 1 giving context" in (
        text
    )
    assert "A second editor approved it and it was published." in text
    assert "A second editor approved the correction and it was published as version 2" in text
    assert "persona-reviewer" not in html and "persona-editor" not in html
    assert not _markup(html).problems


def test_reviewer_names_show_only_when_the_desk_allows(client, reviewer, editor, settings):
    claim = ClaimFactory()
    _publish(claim, reviewer, editor)
    assert "persona-editor" not in _get(client, "reader:claim_page", key=claim_key(claim))
    settings.FACTCHECK_SHOW_REVIEWER_NAMES = True
    claim2 = _claim(ArticleFactory(text=TEXT), "The mayor owns three cars.")
    _publish(claim2, reviewer, editor)
    html = _get(client, "reader:claim_page", key=claim_key(claim2))
    assert "written by persona-reviewer · approved by persona-editor" in html
    assert "A second editor (persona-editor) approved it" in html


def test_a_claim_page_answers_to_its_number_with_or_without_words(client):
    claim = published_claim()
    assert client.get(f"/claims/{claim.pk}/").status_code == 200
    assert client.get(f"/claims/{claim.pk}-anything-at-all/").status_code == 200
    assert client.get("/claims/not-a-number/").status_code == 404
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert f'<link rel="canonical" href="http://testserver{claim_path(claim)}">' in html


def test_quote_context_stays_in_the_paragraph_and_is_cut_at_spaces():
    text = "First block.\n\n" + "word " * 100 + "CLAIM here. " + "after " * 100 + "\n\nLast."
    start = text.index("CLAIM")
    before, after = quote_context(text, start, start + len("CLAIM here."), width=50)
    assert before.startswith("… word") and before.endswith("word ")
    assert after.startswith(" after") and after.endswith(" …") and "Last" not in after


# ------------------------------------------------------------------------------ corrections


def test_the_corrections_log_says_what_changed_and_why_newest_first(client, reviewer, editor):
    article = ArticleFactory(text=TEXT)
    first = _claim(article, "The mayor owns three cars.")
    second = _claim(article, "Officials said the figure was audited in 2023.")
    for claim, note in ((first, "Cars were counted twice."), (second, "The audit date changed.")):
        _publish(claim, reviewer, editor)
        _publish(
            claim,
            reviewer,
            editor,
            rating=rating_level("true"),
            summary=f"Corrected summary of {claim.pk}.",
            rationale="R",
            correction_note=note,
        )
    html = _get(client, "reader:corrections")
    assert html.index("The audit date changed.") < html.index("Cars were counted twice.")
    assert "version 2 replaces version 1" in html
    assert (
        "<del>The city spent 3.1 million.</del>" in html
        and f"<ins>Corrected summary of {first.pk}.</ins>" in html
    )
    assert "changed to" in html
    assert not _markup(html).problems


# --------------------------------------------------------------------------- feeds, sitemap


def test_the_feeds_are_atom_and_list_published_work_only(client, reviewer, editor):
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    _publish(claim, reviewer, editor)
    hidden = _claim(article, "Officials said the figure was audited in 2023.")
    services.verdict_save(
        claim=hidden,
        user=reviewer,
        rating=rating_level("true"),
        summary="HIDDEN",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    response = client.get(reverse("reader:feed_fact_checks"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert (
        'xmlns="http://www.w3.org/2005/Atom"' in feed
        and "False: “The mayor owns three cars.”" in feed
    )
    assert f"http://testserver{claim_path(claim)}" in feed and "HIDDEN" not in feed
    _publish(
        claim,
        reviewer,
        editor,
        rating=rating_level("mixed"),
        summary="S2",
        rationale="R",
        correction_note="We miscounted.",
    )
    feed = client.get(reverse("reader:feed_corrections")).content.decode()
    assert "False → Mixed" in feed and "We miscounted." in feed


def test_the_sitemap_lists_published_claims_and_their_articles_only(client):
    claim = published_claim()
    unpublished = ClaimFactory()
    xml = client.get(reverse("reader:sitemap")).content.decode()
    assert f"http://testserver{claim_path(claim)}" in xml
    assert f"/articles/{claim.article.slug}/" in xml
    assert f"/claims/{unpublished.pk}" not in xml and unpublished.article.slug not in xml
    assert "http://testserver/corrections/" in xml


# ----------------------------------------------------------------------- escaping and CSP


def test_text_from_articles_and_reviewers_is_escaped_on_every_page(client, reviewer, editor):
    article = ArticleFactory(
        title=f"Title {HOSTILE}", author=f"Author {HOSTILE}", text=f"Claim {HOSTILE} 42.\n\nMore."
    )
    article.publisher = SourceFactory(name=f"Publisher {HOSTILE}")
    article.save()
    article.topics.add(TopicFactory(name=f"Topic {HOSTILE}"))
    claim = _claim(article, f"Claim {HOSTILE} 42.")
    services.evidence_add(
        claim=claim, user=reviewer, url="https://e.example.org/", stance="refutes", quote=HOSTILE
    )
    _publish(claim, reviewer, editor, summary=f"Summary {HOSTILE}", rationale=f"Why {HOSTILE}")
    _publish(
        claim,
        reviewer,
        editor,
        rating=rating_level("true"),
        summary=f"New {HOSTILE}",
        rationale=f"Why {HOSTILE}",
        correction_note=f"Note {HOSTILE}",
    )
    pages = [
        _get(client, "reader:home"),
        _get(client, "reader:article_detail", key=article.slug),
        _get(client, "reader:claim_page", key=claim_key(claim)),
        _get(client, "reader:corrections"),
        _get(client, "reader:feed_fact_checks"),
        _get(client, "reader:feed_corrections"),
    ]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "</script><img" not in html
    for html in pages[:4]:
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert not _markup(html).problems


def _public_urls() -> tuple[list[str], str]:
    claim = published_claim()
    topic = TopicFactory(slug="roads")
    claim.article.topics.add(topic)
    return [
        "/",
        "/?q=city&rating=false&topic=roads&since=2020-01-01&until=2099-01-01",
        "/?page=2",
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
        reverse("reader:article_detail", kwargs={"key": str(claim.article_id)}),
        claim_path(claim),
        reverse("reader:corrections"),
        reverse("reader:feed_fact_checks"),
        reverse("reader:feed_corrections"),
        reverse("reader:sitemap"),
        reverse("rating_styles"),
        "/claims/999999/",
        "/articles/no-such-article/",
    ], claim_path(claim)


@pytest.mark.parametrize("persona", ["anonymous", "reviewer"])
def test_every_public_page_carries_the_csp_and_no_inline_script_style_or_handler(
    persona, client_for
):
    client = client_for(persona)
    urls, claim_url = _public_urls()
    for url in urls:
        for _ in range(2):  # rendered, then (for anonymous readers) from the cache
            response = client.get(url)
            assert response.status_code in {200, 404}, url
            csp = response["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
            assert "unsafe-inline" not in csp, url
            if response["Content-Type"].startswith("text/html"):
                markup = _markup(response.content.decode())
                assert markup.problems == [], (url, markup.problems)
                # JSON-LD data only on a claim page, one ClaimReview.
                assert len(markup.json_ld) == (1 if url == claim_url else 0), url


# --------------------------------------------------------------------------- page cache


def test_a_cache_hit_makes_no_sql_query(client, django_assert_num_queries):
    claim = published_claim()
    urls = [
        claim_path(claim),
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
        reverse("reader:article_detail", kwargs={"key": str(claim.article_id)}),
        "/",
        "/?rating=false",
        reverse("reader:corrections"),
        reverse("reader:feed_fact_checks"),
        reverse("reader:sitemap"),
    ]
    first = {url: client.get(url) for url in urls}
    for url in urls:
        assert first[url]["X-Reader-Cache"] == "miss", url
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.status_code == 200 and again["X-Reader-Cache"] == "hit", url
        assert again.content == first[url].content, url
        assert again["Content-Type"] == first[url]["Content-Type"]
        assert "Content-Security-Policy" in again and "public" in again["Cache-Control"]
        assert "Cookie" in again["Vary"]


def test_publishing_a_correction_refreshes_the_cached_pages(
    client, reviewer, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor)
    urls = [claim_path(claim), reverse("reader:article_detail", kwargs={"key": article.slug}), "/"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Reader-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        _submit_correction(claim, reviewer)
        # Drafts and submissions change nothing readers see: the pages stay cached.
        assert client.get(urls[0])["X-Reader-Cache"] == "hit"
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    for url in urls:
        response = client.get(url)
        assert response["X-Reader-Cache"] == "miss", url
        assert "He owns three cars after all." in response.content.decode(), url


def test_signed_in_users_are_never_served_or_given_a_cached_page(client_for):
    claim = published_claim()
    anonymous, reviewer = client_for("anonymous"), client_for("reviewer")
    anonymous.get(claim_path(claim))
    response = reviewer.get(claim_path(claim))
    assert "X-Reader-Cache" not in response and "private" in response["Cache-Control"]
    html = response.content.decode()
    assert "persona-reviewer" in html and "Open this claim in the workbench" in html
    cached = anonymous.get(claim_path(claim))
    assert cached["X-Reader-Cache"] == "hit"
    assert "persona-reviewer" not in cached.content.decode()
    assert "Log in" in cached.content.decode()


def test_the_claim_page_needs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    claim = published_claim()
    for _ in range(5):
        EvidenceFactory(claim=claim)
    # 9: one of them the claim's appearances (who said it, where and when; issue 15).
    with django_assert_max_num_queries(9):
        response = client.get(claim_path(claim))
    assert response.status_code == 200
    assert response.content.decode().count('<li class="evidence ') == 5


# ------------------------------------------------------------------- topics and publisher


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 302), ("editor", 302)],
)
def test_reviewers_set_an_articles_topics_and_publisher(persona, status, client_for):
    article = ArticleFactory()
    transport, publisher = TopicFactory(name="Transport"), SourceFactory(name="The Daily")
    response = client_for(persona).post(
        reverse("claims:article_reader_details", kwargs={"pk": article.pk}),
        {
            "topics": [transport.pk],
            "new_topic": "City budget",
            "publisher": publisher.pk,
            "version": article.version,
        },
    )
    assert response.status_code == status
    article.refresh_from_db()
    if persona in {"reviewer", "editor"}:
        assert response["Location"].endswith(f"/review/articles/{article.pk}/#reader-details")
        assert sorted(t.name for t in article.topics.all()) == ["City budget", "Transport"]
        assert article.publisher == publisher
        event = AuditEvent.objects.get(action="claims.article.reader_details_changed")
        assert event.changes["topics"] == [[], ["City budget", "Transport"]]
        assert event.actor.username == f"persona-{persona}"
    else:
        assert article.topics.count() == 0 and article.publisher is None


def test_the_reviewer_article_page_offers_the_topics_form(client_for):
    article = ArticleFactory()
    TopicFactory(name="Health")
    html = _get(client_for("reviewer"), "claims:article_detail", pk=article.pk)
    assert "For readers: topics and publisher" in html and "Health" in html


# --------------------------------------------------------------------------------- demo


def test_the_demo_puts_published_fact_checks_with_evidence_on_the_reader_site(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demo_seed()
    article = Article.objects.get(is_demo=True)
    published = Claim.objects.filter(article=article, status=Claim.Status.PUBLISHED)
    assert published.count() >= 2
    assert all(claim.evidence.exists() for claim in published)
    assert Verdict.objects.filter(claim__article=article, supersedes__isnull=False).exists()
    assert article.publisher.name == DEMO_PUBLISHER and article.topics.count() == 2
    for html in (
        _get(client, "reader:home"),
        _get(client, "reader:article_detail", key=article.slug),
        _get(client, "reader:claim_page", key=claim_key(published.first())),
        _get(client, "reader:corrections"),
    ):
        assert "Demonstration content: not a real fact-check" in html
    # The evidence's publishers are registered, with the rating they had when it was added.
    cited = Evidence.objects.filter(claim__article=article).select_related("source")
    assert {e.source.name for e in cited} == {"NATO", "Wikipedia"}
    assert all(e.source_rating is not None for e in cited)
    count = published.count()
    demo_seed()  # idempotent
    assert Claim.objects.filter(article=article, status=Claim.Status.PUBLISHED).count() == count
    assert Source.objects.filter(name__in=["NATO", "Wikipedia"]).count() == 2


def test_public_pages_answer_head_requests_and_refuse_posts(client):
    claim = published_claim()
    for url in ("/", claim_path(claim), reverse("reader:corrections")):
        assert client.head(url).status_code == 200, url
        assert client.post(url).status_code == 405, url


# ------------------------------------------------------------------- work in progress


def _without_request_id(headers) -> dict:
    return {k: v for k, v in headers.items() if k.lower() != "x-request-id"}


def test_an_article_is_public_only_once_one_of_its_claims_is_published(
    client_for, reviewer, editor
):
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("true"),
        summary="S",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    urls = [f"/articles/{article.slug}/", f"/articles/{article.pk}/"]
    missing = client_for("anonymous").get("/articles/no-such-article/")
    for url in urls:
        response = client_for("anonymous").get(url)
        # The same answer as for an article that does not exist.
        assert response.status_code == 404 and response.content == missing.content, url
        # Every header alike but the request's own id (factcheck.lib.requestid).
        assert _without_request_id(response.headers) == _without_request_id(missing.headers), url
        for persona in ("reviewer", "editor"):  # the desk reads it under /review/
            assert client_for(persona).get(url).status_code == 404, (persona, url)
    sitemap = client_for("anonymous").get(reverse("reader:sitemap")).content.decode()
    assert article.slug not in sitemap
    # The reviewer page offers no "public page" link to a page that does not exist yet.
    html = client_for("reviewer").get(f"/review/articles/{article.pk}/").content.decode()
    assert f'href="/articles/{article.slug}/"' not in html
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    for url in urls:
        assert client_for("anonymous").get(url).status_code == 200, url
    html = client_for("reviewer").get(f"/review/articles/{article.pk}/").content.decode()
    assert f'href="/articles/{article.slug}/"' in html


def test_odd_numbers_in_addresses_are_not_found_rather_than_errors(client):
    for url in ("/articles/²/", "/articles/99999999999999999999999/", "/claims/²/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/claims/99999999999999999999999-words/").status_code == 404


def test_filters_offer_no_publisher_or_topic_that_only_unpublished_articles_have(client):
    shown = published_claim()
    shown.article.publisher = SourceFactory(name="Public Gazette")
    shown.article.save()
    shown.article.topics.add(TopicFactory(name="Roads"))
    hidden = ClaimFactory(status=Claim.Status.IN_REVIEW)
    hidden.article.publisher = SourceFactory(name="Desk Secret Gazette")
    hidden.article.save()
    hidden.article.topics.add(TopicFactory(name="Desk Secret Topic"))
    html = client.get("/").content.decode()
    assert "Public Gazette" in html and ">Roads<" in html
    assert "Desk Secret" not in html


def test_a_correction_in_progress_shows_nothing_until_it_is_published(
    client_for, reviewer, editor, django_capture_on_commit_callbacks
):
    client = client_for("anonymous")
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    services.evidence_add(
        claim=claim, user=reviewer, url="https://register.example.org/", stance="refutes"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor)
    services.evidence_add(
        claim=claim,
        user=reviewer,
        url="https://new-evidence.example.org/",
        stance="supports",
        quote="Three cars are registered.",
    )
    _submit_correction(claim, reviewer)
    for persona in ("anonymous", "editor"):
        reader_cache.bump(reader_cache.claim_scope(claim.pk))  # rendered afresh
        html = client_for(persona).get(claim_path(claim)).content.decode()
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert "register.example.org" in html and "The evidence (1)" in text
        assert "new-evidence.example.org" not in html and "Three cars are" not in html
        assert "He owns three cars after all." not in html and "register again" not in html
        assert text.count("It was submitted for approval.") == 1
        assert "1 source from 1 publisher consulted" in text
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    html = client.get(claim_path(claim)).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "new-evidence.example.org" in html and "The evidence (2)" in text
    assert "He owns three cars after all." in html and "register again" in html
    assert text.count("It was submitted for approval.") == 2


def test_evidence_merged_into_a_published_claim_waits_for_its_next_version(
    client, reviewer, editor
):
    article = ArticleFactory(text=TEXT)
    keep = _claim(article, "The mayor owns three cars.")
    _publish(keep, reviewer, editor)
    duplicate = _claim(article, "Officials said the figure was audited in 2023.")
    services.evidence_add(
        claim=duplicate, user=reviewer, url="https://moved.example.org/", stance="refutes"
    )
    services.claim_merge(
        duplicate=duplicate, keep=keep, user=editor, reason="Same claim.", version=NO_VERSION_CHECK
    )
    assert keep.evidence.count() == 1
    html = client.get(claim_path(keep)).content.decode()
    assert "moved.example.org" not in html and "This verdict cites no outside source." in html


# ------------------------------------------------------------------ evidence link health


_LINK_WORDS = re.compile(
    r"link-badge|link state|\b(failing|blocked|unsafe|redirected|unchecked|alive|moved to)\b",
    re.I,
)


_OVERRIDE = {"override_reason": "Checked by hand.", "override_at": timezone.now()}


def test_readers_see_a_link_only_once_it_is_confirmed_dead_with_its_archived_copy_and_date(
    client, reviewer, editor
):
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "Officials said the figure was audited in 2023.")
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    states = {
        "archived": {"state": "dead", "archive_url": "https://archive.example.org/web/1/x"},
        "gone": {"state": "dead"},
        "called-dead": {"state": "failing", "override_state": "dead", **_OVERRIDE},
        # Failing, with the archived copy looked up already: still nothing to say.
        "failing": {
            "state": "failing",
            "consecutive_failures": 2,
            "archive_url": "https://archive.example.org/web/2/x",
        },
        "blocked": {"state": "blocked", "last_status": 403},
        "unsafe": {"state": "unsafe"},
        "redirected": {"state": "redirected", "moved_to_host": "elsewhere.example.net"},
        "unchecked": {"state": "unchecked"},
        "alive": {"state": "alive"},
        "vouched": {"state": "dead", "override_state": "alive", **_OVERRIDE},
    }
    accessed = timezone.make_aware(timezone.datetime(2024, 3, 5, 12, 0))
    names = list(states)  # the links' addresses say nothing of their state: site-<n>
    for n, fields in enumerate(states.values()):
        evidence = services.evidence_add(
            claim=claim, user=reviewer, url=f"https://site-{n}.example.org/page", stance="context"
        )
        Link.objects.filter(pk=evidence.link_id).update(**fields)
        Evidence.objects.filter(pk=evidence.pk).update(created_at=accessed)
    _publish(claim, reviewer, editor)

    html = _get(client, "reader:claim_page", key=claim_key(claim))
    items = {
        names[int(re.search(r"https://site-(\d+)\.example\.org/page", item).group(1))]: item
        for item in re.findall(r'<li class="evidence .*?</li>', html, re.S)
    }
    assert items.keys() == states.keys()
    date = '(accessed on <time datetime="2024-03-05">5 Mar 2024</time>)'
    assert f"no longer available at its original address {date}" in items["archived"]
    assert 'href="https://archive.example.org/web/1/x" rel="noopener nofollow"' in items["archived"]
    assert f"{date}; no archived copy is known." in items["gone"]
    assert date in items["called-dead"]  # an editor's word counts as the checker's
    for name in ("failing", "blocked", "unsafe", "redirected", "unchecked", "alive", "vouched"):
        assert "archived" not in items[name] and "accessed" not in items[name], name
        assert "no longer" not in items[name], name
        assert not _LINK_WORDS.search(items[name]), name
    assert not _LINK_WORDS.search(html)
    [json_ld] = _markup(html).json_ld
    assert not re.search(r"dead|fail|block|unsafe|redirect|unchecked|archive", json_ld, re.I)


# ----------------------------------------------------------------- browsers and proxies


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def _reader_urls(claim) -> list[str]:
    return [
        claim_path(claim),
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
        reverse("reader:article_detail", kwargs={"key": str(claim.article_id)}),
        "/",
        "/?rating=false",
        reverse("reader:corrections"),
        reverse("reader:feed_fact_checks"),
        reverse("reader:feed_corrections"),
        reverse("reader:sitemap"),
    ]


def test_public_pages_make_browsers_revalidate_and_let_proxies_keep_them_briefly(client, settings):
    settings.FACTCHECK_READER_SHARED_MAX_AGE = 45
    urls = _reader_urls(published_claim())
    etags = set()
    for url in urls:
        miss, hit = client.get(url), client.get(url)
        assert (miss["X-Reader-Cache"], hit["X-Reader-Cache"]) == ("miss", "hit"), url
        for response in (miss, hit):
            assert _cache_control(response) == {
                "public",
                "max-age=0",
                "must-revalidate",
                "s-maxage=45",
            }, url
            assert "Cookie" in response["Vary"], url
            assert response["ETag"].startswith('W/"'), url
            assert "Last-Modified" in response, url
        assert hit["ETag"] == miss["ETag"] and hit["Last-Modified"] == miss["Last-Modified"]
        etags.add(miss["ETag"])
    assert len(etags) == len(urls)  # one per address


def test_a_conditional_request_is_answered_304_from_the_stamps_without_rendering_or_sql(
    client, django_assert_num_queries, monkeypatch
):
    from reader import views

    claim = published_claim()
    urls = _reader_urls(claim)
    first = {url: client.get(url) for url in urls}

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered")

    with monkeypatch.context() as patched:
        patched.setattr(views, "render", no_rendering)
        for url in urls:
            etag = first[url]["ETag"]
            with django_assert_num_queries(0):
                response = client.get(url, HTTP_IF_NONE_MATCH=etag)
                head = client.head(url, HTTP_IF_NONE_MATCH=f'"other", {etag}')
                since = client.get(url, HTTP_IF_MODIFIED_SINCE=first[url]["Last-Modified"])
            for answer in (response, head, since):
                assert answer.status_code == 304, url
                assert answer.content == b"" and answer["ETag"] == etag, url
                assert "public" in _cache_control(answer) and "Cookie" in answer["Vary"], url
                assert answer["X-Reader-Cache"] == "revalidated"
    # Another version, or a time before the last change: the page itself.
    response = client.get(urls[0], HTTP_IF_NONE_MATCH='W/"something-else"')
    assert response.status_code == 200 and response["X-Reader-Cache"] == "hit"
    earlier = http_date(time.time() - 3600)
    assert client.get(urls[0], HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_a_published_correction_reaches_a_revalidating_reader_at_once(
    client, reviewer, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor)
    urls = [
        claim_path(claim),
        reverse("reader:article_detail", kwargs={"key": article.slug}),
        "/",
        reverse("reader:corrections"),
        reverse("reader:feed_corrections"),
    ]
    etags = {url: client.get(url)["ETag"] for url in urls}
    with django_capture_on_commit_callbacks(execute=True):
        _submit_correction(claim, reviewer)
    for url in urls:  # a draft changes nothing readers see
        assert client.get(url, HTTP_IF_NONE_MATCH=etags[url]).status_code == 304, url
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=etags[url])
        assert response.status_code == 200, url
        assert response["ETag"] != etags[url], url
        assert "register again" in response.content.decode() or url in urls[1:3], url
        assert "He owns three cars after all." in response.content.decode(), url
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, url


def test_signed_in_users_get_fresh_private_pages_and_never_a_304(client_for):
    claim = published_claim()
    url = claim_path(claim)
    etag = client_for("anonymous").get(url)["ETag"]
    for persona in ("outsider", "reader", "reviewer", "editor"):
        response = client_for(persona).get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200, persona
        assert "private" in _cache_control(response), persona
        assert "public" not in _cache_control(response), persona
        assert "ETag" not in response and "Last-Modified" not in response, persona
        assert "X-Reader-Cache" not in response, persona


def test_an_address_that_names_nothing_public_is_never_not_modified(client):
    unpublished = ClaimFactory()
    urls = [
        f"/articles/{unpublished.article_id}/",
        f"/articles/{unpublished.article.slug}/",
        "/articles/999999/",
        f"/claims/{unpublished.pk}/",
        "/claims/999999/",
    ]
    later = http_date(time.time() + 60)
    for url in urls:
        assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 404, url
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=later).status_code == 404, url
        response = client.get(url)
        assert "ETag" not in response and "public" not in response.get("Cache-Control", "")


def test_a_page_evicted_from_the_cache_is_rendered_again_and_still_revalidated(client):
    claim = published_claim()
    url = claim_path(claim)
    etag = client.get(url)["ETag"]
    django_cache.delete(
        reader_cache.page_key(reader_cache.claim_scope(claim.pk), f"testserver{url}")
    )
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response["ETag"] == etag
    assert client.get(url)["X-Reader-Cache"] == "hit"  # stored again on the way


def test_a_dead_pages_accessed_on_date_is_its_snapshots(client):
    """The snapshot taken when the page was cited says when it was read; without one, the
    citation's date does."""
    from sources.models import Snapshot
    from tests.factories import EvidenceFactory, LinkFactory, published_claim

    claim = published_claim()
    cited = timezone.make_aware(timezone.datetime(2024, 3, 5, 12, 0))
    with_snapshot = EvidenceFactory(claim=claim, link=LinkFactory(state="dead"))
    without = EvidenceFactory(claim=claim, link=LinkFactory(state="dead"))
    Evidence.objects.filter(pk__in=[with_snapshot.pk, without.pk]).update(created_at=cited)
    fetched = timezone.make_aware(timezone.datetime(2024, 3, 6, 9, 0))
    Snapshot.objects.create(
        link=with_snapshot.link, url=with_snapshot.link.url, state="done",
        requested_at=cited + timezone.timedelta(seconds=1), fetched_at=fetched,
    )  # fmt: skip
    html = client.get(claim_path(claim)).content.decode()
    assert '(accessed on <time datetime="2024-03-06">6 Mar 2024</time>)' in html
    assert '(accessed on <time datetime="2024-03-05">5 Mar 2024</time>)' in html
