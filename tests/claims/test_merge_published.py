"""Merging into a claim with a published verdict is an editor's action that opens a
correction through four-eyes; readers see nothing new until it is published, and their
cached pages follow (issue: "Merging edits a published check")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Evidence, Verdict
from factcheck.lib.roles import EDITOR, role_assign
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import claim_path
from tests.factories import ArticleFactory, ClaimFactory, UserFactory, rating_level

pytestmark = pytest.mark.django_db

TEXT = "The mayor owns three cars. The mayor has three cars, records show."
MOVED_URL = "https://example.org/registry-of-vehicles"


@pytest.fixture(autouse=True)
def _site_is_the_test_server(settings):
    settings.FACTCHECK_SITE_URL = "http://testserver"


@pytest.fixture
def other_editor(roles):
    user = UserFactory(username="second-editor")
    role_assign(user, EDITOR)
    return user


def _claim(article, passage):
    start = article.text.index(passage)
    return ClaimFactory(article=article, start=start, end=start + len(passage))


def _publish(claim, reviewer, editor):
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="He owns two.",
        rationale="The vehicle registry lists two.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    return services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)


@pytest.fixture
def pair(reviewer, editor):
    """A published claim and an unpublished duplicate of it with one piece of evidence."""
    article = ArticleFactory(text=TEXT)
    keep = _claim(article, "The mayor owns three cars.")
    duplicate = _claim(article, "The mayor has three cars, records show.")
    _publish(keep, reviewer, editor)
    services.evidence_add(claim=duplicate, user=reviewer, url=MOVED_URL, stance="refutes")
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    return keep, duplicate


def _merge_through_the_page(client, duplicate, keep):
    return client.post(
        reverse("claims:claim_merge", kwargs={"pk": duplicate.pk}),
        {"keep": keep.pk, "reason": "The same statement.", "version": duplicate.version},
        follow=True,
    )


def test_a_reviewer_cannot_merge_into_a_published_claim_through_the_page(client_for, pair):
    keep, duplicate = pair
    response = _merge_through_the_page(client_for("reviewer"), duplicate, keep)
    assert "only an editor may do" in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.status != Claim.Status.DISMISSED
    assert Evidence.objects.filter(claim=duplicate, link__url=MOVED_URL).exists()
    assert keep.verdicts.count() == 1
    assert not AuditEvent.objects.filter(action="claims.claim.merged").exists()


def test_the_service_refuses_a_reviewer_too(reviewer, pair):
    keep, duplicate = pair
    with pytest.raises(ValidationError, match="only an editor"):
        services.claim_merge(
            duplicate=duplicate, keep=keep, user=reviewer, reason="Same.", version=duplicate.version
        )


def test_an_editors_merge_opens_a_correction_that_needs_another_editor(
    client_for, pair, editor, other_editor
):
    keep, duplicate = pair
    published = keep.verdicts.get(state=Verdict.State.PUBLISHED)
    response = _merge_through_the_page(client_for("editor"), duplicate, keep)
    page = response.content.decode()
    assert f"merged into #{keep.pk}" in page and "a correction (version 2) was opened" in page

    keep.refresh_from_db()
    assert keep.status == Claim.Status.PUBLISHED  # the published check stands meanwhile
    assert Evidence.objects.filter(claim=keep, link__url=MOVED_URL).exists()
    correction = keep.verdicts.get(state=Verdict.State.DRAFT)
    assert correction.number == 2 and correction.supersedes_id == published.pk
    assert (correction.rating_id, correction.summary) == (published.rating_id, published.summary)
    assert correction.correction_note
    published.refresh_from_db()
    assert published.state == Verdict.State.PUBLISHED

    # Four-eyes: the merging editor changed the evidence; they may not approve it.
    merger = type(editor).objects.get(pk=editor.pk)
    services.claim_submit_for_approval(claim=keep, user=merger, version=NO_VERSION_CHECK)
    with pytest.raises(ValidationError, match="four-eyes"):
        services.claim_publish(claim=keep, user=merger, version=NO_VERSION_CHECK)
    services.claim_publish(claim=keep, user=other_editor, version=NO_VERSION_CHECK)
    assert keep.verdicts.get(state=Verdict.State.PUBLISHED).number == 2


def test_readers_see_the_moved_evidence_only_once_the_correction_is_published(
    client, pair, editor, other_editor, django_capture_on_commit_callbacks
):
    keep, duplicate = pair
    assert client.get(claim_path(keep)).status_code == 200
    assert client.get(claim_path(keep))["X-Reader-Cache"] == "hit"  # cached
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_merge(
            duplicate=duplicate, keep=keep, user=editor, reason="Same.", version=duplicate.version
        )
    response = client.get(claim_path(keep))
    assert response["X-Reader-Cache"] == "miss"  # the merge let go of the cached page
    assert MOVED_URL not in response.content.decode()  # not approved yet

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_submit_for_approval(claim=keep, user=editor, version=NO_VERSION_CHECK)
        services.claim_publish(claim=keep, user=other_editor, version=NO_VERSION_CHECK)
    assert MOVED_URL in client.get(claim_path(keep)).content.decode()


def test_a_merge_that_moves_no_evidence_opens_no_correction(reviewer, editor):
    article = ArticleFactory(text=TEXT)
    keep = _claim(article, "The mayor owns three cars.")
    duplicate = _claim(article, "The mayor has three cars, records show.")
    _publish(keep, reviewer, editor)
    services.note_add(claim=duplicate, user=reviewer, body="Same as the other one.")
    kept = services.claim_merge(
        duplicate=duplicate, keep=keep, user=editor, reason="Same.", version=duplicate.version
    )
    assert kept.opened_correction is None
    assert list(keep.verdicts.values_list("state", flat=True)) == [Verdict.State.PUBLISHED]
    assert keep.notes.count() == 1


def test_evidence_joins_a_correction_already_in_progress(reviewer, editor, pair):
    keep, duplicate = pair
    services.verdict_save(
        claim=keep,
        user=reviewer,
        rating=rating_level("false"),
        summary="He owns two.",
        rationale="Checked again.",
        correction_note="Rationale expanded.",
        version=NO_VERSION_CHECK,
    )
    kept = services.claim_merge(
        duplicate=duplicate, keep=keep, user=editor, reason="Same.", version=duplicate.version
    )
    assert kept.opened_correction is None
    assert keep.verdicts.filter(state=Verdict.State.DRAFT).count() == 1


def test_an_unpublished_claim_is_merged_into_by_a_reviewer_as_before(client_for, reviewer):
    article = ArticleFactory(text=TEXT)
    keep = _claim(article, "The mayor owns three cars.")
    duplicate = _claim(article, "The mayor has three cars, records show.")
    services.evidence_add(claim=duplicate, user=reviewer, url=MOVED_URL, stance="refutes")
    duplicate.refresh_from_db()
    _merge_through_the_page(client_for("reviewer"), duplicate, keep)
    assert Evidence.objects.filter(claim=keep, link__url=MOVED_URL).exists()
    assert not keep.verdicts.exists()
