"""Editors withdraw a mistaken ingest: hidden everywhere, claims out of the queues, nothing of
a reviewer's work lost, the same text ingestable again."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from claims.models import Article, CitedLink, Claim, Evidence, IngestJob, Note
from claims.services import article_ingest, claim_reopen, content_hash
from tests.factories import (
    EvidenceFactory,
    IngestJobFactory,
    NoteFactory,
    VerdictFactory,
    published_claim,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "The city spent 4 million dollars on roads.\n\n"
    "Residents were unhappy about it.\n\n"
    "Taxes rose by 2 percent, [the budget](https://example.org/budget) says."
)


def _withdraw_url(article) -> str:
    return reverse("claims:article_withdraw", kwargs={"pk": article.pk})


@pytest.fixture
def article(keyword_scorer):
    return article_ingest(
        title="Mistake", text=TEXT, url="https://news.example.org/a", text_format="markdown"
    ).article


def test_the_confirm_page_lists_what_goes(article, client_for):
    response = client_for("editor").get(_withdraw_url(article))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Claims removed (2)" in page
    for claim in article.claims.all():
        assert f"#{claim.pk} {claim.text[:40]}" in page
    assert "1 cited link of the article is removed" in page
    assert f'name="version" value="{article.version}"' in page
    assert ">Withdraw the article</button>" in page
    assert Article.objects.get(pk=article.pk).ingest_state == Article.IngestState.READY


def test_an_editor_withdraws_an_article(article, client_for, editor):
    digest = article.content_hash
    claim_ids = list(article.claims.values_list("pk", flat=True))
    client = client_for("editor")
    response = client.post(
        _withdraw_url(article), {"version": article.version, "reason": "Pasted twice."}
    )
    assert response.status_code == 302 and response["Location"] == reverse("claims:home")
    article.refresh_from_db()
    assert article.ingest_state == Article.IngestState.WITHDRAWN
    assert article.content_hash != digest and article.version == 2
    assert not Claim.objects.filter(pk__in=claim_ids).exists()
    assert not CitedLink.objects.filter(article=article).exists()
    event = AuditEvent.objects.get(action="claims.article.withdrawn")
    assert event.actor == editor and event.message == "Pasted twice."
    assert event.changes["content_hash"] == digest
    assert event.changes["title"] == "Mistake"
    assert event.changes["url"] == "https://news.example.org/a"
    assert sorted(c["id"] for c in event.changes["claims_removed"]) == sorted(claim_ids)
    assert event.changes["cited_links_removed"] == 1
    home = client.get(reverse("claims:home")).content.decode()
    assert "withdrawn" in home and "Mistake" in home  # the message, once
    assert "Mistake" not in client.get(reverse("claims:home")).content.decode()


def test_a_withdrawn_article_is_hidden_everywhere(article, client_for):
    client_for("editor").post(_withdraw_url(article), {"version": article.version})
    reviewer = client_for("reviewer")
    assert (
        reviewer.get(reverse("claims:article_detail", kwargs={"pk": article.pk})).status_code == 404
    )
    assert client_for("editor").get(_withdraw_url(article)).status_code == 404
    queue = reviewer.get(reverse("claims:claim_queue")).content.decode()
    assert "The city spent 4 million" not in queue
    assert "Mistake" not in reviewer.get(reverse("claims:home")).content.decode()
    titles = reviewer.get(reverse("claims:article_titles"), {"article": "Mistake"})
    assert "Mistake" not in titles.content.decode()
    anonymous = client_for("anonymous")
    assert (
        anonymous.get(reverse("reader:article_detail", kwargs={"key": article.slug})).status_code
        == 404
    )
    # Its scored sentences cannot be made claims any more.
    sentence = article.sentences.first()
    promote = reviewer.post(reverse("claims:sentence_promote", kwargs={"pk": sentence.pk}))
    assert promote.status_code == 404
    assert not Claim.objects.filter(article=article).exists()


def test_the_same_text_can_be_ingested_again_after_a_withdrawal(article, client_for):
    client_for("editor").post(_withdraw_url(article), {"version": article.version})
    response = client_for("reviewer").post(
        reverse("claims:article_ingest"),
        {"mode": "paste", "text": TEXT, "text_format": "markdown", "confirm": "on"},
    )
    again = Article.objects.get(ingest_state=Article.IngestState.READY)
    assert response["Location"] == reverse("claims:article_detail", kwargs={"pk": again.pk})
    assert again.pk != article.pk and again.content_hash == content_hash(again.text)
    assert again.claims.count() == 2 and again.cited_links.count() == 1
    # Not a revision of the withdrawn one.
    assert again.previous_revision is None
    # The earlier ingest's job page no longer links the withdrawn article.
    job = IngestJobFactory(state=IngestJob.State.DONE, article=article)
    page = client_for("reviewer").get(reverse("claims:ingest_job", kwargs={"pk": job.pk}))
    assert "was withdrawn since" in page.content.decode()


def test_a_reviewer_may_not_withdraw(article, client_for):
    client = client_for("reviewer")
    assert client.get(_withdraw_url(article)).status_code == 403
    assert client.post(_withdraw_url(article), {"version": article.version}).status_code == 403
    article.refresh_from_db()
    assert article.ingest_state == Article.IngestState.READY
    assert not AuditEvent.objects.filter(action="claims.article.withdrawn").exists()


def test_an_article_with_a_published_verdict_is_refused(client_for):
    claim = published_claim()
    article = claim.article
    page = client_for("editor").get(_withdraw_url(article)).content.decode()
    assert "cannot be withdrawn" in page and ">Withdraw the article</button>" not in page
    response = client_for("editor").post(_withdraw_url(article), {"version": article.version})
    assert response.status_code == 400
    assert f"Claim #{claim.pk} has a published verdict" in response.content.decode()
    article.refresh_from_db()
    assert article.ingest_state == Article.IngestState.READY
    assert Claim.objects.filter(pk=claim.pk, status=Claim.Status.PUBLISHED).exists()


def test_claims_with_reviewer_work_are_kept_dismissed_with_their_work(
    article, client_for, reviewer
):
    first, second = article.claims.order_by("start")
    evidence = EvidenceFactory(claim=first)
    note = NoteFactory(claim=first)
    VerdictFactory(claim=second)
    page = client_for("editor").get(_withdraw_url(article)).content.decode()
    assert "Claims kept, dismissed with their work (2)" in page
    assert "1 piece of evidence; 1 note" in page and "1 verdict draft" in page
    response = client_for("editor").post(_withdraw_url(article), {"version": article.version})
    assert response.status_code == 302
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.status == Claim.Status.DISMISSED
        assert claim.dismissed_reason.startswith("The article was withdrawn")
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert Note.objects.filter(pk=note.pk).exists()
    # Their pages still open and say where they came from, without a dead link.
    page = client_for("reviewer").get(reverse("claims:claim_detail", kwargs={"pk": first.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mistake (withdrawn)" in html and "Checked the council minutes." in html
    assert reverse("claims:article_detail", kwargs={"pk": article.pk}) not in html
    assert AuditEvent.objects.filter(action="claims.claim.dismissed").count() == 2
    event = AuditEvent.objects.get(action="claims.article.withdrawn")
    assert event.changes["claims_kept"] == [first.pk, second.pk]
    assert event.changes["claims_removed"] == []
    # They stay dismissed: reopening one would put it back in the queues on a hidden article.
    with pytest.raises(ValidationError, match="article was withdrawn"):
        claim_reopen(claim=first, user=reviewer, version=first.version)


def test_a_revision_whose_claims_came_from_an_earlier_one_is_refused(keyword_scorer, client_for):
    url = "https://news.example.org/rev"
    first = article_ingest(title="V1", text=TEXT, url=url, text_format="markdown").article
    second = article_ingest(
        title="V2", text=TEXT + "\n\nA new line was added.", url=url, text_format="markdown"
    ).article
    assert second.previous_revision == first
    moved = second.claims.exclude(anchor_match=Claim.AnchorMatch.ORIGINAL)
    assert moved.exists()
    editor = client_for("editor")
    refused = editor.post(_withdraw_url(second), {"version": second.version})
    assert refused.status_code == 400
    assert "came from an earlier revision" in refused.content.decode()
    older = editor.post(_withdraw_url(first), {"version": first.version})
    assert older.status_code == 400 and "A newer revision" in older.content.decode()
    assert Article.objects.filter(ingest_state=Article.IngestState.READY).count() == 2
    assert moved.count() == second.claims.count()


def test_the_version_is_required_and_checked(article, client_for):
    client = client_for("editor")
    assert client.post(_withdraw_url(article), {}).status_code == 400
    stale = client.post(_withdraw_url(article), {"version": article.version + 5})
    assert stale.status_code == 409
    assert "changed this article" in stale.content.decode()
    article.refresh_from_db()
    assert article.ingest_state == Article.IngestState.READY
    assert article.claims.count() == 2
