"""Each endpoint's happy path, and what it shows: published fact-checks (public, as the
reader site), the desk's claims with the queue's filters, articles, links, sources and
"checked before?"."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

import claims.matching as matching
from claims.models import Claim
from claims.services.factchecks import factchecks_import
from reader.selectors import claim_key
from sources.models import LinkState
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    IngestJobFactory,
    LinkCheckFactory,
    LinkFactory,
    SourceFactory,
    published_claim,
)
from tests.test_authorization_matrix import SECRET, _work_in_progress

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ published fact-checks


def test_anyone_lists_the_published_fact_checks_newest_first(api_for):
    older = published_claim(rating="true")
    newer = published_claim()
    ClaimFactory(status=Claim.Status.IN_REVIEW)
    response = api_for("anonymous").get(reverse("api:fact-check-list"))
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    first = body["results"][0]
    assert first["rating"]["label"] == newer.rating.label
    assert first["page"] == f"http://testserver/claims/{claim_key(newer)}/"
    assert first["detail"] == f"http://testserver/api/v1/fact-checks/{newer.pk}/"
    assert body["next"] is None and body["previous"] is None


def test_a_fact_check_carries_what_its_reader_page_shows_and_its_claim_review(api_for, client):
    claim = published_claim()
    source = SourceFactory(name="City Ledger")
    EvidenceFactory(claim=claim, source=source, quote="The ledger says 3.1 million.")
    response = api_for("anonymous").get(reverse("api:fact-check-detail", kwargs={"pk": claim.pk}))
    assert response.status_code == 200
    data = response.json()
    assert data["claim"] == claim.text
    assert data["summary"] == claim.verdicts.get().summary
    assert data["evidence"] == [
        {
            "stance": "refutes",
            "url": claim.evidence.get().link.url,
            "source": "City Ledger",
            "quote": "The ledger says 3.1 million.",
            "dead": False,
            "archived_copy": "",
        }
    ]
    assert [v["number"] for v in data["versions"]] == [1]
    review = data["claim_review"]
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == claim.text
    assert review["url"] == data["page"]
    # The same ClaimReview as the reader page's JSON-LD.
    page = client.get(data["page"]).content.decode()
    script = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(script) == review


def test_no_unpublished_claim_is_a_fact_check_whoever_asks(api_for):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    for persona in ("anonymous", "editor"):
        response = api_for(persona).get(reverse("api:fact-check-detail", kwargs={"pk": claim.pk}))
        assert response.status_code == 404
        assert response.json()["detail"] == "No such fact-check."


def test_the_public_endpoints_show_no_work_in_progress(api_for, reviewer, editor):
    hidden, public, in_review = _work_in_progress(reviewer, editor)
    client = api_for("editor")  # even the desk: the public endpoints show published work only
    listing = client.get(reverse("api:fact-check-list"))
    assert [row["id"] for row in listing.json()["results"]] == [public.pk]
    detail = client.get(reverse("api:fact-check-detail", kwargs={"pk": public.pk}))
    text = detail.content.decode()
    assert SECRET not in text and "secret" not in text.lower()
    for claim in (hidden.claims.get(), in_review):
        url = reverse("api:fact-check-detail", kwargs={"pk": claim.pk})
        assert client.get(url).status_code == 404


def test_a_fact_check_is_cached_per_published_version(api_for, django_assert_num_queries):
    claim = published_claim()
    client = api_for("anonymous")
    url = reverse("api:fact-check-detail", kwargs={"pk": claim.pk})
    first = client.get(url).json()
    with django_assert_num_queries(0):
        assert client.get(url).json() == first
    # A correction bumps the claim's stamp (what the reader's receiver does on commit).
    from reader import cache

    claim.verdicts.update(summary="Corrected summary.")
    cache.bump(cache.claim_scope(claim.pk))
    assert client.get(url).json()["summary"] == "Corrected summary."


# ------------------------------------------------------------------------- the desk's claims


def test_the_claims_list_uses_the_queues_filters(api_for, reviewer):
    article = ArticleFactory()
    mine = ClaimFactory(article=article, status=Claim.Status.IN_REVIEW, assignee=reviewer)
    ClaimFactory(status=Claim.Status.NEW)
    client = api_for("reviewer")
    everything = client.get(reverse("api:claim-list")).json()["results"]
    assert len(everything) == 2
    for query in ("status=in_review", "assignee=mine", f"article={article.pk}"):
        rows = client.get(f"{reverse('api:claim-list')}?{query}").json()["results"]
        assert [row["id"] for row in rows] == [mine.pk], query
    assert rows[0]["assignee"] == "persona-reviewer"
    assert rows[0]["detail"] == f"http://testserver/api/v1/claims/{mine.pk}/"


def test_a_bad_filter_value_is_a_400_problem_naming_the_field(api_for):
    response = api_for("reviewer").get(f"{reverse('api:claim-list')}?status=bogus")
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["errors"][0]["field"] == "status"
    assert body["errors"][0]["pointer"] == "#/status"


def test_a_claim_comes_with_its_evidence_and_verdicts(api_for):
    claim = published_claim()
    evidence = EvidenceFactory(claim=claim)
    data = api_for("editor").get(reverse("api:claim-detail", kwargs={"pk": claim.pk})).json()
    assert data["id"] == claim.pk and data["status"] == "published"
    assert [e["id"] for e in data["evidence"]] == [evidence.pk]
    assert data["evidence"][0]["link_state"] == "unchecked"
    assert data["verdicts"][0]["state"] == "published"
    assert data["verdicts"][0]["rating"]["label"] == claim.rating.label
    assert data["public_page"].endswith(f"/claims/{claim_key(claim)}/")


def test_a_claim_that_does_not_exist_is_a_404_problem(api_for):
    response = api_for("reviewer").get(reverse("api:claim-detail", kwargs={"pk": 999999}))
    assert response.status_code == 404
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No such claim.",
        "code": "not_found",
    }


# ---------------------------------------------------------------------------------- articles


def test_articles_are_listed_newest_first_with_their_counts(api_for):
    old = ArticleFactory()
    new = published_claim().article
    ClaimFactory(article=old)
    rows = api_for("reviewer").get(reverse("api:article-list")).json()["results"]
    assert [row["id"] for row in rows] == [new.pk, old.pk]
    assert rows[0]["published_count"] == 1 and rows[1]["claim_count"] == 1


def test_an_article_has_its_text_and_a_link_to_its_claims(api_for):
    article = ArticleFactory()
    claim = ClaimFactory(article=article)
    client = api_for("reviewer")
    data = client.get(reverse("api:article-detail", kwargs={"pk": article.pk})).json()
    assert data["text"] == article.text
    assert data["public_page"] is None  # nothing published yet
    claims = client.get(data["claims"]).json()["results"]
    assert [c["id"] for c in claims] == [claim.pk]


def test_an_ingest_job_says_how_it_went(api_for):
    job = IngestJobFactory(state="failed", error="Could not fetch it.")
    data = api_for("reviewer").get(reverse("api:ingest-job-detail", kwargs={"pk": job.pk})).json()
    assert data["state"] == "failed" and data["error"] == "Could not fetch it."
    assert data["article_url"] is None


# ---------------------------------------------------------------------------- links, sources


def test_links_show_their_health_as_shown_and_their_last_check(api_for):
    dead = LinkFactory(state=LinkState.DEAD, last_status=404)
    overridden = LinkFactory(
        state=LinkState.DEAD,
        override_state=LinkState.ALIVE,
        override_reason="Checked by hand.",
        override_at=timezone.now(),
    )
    LinkCheckFactory(link=dead, status=404, outcome="not_found")
    client = api_for("reviewer")
    rows = {row["id"]: row for row in client.get(reverse("api:link-list")).json()["results"]}
    assert rows[dead.pk]["state"] == "dead" and rows[dead.pk]["last_status"] == 404
    assert rows[overridden.pk]["state"] == "alive"
    assert rows[overridden.pk]["checked_state"] == "dead"
    only_dead = client.get(f"{reverse('api:link-list')}?state=dead").json()["results"]
    assert [row["id"] for row in only_dead] == [dead.pk]
    detail = client.get(reverse("api:link-detail", kwargs={"pk": dead.pk})).json()
    assert detail["url"] == dead.url
    assert detail["last_check"]["outcome"] == "not_found"
    assert detail["last_check"]["status"] == 404


def test_sources_are_read_with_their_domains(api_for):
    source = SourceFactory(name="Harbour Herald", domains=["herald.example", "hh.example"])
    SourceFactory(name="Another")
    client = api_for("reviewer")
    rows = client.get(reverse("api:source-list")).json()["results"]
    assert [row["name"] for row in rows] == ["Another", "Harbour Herald"]
    found = client.get(f"{reverse('api:source-list')}?q=hh.example").json()["results"]
    assert [row["id"] for row in found] == [source.pk]
    detail = client.get(reverse("api:source-detail", kwargs={"pk": source.pk})).json()
    assert detail["domains"] == ["herald.example", "hh.example"]


# ---------------------------------------------------------------------------- checked before


@pytest.fixture
def fresh_index(settings):
    settings.FACTCHECK_MATCH_REFRESH_SECONDS = 0
    matching._index = None
    yield
    matching._index = None


def test_checked_before_ranks_earlier_checks(api_for, fresh_index):
    factchecks_import(
        data=json.dumps(
            [
                {
                    "@type": "ClaimReview",
                    "url": "https://checker.example/camels/",
                    "claimReviewed": "Officials in South Australia planned to cull 10,000 "
                    "feral camels.",
                    "headline": "Were 10,000 Camels Scheduled to Be Killed?",
                    "author": {"name": "Checker"},
                    "reviewRating": {"alternateName": "True"},
                    "datePublished": "2020-01-08",
                },
                {
                    "@type": "ClaimReview",
                    "url": "https://checker.example/fries/",
                    "claimReviewed": "McDonald's restaurants are offering $1 any size fries.",
                    "author": {"name": "Checker"},
                    "reviewRating": {"alternateName": "False"},
                },
            ]
        )
    )
    own = published_claim()
    client = api_for("reviewer")
    response = client.post(
        reverse("api:checked-before"),
        {"text": "South Australia will cull 10,000 camels", "limit": 3},
        format="json",
    )
    assert response.status_code == 200
    candidates = response.json()["candidates"]
    assert candidates[0]["url"] == "https://checker.example/camels/"
    assert candidates[0]["kind"] == "external" and candidates[0]["rating"] == "True"
    assert len(candidates) <= 3
    mine = client.post(
        reverse("api:checked-before"), {"text": own.text, "kinds": ["own"]}, format="json"
    ).json()["candidates"]
    assert mine[0]["kind"] == "own" and mine[0]["id"] == own.pk
    assert mine[0]["url"].startswith("http://testserver/claims/")


def test_checked_before_needs_a_text(api_for):
    response = api_for("reviewer").post(reverse("api:checked-before"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "text"


# ------------------------------------------------------------------- queries do not grow


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("api:claim-list", lambda: EvidenceFactory(claim=published_claim())),
        ("api:article-list", lambda: published_claim()),
        ("api:link-list", lambda: LinkCheckFactory()),
        ("api:source-list", lambda: SourceFactory(domains=[f"{uuid.uuid4().hex[:8]}.example"])),
        ("api:fact-check-list", lambda: published_claim()),
    ],
)
def test_a_lists_queries_do_not_grow_with_its_rows(api_for, name, make):
    client = api_for("editor")
    for _ in range(2):
        make()
    url = reverse(name) + "?page_size=50"
    # Each count after a first request, which fills the caches that new rows may retire
    # (a new user retires the cached permissions).
    _queries(client, url + "&x=1")
    few = _queries(client, url + "&x=2")
    for _ in range(6):
        make()
    _queries(client, url + "&x=3")
    many = _queries(client, url + "&x=4")
    assert many == few, (name, few, many)
