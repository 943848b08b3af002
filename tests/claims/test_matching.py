"""Checked before? (claims.matching): tokenisation, ranking, freshness, the match_claims
command's JSON lines, and the claim page's panel with its add-as-evidence button."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse

import claims.matching as matching
from audit.models import AuditEvent
from claims.matching import MatchIndex, matches_for_text
from claims.models import Claim, Evidence, ExternalFactCheck
from claims.nlp.retrieval import BM25Index, clean_query, stem, tokens
from claims.services.factchecks import factchecks_import
from tests.factories import ArticleFactory, ClaimFactory, published_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index(settings):
    """Each test its own index (rows and keys are rolled back between tests)."""
    settings.FACTCHECK_MATCH_REFRESH_SECONDS = 0
    matching._index = None
    yield
    matching._index = None


def fc(n, claim, headline="", url=None):
    return {
        "@type": "ClaimReview",
        "url": url or f"https://checker.example/fact-check/{n}/",
        "claimReviewed": claim,
        "headline": headline,
        "author": {"name": "Checker"},
        "reviewRating": {"alternateName": "False"},
        "datePublished": "2020-01-08",
    }


FIXTURES = [
    fc(1, "Officials in South Australia planned to cull 10,000 feral camels.",
       "Were 10,000 Camels Scheduled to Be Killed?", "https://checker.example/camels-culled-australia/"),
    fc(2, "A video shows a 10-meter-long anaconda swimming across a river in Brazil.",
       "Does Video Show a 10-Meter-Long Anaconda?"),
    fc(3, "McDonald's restaurants are offering $1 any size fries.", "$1 McDonald's Fries"),
    fc(4, "The US Army is sending text messages about a military draft.", "Army draft texts"),
]  # fmt: skip


# ------------------------------------------------------------------ tokenisation


def test_tweet_tokenisation():
    text = ("How are butterflies surviving the #AustralianFires? @IlhanMN says 10,000 🦋🔥 "
            "https://t.co/abc pic.twitter.com/0eJtwJyS1J — Center for Bio Div "
            "(@CenterForBioDiv) January 14, 2020")  # fmt: skip
    cleaned = clean_query(text)
    assert "January 14, 2020" not in cleaned and "Center for Bio Div" in cleaned
    words = tokens(cleaned)
    assert {"australian", "fir", "ilhan", "10000", "butterfly"} <= set(words) or {
        "australian",
        "ilhan",
        "10000",
    } <= set(words)
    assert not any("t.co" in w or "twitter" in w or "http" in w for w in words)
    assert "the" not in words and "are" not in words
    assert stem("vaccines") == stem("vaccine")
    assert stem("claimed") == stem("claims")


def test_bm25_ranks_the_matching_document_first_and_updates_incrementally():
    index = BM25Index()
    index.add("camels", [("Officials planned to cull 10,000 feral camels", 1.0)])
    index.add("fries", [("McDonald's offers $1 fries", 1.0)])
    assert index.search("they are killing the camels in Australia", 2)[0][0] == "camels"
    index.add("camels", [("Something else entirely", 1.0)])  # replaced
    assert index.search("camels", 2) == []
    index.remove("fries")
    assert index.search("fries", 2) == [] and len(index) == 1


# ------------------------------------------------------------------ ranking


def test_ranking_on_small_fixtures():
    factchecks_import(data=json.dumps(FIXTURES))
    tweet = ("Australia is going to shoot 10000 camels from helicopters because they drink "
             "too much water #camels — Some One (@someone) January 9, 2020")  # fmt: skip
    found = matches_for_text(tweet, limit=3)
    assert found[0].url == "https://checker.example/camels-culled-australia/"
    assert found[0].kind == "external" and found[0].rating == "False"
    assert found[0].publisher == "Checker"
    army = matches_for_text("Got a text from the army saying I'm drafted?!", limit=1)
    assert army[0].url == "https://checker.example/fact-check/4/"


def test_own_claims_published_first_then_in_progress():
    article = ArticleFactory(text="The city spent 4.2 million dollars on roads. Other text.")
    in_review = ClaimFactory(article=article, status=Claim.Status.IN_REVIEW)
    published = published_claim(
        article=ArticleFactory(text="The city spent 4.2 million dollars on roads. More.")
    )
    ClaimFactory(
        article=ArticleFactory(text="The city spent 4.2 million dollars on roads. New."),
        status=Claim.Status.NEW,
    )  # new claims are no check yet: not candidates
    found = matches_for_text("city spent 4.2 million dollars on roads", limit=5)
    assert [(c.kind, c.pk) for c in found] == [("own", published.pk), ("own", in_review.pk)]


def test_newly_imported_and_published_items_are_matchable():
    factchecks_import(data=json.dumps(FIXTURES[:1]))
    assert matches_for_text("anaconda river Brazil", limit=1) == []
    factchecks_import(data=json.dumps(FIXTURES[1:2]))
    assert matches_for_text("anaconda river Brazil", limit=1)[0].url.endswith("/2/")
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    found = matches_for_text(claim.text, limit=1)
    assert (found[0].kind, found[0].pk) == ("own", claim.pk)
    # Dismissed since: it drops out.
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.DISMISSED, dismissed_reason="x")
    assert all(c.kind != "own" for c in matches_for_text(claim.text, limit=3))


def test_freshness_across_processes_by_updated_at(settings):
    """Rows written elsewhere (no in-process notice) are found at the next look."""
    index = MatchIndex()
    index.refresh(force=True)
    ExternalFactCheck.objects.create(
        url="https://elsewhere.example/r/1", claim_reviewed="Penguins can fly over Antarctica."
    )
    assert index.search("penguins fly", 1) == []
    index.refresh(force=True)
    assert index.search("penguins fly", 1)[0][0][0] == "external"


# ------------------------------------------------------------------ the command


def test_match_claims_jsonl_contract(monkeypatch):
    factchecks_import(data=json.dumps(FIXTURES))
    claim = published_claim()
    lines = [
        {"id": "t1", "text": "McDonald's $1 fries any size!!"},
        {"id": 2, "text": claim.text},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("match_claims", "--jsonl", "--limit", "2", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["id"] == "t1"
    assert rows[0]["matches"][0] == {
        "url": "https://checker.example/fact-check/3/",
        "kind": "external",
        "score": rows[0]["matches"][0]["score"],
    }
    assert len(rows[0]["matches"]) <= 2
    assert rows[1]["id"] == 2
    own = rows[1]["matches"][0]
    assert own["kind"] == "own" and own["url"].startswith("/") and "/review/" not in own["url"]
    assert rows[2]["line"] == 3 and "error" in rows[2]


# ------------------------------------------------------------------ the claim page


def _claim_about_camels():
    article = ArticleFactory(
        text="Officials in South Australia will cull 10,000 feral camels. Other text."
    )
    return ClaimFactory(article=article, status=Claim.Status.IN_REVIEW)


def test_panel_on_the_claim_page(client_for):
    factchecks_import(data=json.dumps(FIXTURES))
    claim = _claim_about_camels()
    client = client_for("reviewer")
    page = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk})).content.decode()
    panel_url = reverse("claims:claim_checked_before", kwargs={"pk": claim.pk})
    # The claim page loads the panel once shown (matching never slows it down).
    assert 'id="checked-before"' in page and f'hx-get="{panel_url}"' in page
    assert "Were 10,000 Camels" not in page
    response = client.get(panel_url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and 'id="checked-before"' in html
    assert "Were 10,000 Camels" in client.get(panel_url).content.decode()  # page without JS
    assert "Were 10,000 Camels Scheduled to Be Killed?" in html
    assert "similarity" in html and "rating: False" in html and "8 Jan 2020" in html
    assert reverse(
        "claims:claim_factcheck_evidence",
        kwargs={"pk": claim.pk, "factcheck_pk": ExternalFactCheck.objects.get(
            url="https://checker.example/camels-culled-australia/").pk},
    ) in html  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("reader", 403), ("outsider", 403), ("reviewer", 302),
     ("editor", 302), ("admin", 302)],
)  # fmt: skip
def test_add_as_evidence_in_one_click(persona, status, client_for):
    factchecks_import(data=json.dumps(FIXTURES))
    claim = _claim_about_camels()
    factcheck = ExternalFactCheck.objects.get(
        url="https://checker.example/camels-culled-australia/"
    )
    url = reverse(
        "claims:claim_factcheck_evidence", kwargs={"pk": claim.pk, "factcheck_pk": factcheck.pk}
    )
    response = client_for(persona).post(url, {"version": claim.version})
    assert response.status_code == status
    if persona in ("reviewer", "editor", "admin"):
        evidence = Evidence.objects.get(claim=claim)
        assert evidence.link.url.startswith("https://checker.example/camels-culled-australia")
        assert evidence.stance == Evidence.Stance.CONTEXT
        assert "Checker rated it “False”" in evidence.note
        assert evidence.quote == factcheck.claim_reviewed
        assert AuditEvent.objects.filter(action="claims.evidence.added", claim_id=claim.pk).exists()
        panel = client_for(persona).get(
            reverse("claims:claim_checked_before", kwargs={"pk": claim.pk}), HTTP_HX_REQUEST="true"
        )
        assert "Already evidence on this claim." in panel.content.decode()
    else:
        assert not Evidence.objects.filter(claim=claim).exists()


def test_add_as_evidence_needs_the_version_and_refuses_a_stale_one(client_for):
    factchecks_import(data=json.dumps(FIXTURES))
    claim = _claim_about_camels()
    factcheck = ExternalFactCheck.objects.first()
    url = reverse(
        "claims:claim_factcheck_evidence", kwargs={"pk": claim.pk, "factcheck_pk": factcheck.pk}
    )
    client = client_for("reviewer")
    assert client.post(url).status_code == 400
    assert client.post(url, {"version": claim.version + 5}).status_code == 409
    assert not Evidence.objects.filter(claim=claim).exists()


def test_a_large_first_build_runs_in_the_background(monkeypatch, transactional_db):
    """The claim page never waits for a large build: it says the candidates are coming."""
    monkeypatch.setattr(matching, "BACKGROUND_BUILD_ROWS", 0)
    factchecks_import(data=json.dumps(FIXTURES))
    claim = _claim_about_camels()
    first = matching.matches_for_claim(claim)
    index = matching._index
    assert first is None or first  # None while building (a fast machine may have finished)
    index.builder.join(timeout=30)
    assert index.ready
    assert matching.matches_for_claim(claim)[0].url.endswith("camels-culled-australia/")
