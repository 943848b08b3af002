"""The site-wide ClaimReview feed (``/feeds/claimreview.json``, a schema.org DataFeed): every
published review exactly as its claim's page embeds it, in a fixed number of queries, cached
on the lists' stamp; read back by ``manage.py import_factchecks`` (from a file and through the
guarded fetcher from a local server) into the same fact-checks, twice without a change; and
every review the site publishes checked against the search engines' ClaimReview guidelines."""

from __future__ import annotations

import datetime
import itertools
import json
from urllib.parse import urlsplit

import extruct
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims import services
from claims.models import Article, Claim, Claimant, ExternalFactCheck
from factcheck.lib.versions import NO_VERSION_CHECK
from reader import cache as reader_cache
from reader.claimreview import claim_review_feed
from reader.selectors import claim_path
from tests.factories import ArticleFactory, ClaimFactory, rating_level
from tests.sources.httpserver import LocalHTTPServer, respond

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
FEED = "/feeds/claimreview.json"
ORGANISATION = "Example Fact-check Desk"
_N = itertools.count()


@pytest.fixture(autouse=True)
def _organisation(settings):
    settings.FACTCHECK_ORGANISATION = ORGANISATION


def _publish(claim, reviewer, editor, *, rating="false", summary="Not so.", **extra):
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level(rating),
        summary=summary,
        rationale="Because.",
        version=NO_VERSION_CHECK,
        **extra,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    return Claim.objects.get(pk=claim.pk)


def _claim(**article_fields) -> Claim:
    n = next(_N)
    article = ArticleFactory(
        text=f"The council spent {n} million on parks.\n\nNobody counted them.", **article_fields
    )
    return ClaimFactory(article=article)


def _with_claimant_and_appearances(reviewer, editor) -> Claim:
    """Said by a named minister on TV, on the web and in a dated article."""
    claim = _claim(
        url="https://news.example.org/parks",
        title="Parks budget",
        published_at=timezone.make_aware(datetime.datetime(2026, 3, 5, 9, 0)),
    )
    services.primary_appearances_follow([claim])
    minister = Claimant.objects.create(
        name="Jane Minister", kind="person", url="https://gov.example/jane"
    )
    services.claim_claimant_set(
        claim=claim, claimant=minister, user=editor, version=NO_VERSION_CHECK
    )
    services.appearance_add(
        claim=claim,
        user=editor,
        version=NO_VERSION_CHECK,
        kind="spoken",
        medium="tv",
        programme="Evening News",
        said_on=datetime.date(2026, 3, 1),
    )
    services.appearance_add(
        claim=claim,
        user=editor,
        version=NO_VERSION_CHECK,
        kind="web",
        url="https://social.example/jane/1",
        said_on=datetime.date(2026, 3, 2),
    )
    return _publish(claim, reviewer, editor, rating="mostly-false")


def _without_claimant_corrected_off_the_scale(reviewer, editor) -> Claim:
    """No claimant, an article with neither address nor date, corrected to a rating off the
    true/false line (no number)."""
    claim = _publish(_claim(), reviewer, editor, rating="true")
    return _publish(
        claim,
        reviewer,
        editor,
        rating="unsupported",
        summary="We could not confirm it.",
        correction_note="The source was withdrawn.",
    )


def _site(reviewer, editor) -> list[Claim]:
    """Three published fact-checks amid work that must never reach the feed."""
    published = [
        _with_claimant_and_appearances(reviewer, editor),
        _without_claimant_corrected_off_the_scale(reviewer, editor),
        _publish(_claim(url="https://news.example.org/plain"), reviewer, editor, rating="true"),
    ]
    draft = _claim()
    services.verdict_save(
        claim=draft,
        user=reviewer,
        rating=rating_level("true"),
        summary="DRAFT summary",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    ClaimFactory(article=ArticleFactory(title="Untouched article"))
    return published


def _feed(client) -> dict:
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    return json.loads(response.content)


def _embedded(client, claim) -> dict:
    html = client.get(claim_path(claim)).content.decode()
    [review] = extruct.extract(html, base_url=BASE + claim_path(claim), syntaxes=["json-ld"])[
        "json-ld"
    ]
    return review


# --------------------------------------------------------------------------------- the feed


def test_the_feed_carries_every_published_review_exactly_as_its_page_embeds_it(
    client, reviewer, editor
):
    published = _site(reviewer, editor)
    feed = _feed(client)
    assert feed["@context"] == "https://schema.org" and feed["@type"] == "DataFeed"
    assert feed["dataFeedElement"] == [_embedded(client, claim) for claim in published]
    latest = max(v.published_at for c in published for v in c.verdicts.all())
    assert feed["dateModified"] == latest.astimezone(datetime.UTC).isoformat(timespec="seconds")
    text = json.dumps(feed)
    assert "DRAFT" not in text and "Untouched article" not in text


def test_a_feed_with_nothing_published_is_a_valid_empty_data_feed(client):
    ClaimFactory()  # a claim nobody has checked
    assert _feed(client) == {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [],
    }


@pytest.mark.parametrize(
    "state", [Article.IngestState.WITHDRAWN, Article.IngestState.PROCESSING], ids=str
)
def test_a_withdrawn_or_processing_article_never_appears(
    state, client, reviewer, editor, capsys, settings
):
    kept = _publish(_claim(), reviewer, editor)
    hidden = _publish(_claim(), reviewer, editor)
    Article.objects.filter(pk=hidden.article_id).update(ingest_state=state)
    urls = [review["url"] for review in _feed(client)["dataFeedElement"]]
    assert urls == [BASE + claim_path(kept)]
    assert client.get(claim_path(hidden)).status_code == 404
    article = reverse("reader:article_detail", kwargs={"key": hidden.article.slug})
    assert client.get(article).status_code == 404
    # Nor anywhere else readers look: the lists, the Atom feeds, the sitemap, the export.
    for url in ("/", "/feeds/fact-checks/", "/sitemap.xml", "/corrections/"):
        page = client.get(url).content.decode()
        assert claim_path(kept) in page or url == "/corrections/", url
        assert claim_path(hidden) not in page and hidden.article.slug not in page, url
    call_command("export_claimreview")
    exported = json.loads(capsys.readouterr().out)
    assert [review["url"] for review in exported] == [
        f"{settings.FACTCHECK_SITE_URL.rstrip('/')}{claim_path(kept)}"
    ]


def test_the_feed_needs_the_same_few_queries_however_many_claims(
    client, reviewer, editor, django_assert_num_queries
):
    for _ in range(2):
        _publish(_claim(), reviewer, editor)
    # Scale bounds, the claims, their public versions, their appearances (with articles).
    with django_assert_num_queries(4):
        assert len(_feed(client)["dataFeedElement"]) == 2
    for _ in range(5):
        _publish(_claim(), reviewer, editor)
    reader_cache.bump(reader_cache.LISTS)
    with django_assert_num_queries(4):
        assert len(_feed(client)["dataFeedElement"]) == 7


def test_a_large_feed_is_read_in_chunks_and_misses_no_claim(
    client, reviewer, editor, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("reader.claimreview.CHUNK", 2)
    claims = [_publish(_claim(), reviewer, editor) for _ in range(5)]
    # Scale bounds and the claims, then versions and appearances per chunk of two.
    with django_assert_num_queries(2 + 2 * 3):
        feed = _feed(client)
    assert [r["url"] for r in feed["dataFeedElement"]] == [BASE + claim_path(c) for c in claims]
    assert feed["dataFeedElement"][4] == _embedded(client, claims[4])


def test_the_feed_is_cached_until_something_is_published(
    client, reviewer, editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    first = _publish(_claim(), reviewer, editor)
    assert client.get(FEED)["X-Reader-Cache"] == "miss"
    with django_assert_num_queries(0):
        hit = client.get(FEED)
    assert hit["X-Reader-Cache"] == "hit"
    assert hit["Content-Type"] == "application/ld+json; charset=utf-8"
    with django_capture_on_commit_callbacks(execute=True):
        second = _publish(_claim(), reviewer, editor)
    urls = [review["url"] for review in _feed(client)["dataFeedElement"]]
    assert urls == [BASE + claim_path(first), BASE + claim_path(second)]


def test_the_builder_writes_one_data_feed_without_a_request(reviewer, editor):
    claim = _publish(_claim(), reviewer, editor)
    feed = json.loads(claim_review_feed(user=AnonymousUser(), base_url="https://fc.example/"))
    [review] = feed["dataFeedElement"]
    assert review["url"] == "https://fc.example" + claim_path(claim)
    assert review["author"]["url"] == "https://fc.example/"


def test_pages_point_to_the_feed(client, reviewer, editor):
    claim = _publish(_claim(), reviewer, editor)
    link = f'<link rel="alternate" type="application/ld+json" title="Every fact-check as ClaimReview" href="{FEED}">'  # noqa: E501
    for url in ("/", claim_path(claim)):
        assert link in client.get(url).content.decode(), url
    assert (
        f'<a href="{FEED}">every fact-check as ClaimReview</a>' in client.get("/").content.decode()
    )


def test_the_feed_answers_head_and_refuses_posts(client):
    assert client.head(FEED).status_code == 200
    assert client.post(FEED).status_code == 405


# ---------------------------------------------------------------------------- round trip


def _imported_matches(published, feed) -> None:
    """Every published review is one external fact-check with its url, wording, rating,
    publisher and date."""
    assert ExternalFactCheck.objects.count() == len(published)
    for review in feed["dataFeedElement"]:
        row = ExternalFactCheck.objects.get(url=review["url"])
        assert row.claim_reviewed == review["claimReviewed"]
        assert row.rating == review["reviewRating"]["alternateName"]
        assert row.rating_value == review["reviewRating"].get("ratingValue")
        assert row.publisher_name == ORGANISATION
        assert row.publisher_url == BASE + "/"
        assert row.date_published == datetime.date.fromisoformat(review["datePublished"])
        author = review["itemReviewed"].get("author")
        assert row.claimant == (author["name"] if author else "")
    assert {r.url for r in ExternalFactCheck.objects.all()} == {
        BASE + claim_path(claim) for claim in published
    }


def test_importing_the_feed_from_a_file_brings_back_every_review_once(
    client, reviewer, editor, tmp_path, capsys
):
    published = _site(reviewer, editor)
    path = tmp_path / "claimreview.json"
    path.write_bytes(client.get(FEED).content)
    feed = json.loads(path.read_text(encoding="utf-8"))
    call_command("import_factchecks", str(path))
    assert "3 imported, 0 updated, 0 unchanged, 0 refused" in capsys.readouterr().out
    _imported_matches(published, feed)
    versions = dict(ExternalFactCheck.objects.values_list("url", "version"))
    events = AuditEvent.objects.filter(action__startswith="claims.external_factcheck").count()
    call_command("import_factchecks", str(path))  # again: nothing changes
    assert "0 imported, 0 updated, 3 unchanged, 0 refused" in capsys.readouterr().out
    assert dict(ExternalFactCheck.objects.values_list("url", "version")) == versions
    assert (
        AuditEvent.objects.filter(action__startswith="claims.external_factcheck").count() == events
    )
    _imported_matches(published, feed)


@pytest.fixture
def server(settings):
    with LocalHTTPServer() as local:
        settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"{local.host}:{local.port}"]
        yield local


def test_importing_the_feed_by_address_goes_through_the_guarded_fetcher(
    client, reviewer, editor, server, capsys
):
    published = _site(reviewer, editor)
    body = client.get(FEED).content
    server.route(FEED, respond(200, body, content_type="application/ld+json; charset=utf-8"))
    url = f"http://{server.host}:{server.port}{FEED}"
    call_command("import_factchecks", url)
    assert "3 imported" in capsys.readouterr().out
    assert any(request.path == FEED for request in server.requests)
    _imported_matches(published, json.loads(body))
    call_command("import_factchecks", url)
    assert "0 imported, 0 updated, 3 unchanged" in capsys.readouterr().out


# ----------------------------------------------------------- the ClaimReview guidelines


def _date(value) -> datetime.date:
    assert isinstance(value, str), value
    return datetime.date.fromisoformat(value[:10])


def guideline_problems(review: dict, site: str) -> list[str]:
    """What ``review`` misses of the required and recommended properties of the search
    engines' published ClaimReview guidelines (Google Search Central, "Fact check
    (ClaimReview) structured data"), as this site can give them."""
    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    # Required: claimReviewed, reviewRating (alternateName; the numbers when numeric), url.
    need(review.get("@type") == "ClaimReview", "@type ClaimReview")
    need(isinstance(review.get("claimReviewed"), str) and review["claimReviewed"].strip() != "",
         "claimReviewed")  # fmt: skip
    url = urlsplit(review.get("url") or "")
    need(url.scheme in {"http", "https"} and url.netloc == urlsplit(site).netloc,
         "url: the fact-check's page, on the site publishing it")  # fmt: skip
    rating = review.get("reviewRating") or {}
    need(rating.get("@type") == "Rating", "reviewRating @type Rating")
    need(bool(rating.get("alternateName")), "reviewRating.alternateName")
    need(rating.get("name") == rating.get("alternateName"), "reviewRating.name")
    numbers = [rating.get(k) for k in ("ratingValue", "bestRating", "worstRating")]
    if any(n is not None for n in numbers):
        value, best, worst = numbers
        numeric = all(isinstance(n, int | float) for n in numbers)
        need(numeric, "ratingValue, bestRating and worstRating together, as numbers")
        if numeric:
            need(worst < best, "worstRating below bestRating")
            need(worst <= value <= best, "ratingValue between worstRating and bestRating")
    # Recommended: author (the organisation: name and url), datePublished, itemReviewed.
    author = review.get("author") or {}
    need(author.get("@type") == "Organization", "author @type Organization")
    need(author.get("name") == ORGANISATION, "author.name")
    need(author.get("url") == site.rstrip("/") + "/", "author.url")
    need("datePublished" in review, "datePublished")
    if "datePublished" in review:
        _date(review["datePublished"])
    item = review.get("itemReviewed") or {}
    need(item.get("@type") == "Claim", "itemReviewed @type Claim")
    works = item.get("appearance") or []
    need(bool(works), "itemReviewed.appearance")
    for work in works:
        need(work.get("@type") == "CreativeWork", "appearance @type CreativeWork")
        need(bool(work.get("url") or work.get("name")), "appearance names a url or a name")
    need(item.get("firstAppearance") in works, "itemReviewed.firstAppearance, one of them")
    dated = [_date(w["datePublished"]) for w in works if "datePublished" in w]
    if dated:  # when the claim was first made, if any appearance says
        need(item.get("datePublished") == min(dated).isoformat(), "itemReviewed.datePublished")
        need(item["firstAppearance"].get("datePublished") == min(dated).isoformat(),
             "firstAppearance is the earliest")  # fmt: skip
    else:
        need("datePublished" not in item, "no claim date made up")
    claimant = item.get("author")
    if claimant is not None:
        need(claimant.get("@type") in {"Person", "Organization"},
             "itemReviewed.author Person or Organization")  # fmt: skip
        need(bool(claimant.get("name")), "itemReviewed.author.name")
    return problems


def test_every_review_the_site_publishes_follows_the_guidelines(client, reviewer, editor):
    with_claimant, without, plain = _site(reviewer, editor)
    feed = _feed(client)["dataFeedElement"]
    pages = [_embedded(client, claim) for claim in (with_claimant, without, plain)]
    for review in feed + pages:
        assert guideline_problems(review, BASE) == [], review["url"]

    by_url = {review["url"]: review for review in feed}
    # With a claimant: who made the claim, every appearance, the first and its date.
    item = by_url[BASE + claim_path(with_claimant)]["itemReviewed"]
    assert item["author"] == {
        "@type": "Person",
        "name": "Jane Minister",
        "sameAs": "https://gov.example/jane",
    }
    assert len(item["appearance"]) == 3
    assert item["firstAppearance"]["name"] == "TV: Evening News"
    assert item["datePublished"] == "2026-03-01"
    rating = by_url[BASE + claim_path(with_claimant)]["reviewRating"]
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (2, 5, 1)
    # Without one: no author (the article's reporter did not make the claim), no date made
    # up, and a rating off the true/false line given by its name alone.
    review = by_url[BASE + claim_path(without)]
    assert "author" not in review["itemReviewed"] and "datePublished" not in review["itemReviewed"]
    assert review["reviewRating"]["alternateName"] == "Unsupported"
    assert "ratingValue" not in review["reviewRating"]
    assert review["dateModified"] >= review["datePublished"]


def test_the_guideline_check_finds_what_a_review_misses(client, reviewer, editor):
    claim = _publish(_claim(), reviewer, editor)
    [review] = _feed(client)["dataFeedElement"]
    broken = json.loads(json.dumps(review))
    del broken["reviewRating"]["alternateName"]
    broken["reviewRating"]["worstRating"] = 9
    broken["url"] = "https://elsewhere.example/" + claim_path(claim)
    del broken["author"]["url"]
    problems = guideline_problems(broken, BASE)
    assert "reviewRating.alternateName" in problems and "author.url" in problems
    assert "worstRating below bestRating" in problems
    assert any(p.startswith("url") for p in problems)
