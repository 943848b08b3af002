"""Proposals of "another appearance of claim #N?": made by the job that runs when an
article's ingestion commits (run here eagerly, through the same task and service), decided by
reviewers on the article and claim pages (confirm: an article appearance and a merge; keep
separate: never proposed again)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Appearance, AppearanceProposal, Claim
from claims.services.proposals import same_claim_likely
from claims.signals import published_changed
from factcheck.celery_app import app
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import rating_level

pytestmark = pytest.mark.django_db

ORIGINAL = "The council cut the road budget by 4 million dollars in 2024."
TEXT_A = f"Council meets.\n\n{ORIGINAL} Residents were unhappy about potholes.\n"
# The same claim in other words, and a sentence about something else (both check-worthy:
# they have digits).
PARAPHRASE = "In 2024 the council cut 4 million dollars from the road budget."
UNRELATED = "The mayor opened a new library downtown on 3 May."
TEXT_B = f"Budget week.\n\n{PARAPHRASE} Meanwhile, {UNRELATED}\n"


@pytest.fixture
def eager_jobs():
    """Jobs sent on commit run at once, in this process (the same task and service a worker
    runs)."""
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was


def _claim_in(article, text) -> Claim:
    return Claim.objects.get(article=article, text__contains=text[:30])


def _publish(claim, reviewer, editor):
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="The council cut 2 million, not 4.",
        rationale="The budget papers show a cut of 2 million dollars.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    return claim


def _ingest(text, title, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.article_ingest(title=title, text=text, user=user).article


@pytest.fixture
def checked(keyword_scorer, reviewer, editor, django_capture_on_commit_callbacks, eager_jobs):
    """Article A with its claim checked and published."""
    article = _ingest(TEXT_A, "Road budget", reviewer, django_capture_on_commit_callbacks)
    return _publish(_claim_in(article, ORIGINAL), reviewer, editor)


@pytest.fixture
def in_review(keyword_scorer, reviewer, django_capture_on_commit_callbacks, eager_jobs):
    """Article A with its claim in review (not published)."""
    article = _ingest(TEXT_A, "Road budget", reviewer, django_capture_on_commit_callbacks)
    claim = _claim_in(article, ORIGINAL)
    services.claim_start_review(claim=claim, user=reviewer, version=claim.version)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def article_b(reviewer, django_capture_on_commit_callbacks, eager_jobs):
    def make():
        return _ingest(TEXT_B, "Budget week", reviewer, django_capture_on_commit_callbacks)

    return make


def test_the_matcher_scores_the_paraphrase_above_the_default_threshold_and_not_the_unrelated(
    settings,
):
    from rapidfuzz import fuzz

    assert settings.FACTCHECK_APPEARANCE_PROPOSAL_MIN_SCORE == 80
    assert fuzz.token_set_ratio(PARAPHRASE, ORIGINAL) >= 80
    assert fuzz.token_set_ratio(UNRELATED, ORIGINAL) < 80
    # Same wording pattern, other figures: not the same claim.
    assert not same_claim_likely(
        "The council raised the school budget by 2 million dollars in 2022.", ORIGINAL
    )
    # A wording contained in a much longer one (the matcher scores it 100): not proposed.
    assert not same_claim_likely("The council cut the road budget.", ORIGINAL + " " + UNRELATED)


def test_a_paraphrase_in_another_article_is_proposed_after_ingestion(checked, article_b):
    article = article_b()
    paraphrase, unrelated = _claim_in(article, PARAPHRASE), _claim_in(article, UNRELATED)
    proposals = list(AppearanceProposal.objects.all())
    assert [(p.claim_id, p.candidate_id) for p in proposals] == [(paraphrase.pk, checked.pk)]
    assert proposals[0].score >= 80
    assert proposals[0].state == AppearanceProposal.State.PROPOSED
    assert not AppearanceProposal.objects.filter(claim=unrelated).exists()
    # Never merged by itself.
    paraphrase.refresh_from_db()
    assert paraphrase.status == Claim.Status.NEW and paraphrase.duplicate_of_id is None


def test_claims_of_the_same_article_and_new_claims_are_not_candidates(
    keyword_scorer, reviewer, django_capture_on_commit_callbacks, eager_jobs, article_b
):
    # Article A's claim is new (nobody checks it): nothing to propose.
    _ingest(TEXT_A, "Road budget", reviewer, django_capture_on_commit_callbacks)
    article_b()
    assert not AppearanceProposal.objects.exists()


def test_a_published_claim_of_the_same_article_is_never_proposed(
    keyword_scorer, reviewer, editor, django_capture_on_commit_callbacks, eager_jobs
):
    both = f"Budget week.\n\n{ORIGINAL}\n\nLater: {PARAPHRASE}\n"
    article = _ingest(both, "Both", reviewer, django_capture_on_commit_callbacks)
    _publish(_claim_in(article, ORIGINAL), reviewer, editor)
    assert services.appearance_proposals_find(article_id=article.pk) == 0
    assert not AppearanceProposal.objects.exists()


def test_running_the_job_again_adds_nothing(checked, article_b):
    from claims.tasks import appearance_proposals_find

    article = article_b()
    assert AppearanceProposal.objects.count() == 1
    appearance_proposals_find(article.pk)  # the task, as a worker runs it
    assert services.appearance_proposals_find(article_id=article.pk) == 0
    assert AppearanceProposal.objects.count() == 1


def test_the_job_looks_at_the_first_claims_by_checkworthiness_only(checked, article_b, settings):
    settings.FACTCHECK_APPEARANCE_PROPOSAL_MAX = 0
    AppearanceProposal.objects.all().delete()
    article = article_b()
    assert services.appearance_proposals_find(article_id=article.pk) == 0
    settings.FACTCHECK_APPEARANCE_PROPOSAL_MAX = 200
    assert services.appearance_proposals_find(article_id=article.pk) == 1


def _proposal():
    return AppearanceProposal.objects.select_related("claim", "candidate").get()


def test_a_reviewer_confirms_for_an_unpublished_claim(in_review, article_b, reviewer):
    article = article_b()
    proposal = _proposal()
    new = proposal.claim
    services.appearance_proposal_confirm(proposal=proposal, user=reviewer, version=1)
    proposal.refresh_from_db()
    new.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.CONFIRMED
    assert proposal.decided_by == reviewer and proposal.decided_at is not None
    assert proposal.version == 2
    appearance = Appearance.objects.get(claim=in_review, article=article)
    assert (appearance.start, appearance.end, appearance.is_primary) == (new.start, new.end, False)
    assert appearance.kind == Appearance.Kind.ARTICLE
    assert new.status == Claim.Status.DISMISSED and new.duplicate_of_id == in_review.pk
    assert new.dismissed_reason.endswith(f"Another appearance of claim #{in_review.pk}")
    actions = set(AuditEvent.objects.filter(claim_id=in_review.pk).values_list("action", flat=True))
    assert {
        "claims.appearance.added",
        "claims.claim.merged",
        "claims.appearance_proposal.confirmed",
    } <= actions
    event = AuditEvent.objects.get(action="claims.appearance_proposal.confirmed")
    assert event.actor == reviewer and event.article_id == article.pk
    assert event.changes["candidate"] == in_review.pk and event.changes["claim"] == new.pk


def test_an_editor_confirms_for_a_published_claim_and_the_reader_pages_are_refreshed(
    checked, article_b, editor
):
    article = article_b()
    told = []

    def listen(sender, claim_ids, article_ids, **kwargs):
        told.append((set(claim_ids), set(article_ids)))

    published_changed.connect(listen)
    try:
        services.appearance_proposal_confirm(proposal=_proposal(), user=editor, version=1)
    finally:
        published_changed.disconnect(listen)
    assert Appearance.objects.filter(claim=checked, article=article).exists()
    assert any(
        checked.pk in claims and {article.pk, checked.article_id} <= articles
        for claims, articles in told
    )
    checked.refresh_from_db()
    assert checked.status == Claim.Status.PUBLISHED


def test_a_reviewer_may_not_confirm_for_a_published_claim(checked, article_b, reviewer):
    article_b()
    proposal = _proposal()
    with pytest.raises(PermissionDenied, match="only an editor"):
        services.appearance_proposal_confirm(proposal=proposal, user=reviewer, version=1)
    proposal.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.PROPOSED
    assert Appearance.objects.filter(claim=checked).count() == 1


def test_keeping_them_separate_is_audited_and_never_proposed_again(checked, article_b, reviewer):
    article = article_b()
    proposal = _proposal()
    services.appearance_proposal_keep_separate(proposal=proposal, user=reviewer, version=1)
    proposal.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.KEPT_SEPARATE
    assert proposal.decided_by == reviewer
    event = AuditEvent.objects.get(action="claims.appearance_proposal.kept_separate")
    assert event.claim_id == proposal.claim_id and event.actor == reviewer
    assert services.appearance_proposals_find(article_id=article.pk) == 0
    assert AppearanceProposal.objects.count() == 1
    new = Claim.objects.get(pk=proposal.claim_id)
    assert new.status == Claim.Status.NEW  # nothing merged


def test_a_stale_version_is_a_conflict_and_changes_nothing(checked, article_b, editor, reviewer):
    article_b()
    proposal = _proposal()
    services.appearance_proposal_keep_separate(proposal=proposal, user=reviewer, version=1)
    with pytest.raises(services.ConflictError, match="kept separate"):
        services.appearance_proposal_confirm(proposal=proposal, user=editor, version=1)
    proposal.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.KEPT_SEPARATE
    assert not Appearance.objects.filter(claim=checked, is_primary=False).exists()


# ------------------------------------------------------------------------------ the pages


def test_the_article_page_and_the_claim_page_show_the_proposal(checked, article_b, client_for):
    article = article_b()
    proposal = _proposal()
    client = client_for("reviewer")
    for url in (
        reverse("claims:article_detail", kwargs={"pk": article.pk}),
        reverse("claims:claim_detail", kwargs={"pk": proposal.claim_id}),
    ):
        html = client.get(url).content.decode()
        assert "Another appearance of claim <a href=" in html, url
        assert f">#{checked.pk}</a>?" in html
        assert checked.text in html
        assert "False" in html  # the candidate's rating
        assert reverse("claims:appearance_proposal_confirm", kwargs={"pk": proposal.pk}) in html
        assert "Keep separate" in html


def test_confirming_through_the_page_works_without_script(checked, article_b, client_for):
    article = article_b()
    proposal = _proposal()
    back = reverse("claims:article_detail", kwargs={"pk": article.pk})
    response = client_for("editor").post(
        reverse("claims:appearance_proposal_confirm", kwargs={"pk": proposal.pk}),
        {"version": proposal.version, "return_to": "article", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    proposal.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.CONFIRMED


def test_a_reviewer_is_told_why_confirming_a_published_claim_is_refused(
    checked, article_b, client_for
):
    article_b()
    proposal = _proposal()
    response = client_for("reviewer").post(
        reverse("claims:appearance_proposal_confirm", kwargs={"pk": proposal.pk}),
        {"version": proposal.version, "return_to": "article"},
    )
    assert response.status_code == 403
    assert "only an editor may confirm" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.PROPOSED


def test_the_pages_answer_400_without_a_version_and_409_when_stale(
    checked, article_b, client_for, reviewer
):
    article_b()
    proposal = _proposal()
    url = reverse("claims:appearance_proposal_keep_separate", kwargs={"pk": proposal.pk})
    client = client_for("editor")
    assert client.post(url, {"return_to": "claim"}).status_code == 400
    services.appearance_proposal_keep_separate(proposal=proposal, user=reviewer, version=1)
    response = client.post(
        reverse("claims:appearance_proposal_confirm", kwargs={"pk": proposal.pk}),
        {"version": 1, "return_to": "claim"},
    )
    assert response.status_code == 409
    assert "Someone else changed this first" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == AppearanceProposal.State.KEPT_SEPARATE


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 302), ("admin", 302)],
)
def test_only_the_desk_may_decide_a_proposal(checked, article_b, client_for, persona, status):
    article_b()
    proposal = _proposal()
    response = client_for(persona).post(
        reverse("claims:appearance_proposal_keep_separate", kwargs={"pk": proposal.pk}),
        {"version": proposal.version, "return_to": "article"},
    )
    assert response.status_code == status
    proposal.refresh_from_db()
    decided = persona in {"reviewer", "admin"}
    assert (proposal.state == AppearanceProposal.State.KEPT_SEPARATE) is decided
    if persona == "anonymous":
        assert "login" in response["Location"]
    # GET is not a way to decide.
    assert client_for(persona).get(
        reverse("claims:appearance_proposal_confirm", kwargs={"pk": proposal.pk})
    ).status_code in {302, 403, 405}
