"""Confirming "another appearance of claim #N" makes the reader site show #N's verdict on the
new article at once: the article's public page quotes the claim as said there (and becomes
public with it), its cached page is refreshed, and #N's ClaimReview lists both appearances
and the claimant."""

from __future__ import annotations

import re

import extruct
import pytest

from claims import services
from claims.models import AppearanceProposal, Claim
from factcheck.celery_app import app
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import article_path, claim_path, public_articles
from tests.factories import rating_level

pytestmark = pytest.mark.django_db

ORIGINAL = "The council cut the road budget by 4 million dollars in 2024."
PARAPHRASE = "In 2024 the council cut 4 million dollars from the road budget."
OTHER = "The mayor opened a new library downtown on 3 May."
TEXT_A = f"Council meets.\n\n{ORIGINAL} Residents were unhappy about potholes.\n"
TEXT_B = f"Budget week.\n\n{PARAPHRASE} Meanwhile, {OTHER}\n"
SUMMARY = "The council cut 2 million, not 4."
BASE = "http://testserver"


@pytest.fixture(autouse=True)
def _setup(monkeypatch, settings):
    settings.FACTCHECK_SITE_URL = BASE
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.5
    monkeypatch.setattr(
        "claims.nlp.score_sentences",
        lambda sentences: [0.9 if re.search(r"\d", s) else 0.1 for s in sentences],
    )
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the proposals job runs when ingestion commits
    yield
    app.conf.task_always_eager = was


def _ingest(text, title, user, capture):
    with capture(execute=True):
        return services.article_ingest(title=title, text=text, user=user).article


def _publish(claim, reviewer, editor, summary=SUMMARY):
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary=summary,
        rationale="The budget papers.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def checked(reviewer, editor, django_capture_on_commit_callbacks):
    """Claim #N: said by the treasurer in article A, checked and published."""
    article = _ingest(TEXT_A, "Road budget", reviewer, django_capture_on_commit_callbacks)
    claim = Claim.objects.get(article=article, text=ORIGINAL)
    claimant = services.claimant_create(
        name="Pat Treasurer", user=reviewer, description="City treasurer"
    )
    services.claim_claimant_set(
        claim=claim, claimant=claimant, user=reviewer, version=NO_VERSION_CHECK
    )
    return _publish(claim, reviewer, editor)


def _confirm(editor):
    proposal = AppearanceProposal.objects.get()
    services.appearance_proposal_confirm(proposal=proposal, user=editor, version=proposal.version)
    return proposal


def test_an_article_whose_only_published_claim_arrives_by_an_appearance_is_public(
    checked, reviewer, editor, client, django_capture_on_commit_callbacks
):
    article_b = _ingest(TEXT_B, "Budget week", reviewer, django_capture_on_commit_callbacks)
    assert client.get(article_path(article_b)).status_code == 404
    _confirm(editor)
    assert public_articles(user=None).filter(pk=article_b.pk).exists()
    response = client.get(article_path(article_b))
    assert response.status_code == 200
    html = response.content.decode()
    # Quoted as said in article B, with #N's verdict and a link to its fact-check.
    assert PARAPHRASE in html
    assert SUMMARY in html
    assert ">False<" in html
    assert claim_path(checked) in html
    assert f"The same claim as we checked it: “{ORIGINAL}”" in html
    assert "1 claim checked" in html
    # Article A's page still shows it too.
    assert SUMMARY in client.get(article_path(checked.article)).content.decode()


def test_the_cached_page_of_the_article_is_refreshed_on_confirm(
    checked, reviewer, editor, client, django_capture_on_commit_callbacks
):
    article_b = _ingest(TEXT_B, "Budget week", reviewer, django_capture_on_commit_callbacks)
    other = Claim.objects.get(article=article_b, text__contains=OTHER)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(other, reviewer, editor, summary="The library opened on 4 May.")
    before = client.get(article_path(article_b)).content.decode()
    assert "The library opened on 4 May." in before and SUMMARY not in before
    assert "1 claim checked" in before
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(editor)
    after = client.get(article_path(article_b)).content.decode()
    assert SUMMARY in after and "The library opened on 4 May." in after
    assert "2 claims checked" in after
    # In reading order: the paraphrase comes first in article B.
    assert after.index(SUMMARY) < after.index("The library opened on 4 May.")


def test_the_claimreview_lists_both_appearances_and_the_claimant(
    checked, reviewer, editor, client, django_capture_on_commit_callbacks
):
    article_b = _ingest(TEXT_B, "Budget week", reviewer, django_capture_on_commit_callbacks)

    def review():
        html = client.get(claim_path(checked)).content.decode()
        data = extruct.extract(html, base_url=BASE + claim_path(checked), syntaxes=["json-ld"])
        return data["json-ld"][0]["itemReviewed"]

    assert [w["url"] for w in review()["appearance"]] == [BASE + article_path(checked.article)]
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(editor)
    item = review()  # the cached claim page was refreshed
    urls = {work["url"] for work in item["appearance"]}
    assert urls == {BASE + article_path(checked.article), BASE + article_path(article_b)}
    assert {work["headline"] for work in item["appearance"]} == {"Road budget", "Budget week"}
    assert item["author"]["name"] == "Pat Treasurer"
    assert item["author"]["@type"] == "Person"


def test_a_correction_of_the_claim_refreshes_the_article_it_appeared_in(
    checked, reviewer, editor, client, django_capture_on_commit_callbacks
):
    article_b = _ingest(TEXT_B, "Budget week", reviewer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(editor)
    assert SUMMARY in client.get(article_path(article_b)).content.decode()  # now cached
    corrected = "The council cut 2.5 million dollars, not 4."
    with django_capture_on_commit_callbacks(execute=True):
        services.verdict_save(
            claim=checked,
            user=reviewer,
            rating=rating_level("false"),
            summary=corrected,
            rationale="The final accounts.",
            correction_note="The final accounts show 2.5 million.",
            version=NO_VERSION_CHECK,
        )
        services.claim_submit_for_approval(claim=checked, user=reviewer, version=NO_VERSION_CHECK)
        services.claim_publish(claim=checked, user=editor, version=NO_VERSION_CHECK)
    html = client.get(article_path(article_b)).content.decode()
    assert corrected in html and SUMMARY not in html


def test_with_the_full_text_the_claim_is_highlighted_where_this_article_says_it(
    checked, reviewer, editor, client, django_capture_on_commit_callbacks
):
    article_b = _ingest(TEXT_B, "Budget week", reviewer, django_capture_on_commit_callbacks)
    type(article_b).objects.filter(pk=article_b.pk).update(may_republish=True)
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(editor)
    html = client.get(article_path(article_b)).content.decode()
    mark = re.search(r'<mark class="claim claim-published rating-mark-[^>]*>([^<]*)</mark>', html)
    assert mark is not None and mark.group(1) == PARAPHRASE
    assert SUMMARY in html and f"“{ORIGINAL}”" in html  # the popover, the checked wording
    assert claim_path(checked) in html
