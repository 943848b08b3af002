"""Who said it, where and when on the reader site (issue 15): the claim page, the claimant
page and the ClaimReview's itemReviewed (author = the claimant, appearance, firstAppearance),
checked against the search engines' ClaimReview guidelines."""

from __future__ import annotations

import datetime
import json

import extruct
import pytest
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Claim, Claimant
from factcheck.lib.versions import NO_VERSION_CHECK
from reader import cache
from reader.selectors import claim_path, claimant_key
from tests.factories import ArticleFactory, ClaimFactory, published_claim

pytestmark = pytest.mark.django_db
BASE = "http://testserver"

# The search engines' published structured-data guidelines for fact-checks (ClaimReview),
# in our words: what a ClaimReview must carry, and what it should.
REQUIRED = {
    "claimReviewed": "the claim checked, in short",
    "reviewRating": "the rating given",
    "reviewRating.alternateName": "the rating in words",
    "url": "the fact-check's own page",
}
RECOMMENDED = {
    "author": "the organisation publishing the fact-check",
    "author.name": "its name",
    "datePublished": "when the fact-check was published",
    "itemReviewed": "the Claim checked",
    "itemReviewed.author": "who made the claim: a Person or Organization",
    "itemReviewed.author.name": "their name",
    "itemReviewed.author.sameAs": "a page that identifies them",
    "itemReviewed.appearance": "works in which the claim appears",
    "itemReviewed.firstAppearance": "the work in which it first appeared",
    "itemReviewed.datePublished": "when the claim was made",
    "reviewRating.ratingValue": "the rating as a number",
    "reviewRating.bestRating": "the best value on the scale",
    "reviewRating.worstRating": "the worst value on the scale",
}


def _get(data, dotted: str):
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _claim_with_claimant(editor):
    article = ArticleFactory(
        url="https://news.example.org/health",
        title="Health budget",
        published_at=timezone.make_aware(datetime.datetime(2026, 3, 5, 9, 0)),
    )
    claim = published_claim(article=article, rating="false")
    jane = Claimant.objects.create(
        name="Jane Minister",
        kind="person",
        description="Minister of Health",
        url="https://gov.example/jane",
        wikidata_id="Q42",
    )
    services.primary_appearances_follow([claim])
    services.claim_claimant_set(claim=claim, claimant=jane, user=editor, version=claim.version)
    services.appearance_add(
        claim=claim,
        user=editor,
        version=NO_VERSION_CHECK,
        kind="spoken",
        medium="tv",
        programme="Evening News",
        timestamp="00:12:30",
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
    return Claim.objects.get(pk=claim.pk), jane


def _review(client, claim) -> dict:
    html = client.get(claim_path(claim)).content.decode()
    [review] = extruct.extract(html, base_url=BASE + claim_path(claim), syntaxes=["json-ld"])[
        "json-ld"
    ]
    return review


def test_the_claim_page_says_who_said_it_where_and_when(client, editor):
    claim, jane = _claim_with_claimant(editor)
    page = client.get(claim_path(claim)).content.decode()
    assert "Jane Minister" in page and "Minister of Health" in page
    assert reverse("reader:claimant_page", kwargs={"key": claimant_key(jane)}) in page
    assert "Evening News" in page and "00:12:30" in page
    assert "https://social.example/jane/1" in page and "Health budget" in page
    assert "(first appearance)" in page


def test_the_claim_reviews_author_is_the_claimant_with_every_appearance(client, editor):
    claim, _jane = _claim_with_claimant(editor)
    item = _review(client, claim)["itemReviewed"]
    assert item["author"] == {
        "@type": "Person",
        "name": "Jane Minister",
        "description": "Minister of Health",
        "sameAs": ["https://gov.example/jane", "https://www.wikidata.org/wiki/Q42"],
    }
    spoken = {
        "@type": "CreativeWork",
        "name": "TV: Evening News (00:12:30)",
        "datePublished": "2026-03-01",
    }
    assert item["appearance"] == [
        spoken,
        {
            "@type": "CreativeWork",
            "url": "https://social.example/jane/1",
            "datePublished": "2026-03-02",
        },
        {
            "@type": "CreativeWork",
            "headline": "Health budget",
            "url": "https://news.example.org/health",
            "datePublished": "2026-03-05",
        },
    ]
    assert item["firstAppearance"] == spoken
    assert item["datePublished"] == "2026-03-01"


def test_an_organisation_claimant_is_an_organization(client, editor):
    claim, jane = _claim_with_claimant(editor)
    Claimant.objects.filter(pk=jane.pk).update(kind="organisation", url="", wikidata_id="")
    cache.bump(cache.claim_scope(claim.pk))
    author = _review(client, claim)["itemReviewed"]["author"]
    assert author["@type"] == "Organization" and "sameAs" not in author


def test_the_claim_review_has_the_required_and_recommended_properties(client, editor):
    claim, _ = _claim_with_claimant(editor)
    review = _review(client, claim)
    missing = [name for name in REQUIRED if _get(review, name) in (None, "", [])]
    assert not missing, missing
    missing = [name for name in RECOMMENDED if _get(review, name) in (None, "", [])]
    assert not missing, missing
    assert review["itemReviewed"]["@type"] == "Claim"
    assert review["itemReviewed"]["author"]["@type"] in {"Person", "Organization"}
    for work in review["itemReviewed"]["appearance"]:
        assert work["@type"] == "CreativeWork"
    json.dumps(review)  # plain data


def test_the_claimant_page_lists_published_checks_with_the_rating_distribution(client, editor):
    claim, jane = _claim_with_claimant(editor)
    second = published_claim(rating="true")
    hidden = ClaimFactory(text="An unpublished claim of hers")
    Claim.objects.filter(pk__in=[second.pk, hidden.pk]).update(claimant=jane)
    response = client.get(reverse("reader:claimant_page", kwargs={"key": claimant_key(jane)}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jane Minister" in page and "Fact-checks (2)" in page
    assert claim_path(claim) in page and claim_path(second) in page
    assert "An unpublished claim" not in page
    context = response.context
    assert sorted((row["level"].slug, row["count"]) for row in context["rating_distribution"]) == [
        ("false", 1),
        ("true", 1),
    ]


def test_the_claimant_page_is_404_without_a_published_claim(client):
    nobody = Claimant.objects.create(name="Nobody Yet")
    ClaimFactory(claimant=nobody)
    url = reverse("reader:claimant_page", kwargs={"key": claimant_key(nobody)})
    assert client.get(url).status_code == 404
    assert client.get("/claimants/not-a-number/").status_code == 404


def test_the_claimant_page_is_cached_and_refreshed_by_a_change_of_claimant(
    client, editor, django_capture_on_commit_callbacks
):
    _claim, jane = _claim_with_claimant(editor)
    url = reverse("reader:claimant_page", kwargs={"key": claimant_key(jane)})
    assert client.get(url).status_code == 200
    other = published_claim(rating="true")
    assert claim_path(other) not in client.get(url).content.decode()  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_claimant_set(
            claim=other, claimant=jane, user=editor, version=NO_VERSION_CHECK
        )
    # The change replaced the lists' stamp on commit: the page shows the new claim.
    assert claim_path(other) in client.get(url).content.decode()
