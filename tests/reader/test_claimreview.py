"""schema.org ClaimReview: embedded in every claim page (read back with extruct, a real
structured-data extractor) and exported for aggregators by ``manage.py export_claimreview``."""

from __future__ import annotations

import itertools
import json
from datetime import datetime

import extruct
import pytest
from django.core.management import call_command
from django.utils import timezone

from claims import services
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import claim_key, claim_path
from tests.factories import ArticleFactory, ClaimFactory, SourceFactory, rating_level

pytestmark = pytest.mark.django_db

TEXT = "The mayor owns <three> cars & a boat.\n\nNobody checked ({n})."
_N = itertools.count()
BASE = "http://testserver"


def _published(reviewer, editor, *, rating="mostly-false", correct=False, **article_fields):
    article = ArticleFactory(text=TEXT.format(n=next(_N)), **article_fields)
    end = article.text.index("\n")
    claim = ClaimFactory(article=article, start=0, end=end)
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("true"),
        summary="First summary.",
        rationale="R",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    if correct:
        services.verdict_save(
            claim=claim,
            user=reviewer,
            rating=rating_level(rating),
            summary="He owns two cars </script><script>alert(1)</script> & no boat.",
            rationale="R2",
            correction_note="Recounted.",
            version=NO_VERSION_CHECK,
        )
        services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    return claim


def _extract(client, claim) -> list[dict]:
    html = client.get(claim_path(claim)).content.decode()
    data = extruct.extract(html, base_url=BASE + claim_path(claim), syntaxes=["json-ld"])
    return data["json-ld"]


def test_every_claim_page_embeds_a_complete_claim_review(client, reviewer, editor, settings):
    settings.FACTCHECK_ORGANISATION = "Example Fact-check Desk"
    claim = _published(
        reviewer,
        editor,
        correct=True,
        url="https://news.example.org/mayor",
        author="Ann Writer",
        title="The mayor's garage",
        published_at=timezone.make_aware(datetime(2024, 3, 5, 10, 0)),
        language="en",
    )
    versions = list(claim.verdicts.order_by("number"))
    [review] = _extract(client, claim)
    assert review == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{BASE}/claims/{claim_key(claim)}/",
        "claimReviewed": "The mayor owns <three> cars & a boat.",
        # The article's reporter (Ann Writer) is not the claim's author: with no claimant
        # known there is none (issue 15; tests/reader/test_claimant_pages.py).
        "itemReviewed": {
            "@type": "Claim",
            "appearance": [
                {
                    "@type": "CreativeWork",
                    "headline": "The mayor's garage",
                    "url": "https://news.example.org/mayor",
                    "inLanguage": "en",
                    "datePublished": "2024-03-05",
                }
            ],
            "firstAppearance": {
                "@type": "CreativeWork",
                "headline": "The mayor's garage",
                "url": "https://news.example.org/mayor",
                "inLanguage": "en",
                "datePublished": "2024-03-05",
            },
            "datePublished": "2024-03-05",
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 2,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "Mostly false",
            "name": "Mostly false",
            "ratingExplanation": "He owns two cars </script><script>alert(1)</script> & no boat.",
        },
        "author": {"@type": "Organization", "name": "Example Fact-check Desk", "url": f"{BASE}/"},
        "datePublished": versions[0].published_at.date().isoformat(),
        # The article's language (issue 20; tests/api/test_article_language_claimreview.py).
        "inLanguage": "en",
        "dateModified": versions[1].published_at.date().isoformat(),
    }


def test_the_json_ld_is_escaped_so_nothing_can_close_its_script_element(client, reviewer, editor):
    claim = _published(reviewer, editor, correct=True)
    html = client.get(claim_path(claim)).content.decode()
    script = html[html.index('<script type="application/ld+json">') :]
    script = script[: script.index("</script>")]
    assert "<script>alert" not in script and "</script" not in script
    assert (
        "\\u003C/script\\u003E" in script
        and "\\u0026" in script
        and "\\u003Cthree\\u003E" in (script)
    )
    assert html.count("<script") == 1


def test_a_rating_off_the_true_false_line_is_given_by_its_name_alone(client, reviewer, editor):
    claim = _published(reviewer, editor, rating="unsupported", correct=True)
    [review] = _extract(client, claim)
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Unsupported",
        "name": "Unsupported",
        "ratingExplanation": "He owns two cars </script><script>alert(1)</script> & no boat.",
    }
    # Without an original address the claim names where it appeared: the article's page here.
    work = {
        "@type": "CreativeWork",
        "headline": claim.article.title,
        "url": f"{BASE}/articles/{claim.article.slug}/",
    }
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "appearance": [work],
        "firstAppearance": work,
    }


def test_the_publisher_is_not_the_claims_author(client, reviewer, editor):
    # Who made the claim is its claimant (issue 15); the article's publisher reported it.
    claim = _published(reviewer, editor, publisher=SourceFactory(name="Daily Example"))
    [review] = _extract(client, claim)
    assert "author" not in review["itemReviewed"]
    assert "dateModified" not in review
    assert review["reviewRating"]["ratingValue"] == 5


def test_export_claimreview_writes_every_published_review(
    tmp_path, client, reviewer, editor, settings
):
    settings.FACTCHECK_SITE_URL = "https://factcheck.example.org"
    first = _published(reviewer, editor, correct=True, title="One")
    second = _published(reviewer, editor, title="Two")
    ClaimFactory()  # unpublished: not exported
    target = tmp_path / "claimreview.json"
    call_command("export_claimreview", "--output", str(target))
    reviews = json.loads(target.read_text(encoding="utf-8"))
    assert [r["url"] for r in reviews] == [
        f"https://factcheck.example.org/claims/{claim_key(first)}/",
        f"https://factcheck.example.org/claims/{claim_key(second)}/",
    ]
    # The export and the page carry the same review (but for the site's address).
    [embedded] = _extract(client, first)
    assert (
        json.loads(json.dumps(embedded).replace(BASE, "https://factcheck.example.org"))
        == (reviews[0])
    )


def test_export_claimreview_needs_a_fixed_number_of_queries(
    reviewer, editor, django_assert_max_num_queries, capsys
):
    for _ in range(4):
        _published(reviewer, editor, correct=True)
    # Claims, their versions, their appearances (with their articles).
    with django_assert_max_num_queries(4):
        call_command("export_claimreview")
    assert len(json.loads(capsys.readouterr().out)) == 4


def test_the_export_and_the_page_carry_no_work_in_progress_and_no_link_health(
    client, reviewer, editor, capsys
):
    claim = _published(reviewer, editor)
    evidence = services.evidence_add(
        claim=claim, user=reviewer, url="https://e.example.org/x", stance="refutes"
    )
    type(evidence.link).objects.filter(pk=evidence.link_id).update(state="failing")
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="A correction in progress.",
        rationale="R2",
        correction_note="Not yet.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    in_review = ClaimFactory(article=ArticleFactory(text=TEXT.format(n=next(_N))))
    call_command("export_claimreview")
    exported = capsys.readouterr().out
    [embedded] = _extract(client, claim)
    for text in (exported, json.dumps(embedded)):
        assert "First summary." in text and "correction in progress" not in text
        assert in_review.article.title not in text
        assert not any(word in text.lower() for word in ("failing", "e.example.org", "dead"))
