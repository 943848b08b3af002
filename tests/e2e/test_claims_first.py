"""A claim checked once is recognised when it is made again, in a real browser: a claim of
article A is checked and published (set up through the services: one reviewer drafts, an
editor approves); an editor pastes article B, which repeats it in other words, previews it
and ingests it; B's review page asks "Another appearance of claim #N?"; the editor confirms;
B's public page shows #N's verdict at once, and #N's ClaimReview lists both appearances and
the claimant.

The proposals job runs eagerly when the ingestion commits (the same task a worker runs).
Every page is screenshotted (``test-artifacts/e2e/claims-first-*.png``), checked with
axe-core and must raise no CSP violation; no request may leave 127.0.0.1."""

from __future__ import annotations

import json
import re

import pytest

from claims import services
from claims.models import AppearanceProposal, Article, Claim
from factcheck.celery_app import app
from factcheck.lib.roles import EDITOR, REVIEWER, role_assign, roles_sync
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import article_path, claim_path
from tests.e2e.conftest import DESKTOP, check_page, keep_local, log_in
from tests.factories import UserFactory, ensure_default_scale, rating_level

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
ORIGINAL = "The council cut the road budget by 4 million dollars in 2024."
PARAPHRASE = "In 2024 the council cut 4 million dollars from the road budget."
TEXT_A = f"Council meets.\n\n{ORIGINAL} Residents were unhappy about potholes.\n"
TEXT_B = (
    "Budget week in review.\n\n"
    f"{PARAPHRASE} Drivers say the potholes on Main Street are getting worse.\n"
)
SUMMARY = "The council cut 2 million dollars, not 4."


def _scores(sentences: list[str]) -> list[float]:
    """A sentence with a digit is check-worthy: the browser test does not depend on the
    model's weights."""
    return [0.9 if re.search(r"\d", sentence) else 0.1 for sentence in sentences]


@pytest.fixture
def eager_jobs():
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was


def _checked_claim(reviewer, editor) -> Claim:
    """Article A's claim, said by the city treasurer, checked and published (four eyes)."""
    article = services.article_ingest(title="Road budget", text=TEXT_A, user=reviewer).article
    claim = Claim.objects.get(article=article, text=ORIGINAL)
    treasurer = services.claimant_create(
        name="Pat Treasurer", user=reviewer, description="City treasurer"
    )
    services.claim_claimant_set(
        claim=claim, claimant=treasurer, user=reviewer, version=NO_VERSION_CHECK
    )
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary=SUMMARY,
        rationale="The adopted budget shows a cut of 2 million dollars.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    return claim


def test_a_claim_made_again_elsewhere_shows_the_existing_verdict_after_one_click(
    live_server, new_page, monkeypatch, settings, eager_jobs
):
    monkeypatch.setattr("claims.nlp.score_sentences", _scores)
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.5
    settings.FACTCHECK_SITE_URL = live_server.url
    roles_sync()
    ensure_default_scale()
    reviewer = UserFactory(username="e2e-checker")
    role_assign(reviewer, REVIEWER)
    editor = UserFactory(username="e2e-confirmer")
    role_assign(editor, EDITOR)
    checked = _checked_claim(reviewer, editor)
    base = live_server.url
    offsite: list[str] = []
    page = keep_local(new_page(DESKTOP), offsite)
    log_in(page, base, "e2e-confirmer", PASSWORD)

    # 1. Article B, pasted: the preview first, then "Ingest".
    page.goto(f"{base}/review/articles/new/")
    page.get_by_label("Title").fill("Budget week")
    page.get_by_label("Article text").fill(TEXT_B)
    page.get_by_role("button", name="Add the article").click()
    page.wait_for_load_state()
    assert PARAPHRASE in " ".join(page.locator("tr.preview-claim td strong").all_inner_texts())
    assert not Article.objects.filter(title="Budget week").exists()
    check_page(page, "claims-first-01-preview")
    page.get_by_role("button", name="Ingest").click()
    page.wait_for_load_state()
    article_b = Article.objects.get(title="Budget week")
    assert page.url.endswith(f"/review/articles/{article_b.pk}/")

    # 2. The proposal on the new claim's row, with #N's wording, rating and similarity.
    proposal = AppearanceProposal.objects.select_related("claim").get()
    assert proposal.candidate_id == checked.pk and proposal.claim.text == PARAPHRASE
    row = page.locator(f"#claim-{proposal.claim_id}")
    question = row.locator(".appearance-proposal")
    assert question.get_by_text(f"Another appearance of claim #{checked.pk}?").is_visible()
    text = question.inner_text()
    assert ORIGINAL in text and "False" in text and "Published" in text
    assert f"similarity {proposal.score} %" in text
    assert question.get_by_role("button", name="Keep separate").is_visible()
    check_page(page, "claims-first-02-proposal")

    # 3. The editor confirms: one click, back on the article page.
    question.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert page.get_by_text(
        f"Confirmed: claim #{proposal.claim_id} is another appearance of claim #{checked.pk}"
    ).is_visible()
    assert page.locator(".appearance-proposal").count() == 0
    check_page(page, "claims-first-03-confirmed")
    proposal.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.CONFIRMED

    # 4. A reader opens article B: #N's verdict, quoted as B said it.
    reader = keep_local(new_page(DESKTOP), offsite)
    reader.goto(base + article_path(article_b))
    assert reader.get_by_role("heading", name="Budget week").is_visible()
    card = reader.locator(f"#fact-check-{checked.pk}")
    assert PARAPHRASE in card.inner_text()
    assert SUMMARY in card.inner_text() and "False" in card.inner_text()
    check_page(reader, "claims-first-04-reader-article")

    # 5. #N's ClaimReview lists both appearances and the claimant.
    card.get_by_role("link", name="Read the fact-check").click()
    reader.wait_for_load_state()
    assert reader.url == base + claim_path(checked)
    review = json.loads(reader.locator('script[type="application/ld+json"]').text_content())
    item = review["itemReviewed"]
    urls = {work["url"] for work in item["appearance"]}
    assert urls == {base + article_path(checked.article), base + article_path(article_b)}
    assert item["author"]["name"] == "Pat Treasurer"
    check_page(reader, "claims-first-05-reader-claim")
    assert page.problems == [] and reader.problems == [], (page.problems, reader.problems)
    assert offsite == []


def test_a_claim_heard_on_tv_is_added_with_its_claimant_found_as_typed(
    live_server, new_page, settings
):
    """A reviewer adds a claim heard in a TV debate: the claimant box suggests an existing
    claimant by alias; the claim opens on its page, in the queue as new. Desktop and phone."""
    from claims.models import Claimant
    from tests.e2e.conftest import MOBILE

    roles_sync()
    ensure_default_scale()
    reviewer = UserFactory(username="e2e-listener")
    role_assign(reviewer, REVIEWER)
    minister = Claimant.objects.create(
        name="Ana Minister", aliases=["Labour minister"], description="Minister of Labour"
    )
    base = live_server.url
    offsite: list[str] = []
    for n, viewport in enumerate((DESKTOP, MOBILE), start=1):
        page = keep_local(new_page(viewport), offsite)
        log_in(page, base, "e2e-listener", PASSWORD)
        page.goto(f"{base}/review/claims/")
        page.get_by_role("link", name="Add a claim").click()
        page.wait_for_load_state()
        wording = f"Unemployment has halved since 2020 ({n})."
        page.get_by_label("The claim, as it was made").fill(wording)
        page.get_by_label("Who said it (optional)").press_sequentially("Ana Min", delay=30)
        # The datalist is filled from the search box's answer; picking it sets the claimant.
        page.wait_for_function(
            "() => document.querySelectorAll('#claimant-options option').length > 0"
        )
        page.get_by_label("Who said it (optional)").fill("Ana Minister")
        page.get_by_label("Where").select_option("spoken")
        page.get_by_label("Medium").select_option("tv")
        page.get_by_label("Programme or event").fill("Evening Debate")
        page.get_by_label("Time in the recording (hh:mm:ss)").fill("00:12:30")
        page.get_by_label("Date").fill("2026-11-03")
        check_page(page, f"claims-first-06-add-claim-{n}")
        page.get_by_role("button", name="Add the claim").click()
        page.wait_for_load_state()
        claim = Claim.objects.get(text=wording)
        assert claim.article is None and claim.claimant == minister
        assert page.url.startswith(f"{base}/review/claims/{claim.pk}/")
        assert page.get_by_text("Claim added. It is in the queue as new.").is_visible()
        assert "Evening Debate" in page.locator("#appearances").inner_text()
        check_page(page, f"claims-first-07-added-claim-{n}")
        assert page.problems == [], page.problems
    assert Claimant.objects.count() == 1
    assert offsite == []
