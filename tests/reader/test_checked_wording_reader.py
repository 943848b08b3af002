"""Checked wording on the reader site (issue 13, rule 2): when a new revision of an article
rewords a published claim's sentence, the public ClaimReview keeps reviewing the wording that
was checked, and readers are told the article was edited after the check, with both
wordings. Real ingestion (a re-ingested URL), real publication, the page cache in play."""

from __future__ import annotations

import json
import re

import extruct
import pytest
from django.core.management import call_command
from django.urls import reverse

from claims import services
from claims.models import Claim
from claims.services import article_ingest
from reader.selectors import claim_path
from tests.factories import rating_level

pytestmark = pytest.mark.django_db

URL = "https://news.example.org/crime"
CHECKED = "Crime rose by 11 percent last year, the police said."
CHANGED = "Crime fell by 15 percent last year, the police said."
V1 = f"Crime report.\n\n{CHECKED} Residents were worried.\n\nThe council met on Monday."
V2 = V1.replace(CHECKED, CHANGED)
NOTICE = "This article was edited after our check."


@pytest.fixture(autouse=True)
def _digit_scorer(monkeypatch, settings):
    """Sentences with a digit are check-worthy: the test decides which become claims."""
    monkeypatch.setattr(
        "claims.nlp.score_sentences",
        lambda sentences: [0.9 if re.search(r"\d", s) else 0.1 for s in sentences],
    )
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.5


def _version(claim: Claim) -> int:
    return Claim.objects.get(pk=claim.pk).version


def _ingest(text: str):
    return article_ingest(title="Crime figures", text=text, url=URL)


def _publish(claim: Claim, reviewer, editor, *, correction_note: str = "") -> None:
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false" if not correction_note else "true"),
        summary="Police figures show a fall." if not correction_note else "It did fall.",
        rationale="The police's yearly report.",
        correction_note=correction_note,
        version=0,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=_version(claim))
    services.claim_publish(claim=claim, user=editor, version=_version(claim))


def _published(reviewer, editor, capture) -> Claim:
    claim = _ingest(V1).article.claims.get(text=CHECKED)
    with capture(execute=True):
        _publish(claim, reviewer, editor)
    return Claim.objects.get(pk=claim.pk)


def _claim_review(client, claim: Claim) -> dict:
    html = client.get(claim_path(claim)).content.decode()
    [review] = extruct.extract(html, base_url="http://testserver", syntaxes=["json-ld"])["json-ld"]
    return review


def _exported(capsys) -> list[dict]:
    call_command("export_claimreview")
    return json.loads(capsys.readouterr().out)


def test_claim_reviewed_is_the_checked_wording_across_revisions(
    client, reviewer, editor, capsys, django_capture_on_commit_callbacks
):
    claim = _published(reviewer, editor, django_capture_on_commit_callbacks)
    assert _claim_review(client, claim)["claimReviewed"] == CHECKED
    address = claim_path(claim)
    assert client.get(address)["X-Reader-Cache"] == "hit"
    [exported] = _exported(capsys)
    assert exported["claimReviewed"] == CHECKED

    with django_capture_on_commit_callbacks(execute=True):
        _ingest(V2)
    claim.refresh_from_db()
    assert claim.text == CHANGED and claim.changed_since_checked_at is not None

    # The cached page was refreshed (the claim's page changed), and still reviews what we
    # checked: the published verdict did not change, nor did its wording.
    response = client.get(address)  # the address readers had (its words are the old ones)
    assert response["X-Reader-Cache"] == "miss" and NOTICE in response.content.decode()
    assert _claim_review(client, claim)["claimReviewed"] == CHECKED
    [exported] = _exported(capsys)
    assert exported["claimReviewed"] == CHECKED

    # An acknowledged change leaves the verdict, and the review, as they are.
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_change_acknowledge(claim=claim, user=editor, version=_version(claim))
    assert _claim_review(client, claim)["claimReviewed"] == CHECKED

    # A correction checks the new wording: once published, it is what is reviewed.
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor, correction_note="The article now says crime fell.")
    assert _claim_review(client, claim)["claimReviewed"] == CHANGED
    [exported] = _exported(capsys)
    assert exported["claimReviewed"] == CHANGED
    assert NOTICE not in client.get(claim_path(claim)).content.decode()


def test_the_claim_page_tells_readers_the_article_was_edited_after_the_check(
    client, reviewer, editor, django_capture_on_commit_callbacks
):
    claim = _published(reviewer, editor, django_capture_on_commit_callbacks)
    page = client.get(claim_path(claim)).content.decode()
    assert NOTICE not in page
    with django_capture_on_commit_callbacks(execute=True):
        _ingest(V2)
    page = client.get(claim_path(claim)).content.decode()
    assert NOTICE in page
    heading = page[page.index('<h1 id="claim-heading">') :]
    assert CHECKED in heading[: heading.index("</h1>")]
    assert f"The wording we checked</dt><dd>“{CHECKED}”" in page
    assert f"The article now says</dt><dd>“{CHANGED}”" in page
    assert '<del><span class="visually-hidden">[deleted: </span>rose ' in page
    assert '<ins><span class="visually-hidden">[inserted: </span>fell ' in page


@pytest.mark.parametrize("full_text", [True, False])
def test_the_article_page_tells_readers_too(
    full_text, client, reviewer, editor, django_capture_on_commit_callbacks
):
    claim = _published(reviewer, editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        revision = _ingest(V2).article
    claim.refresh_from_db()
    assert claim.article == revision
    type(revision).objects.filter(pk=revision.pk).update(may_republish=full_text)
    page = client.get(reverse("reader:article_detail", kwargs={"key": revision.slug}))
    html = page.content.decode()
    assert NOTICE in html
    # The highlighted sentence's popover says it too (only where the full text is shown).
    assert ("This sentence was edited after our check." in html) is full_text
    card = html[html.index(f'id="fact-check-{claim.pk}"') :]
    assert f"“{CHECKED}”" in card and f"“{CHANGED}”" in card


def test_an_unchanged_sentence_in_a_new_revision_tells_readers_nothing(
    client, reviewer, editor, django_capture_on_commit_callbacks
):
    claim = _published(reviewer, editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        revision = article_ingest(title="Crime figures", text="Update.\n\n" + V1, url=URL).article
    claim.refresh_from_db()
    assert claim.article == revision and claim.changed_since_checked_at is None
    for url in (claim_path(claim), reverse("reader:article_detail", kwargs={"key": revision.slug})):
        assert NOTICE not in client.get(url).content.decode()
    assert _claim_review(client, claim)["claimReviewed"] == CHECKED
