"""Four-eyes that cannot be bypassed: nobody who changed a verdict's content (rating,
summary, rationale, correction note) or its claim's evidence since the claim was last
published may approve it. Contributors are recorded per verdict version
(``Verdict.contributors``) and shown on the claim page."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Verdict, VerdictContribution
from factcheck.lib.roles import EDITOR, REVIEWER, role_assign
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import ClaimFactory, EvidenceFactory, UserFactory, rating_level

pytestmark = pytest.mark.django_db

REFUSED = "another editor must approve it (four-eyes rule)"


def _url(name: str, claim, **kwargs) -> str:
    return reverse(f"claims:{name}", kwargs={"pk": claim.pk, **kwargs})


def _person(username: str, role: str):
    user = UserFactory(username=username)
    role_assign(user, role)
    return user


@pytest.fixture
def other_editor(roles):
    return _person("second-editor", EDITOR)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _draft(claim, author, rating="true", **fields):
    return services.verdict_save(
        claim=claim,
        user=author,
        rating=rating_level(rating),
        summary=fields.pop("summary", "The city spent 4.2 million."),
        rationale=fields.pop("rationale", "The audited accounts say so."),
        version=fields.pop("version", NO_VERSION_CHECK),
        **fields,
    )


def _awaiting(claim, author, rating="true"):
    verdict = _draft(claim, author, rating)
    services.claim_submit_for_approval(claim=claim, user=author, version=NO_VERSION_CHECK)
    verdict.refresh_from_db()
    return verdict


def _contributors(verdict) -> dict[str, list[str]]:
    return {
        row.user.username: row.changed
        for row in VerdictContribution.objects.filter(verdict=verdict).select_related("user")
    }


def _add_evidence(claim, user, url="https://example.org/audit"):
    return services.evidence_add(claim=claim, user=user, url=url, stance="refutes")


# ------------------------------------------------------------------- the bypass, replayed


def test_an_editor_who_changed_the_rating_cannot_publish_it_through_the_pages(
    reviewer, editor, other_editor
):
    claim = ClaimFactory()
    reviewer_client, editor_client = _client(reviewer), _client(editor)
    # The reviewer drafts "True".
    response = reviewer_client.post(
        _url("verdict_save", claim),
        {
            "rating": rating_level("true").pk,
            "summary": "Right.",
            "rationale": "The accounts.",
            "version": 0,
        },
    )
    assert response.status_code == 302
    verdict = Verdict.objects.get(claim=claim)
    # The editor turns it into "False" and submits it.
    response = editor_client.post(
        _url("verdict_save", claim),
        {
            "rating": rating_level("false").pk,
            "summary": "Right.",
            "rationale": "The accounts.",
            "version": verdict.version,
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    response = editor_client.post(_url("claim_submit", claim), {"version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL

    # The same editor is not offered the button, and posting anyway is refused.
    page = editor_client.get(_url("claim_detail", claim)).content.decode()
    assert "Approve and publish" not in page
    assert "You changed this verdict&#x27;s rating: " + REFUSED in page
    assert "Contributors: persona-reviewer, persona-editor" in page
    response = editor_client.post(
        _url("claim_publish", claim), {"version": claim.version}, follow=True
    )
    html = response.content.decode()
    assert REFUSED in html and "since the claim was last published" in html
    claim.refresh_from_db()
    verdict.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    assert verdict.state == Verdict.State.AWAITING_APPROVAL and verdict.approver is None
    assert not AuditEvent.objects.filter(action="claims.verdict.published").exists()

    # An editor who changed nothing publishes it.
    response = _client(other_editor).post(_url("claim_publish", claim), {"version": claim.version})
    assert response.status_code == 302
    verdict.refresh_from_db()
    assert (verdict.state, verdict.approver, verdict.rating) == (
        "published",
        other_editor,
        rating_level("false"),
    )
    assert _contributors(verdict) == {
        "persona-reviewer": ["rating", "summary", "rationale"],
        "persona-editor": ["rating"],
    }
    published = AuditEvent.objects.get(action="claims.verdict.published")
    assert published.changes["contributors"] == ["persona-editor", "persona-reviewer"]


def test_the_published_verdict_box_names_its_contributors(reviewer, editor, other_editor):
    claim = ClaimFactory()
    _add_evidence(claim, editor)
    _awaiting(claim, reviewer)
    services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK)
    page = _client(reviewer).get(_url("claim_detail", claim)).content.decode()
    assert "Contributors: persona-editor, persona-reviewer" in page


# ------------------------------------------------------------------------------ evidence


def test_an_editor_who_added_evidence_cannot_publish_someone_elses_verdict(
    reviewer, editor, other_editor
):
    claim = ClaimFactory()
    _draft(claim, reviewer)
    _add_evidence(claim, editor)
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    with pytest.raises(ValidationError, match="You changed the claim's evidence: another editor"):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    assert (
        services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK).approver
        == other_editor
    )


def test_evidence_added_before_the_draft_existed_counts_too(reviewer, editor, other_editor):
    claim = ClaimFactory()
    _add_evidence(claim, editor)  # no verdict yet: the audit log remembers it
    verdict = _awaiting(claim, reviewer)
    assert _contributors(verdict) == {
        "persona-editor": ["evidence"],
        "persona-reviewer": ["rating", "summary", "rationale"],
    }
    with pytest.raises(ValidationError, match="claim's evidence"):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK)


@pytest.mark.parametrize("change", ["edit", "remove"])
def test_editing_or_removing_evidence_makes_the_editor_a_contributor(
    change, reviewer, editor, other_editor
):
    claim = ClaimFactory()
    evidence = EvidenceFactory(claim=claim, added_by=reviewer)
    _draft(claim, reviewer)
    if change == "edit":
        services.evidence_edit(
            evidence=evidence,
            user=editor,
            stance="supports",
            quote="3.9m",
            version=NO_VERSION_CHECK,
        )
    else:
        services.evidence_remove(
            evidence=evidence, user=editor, reason="A better source.", version=NO_VERSION_CHECK
        )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    with pytest.raises(ValidationError, match="claim's evidence"):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK)


def test_evidence_added_through_the_page_blocks_its_adder_from_publishing(
    client_for, reviewer, other_editor
):
    client = client_for("editor")
    claim = ClaimFactory()
    _draft(claim, reviewer)
    response = client.post(
        _url("evidence_add", claim), {"url": "https://example.org/audit", "stance": "refutes"}
    )
    assert response.status_code == 302
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    response = client.post(_url("claim_publish", claim), {"version": claim.version}, follow=True)
    assert "You changed the claim&#x27;s evidence: " + REFUSED in response.content.decode()
    assert not Verdict.objects.filter(state="published").exists()


def test_merging_a_duplicate_with_evidence_counts_for_the_merger_and_the_evidence_writers(
    reviewer, editor, other_editor
):
    writer = _person("evidence-writer", EDITOR)
    keep = ClaimFactory()
    duplicate = ClaimFactory(article=keep.article, start=keep.end + 2, end=len(keep.article.text))
    _add_evidence(duplicate, writer)
    _draft(keep, reviewer)
    services.claim_merge(
        duplicate=duplicate, keep=keep, user=editor, reason="Same claim.", version=NO_VERSION_CHECK
    )
    services.claim_submit_for_approval(claim=keep, user=reviewer, version=NO_VERSION_CHECK)
    for person in (editor, writer):
        with pytest.raises(ValidationError, match="claim's evidence"):
            services.claim_publish(claim=keep, user=person, version=NO_VERSION_CHECK)
    services.claim_publish(claim=keep, user=other_editor, version=NO_VERSION_CHECK)


def test_a_merge_that_moves_no_evidence_changes_no_contributor(reviewer, editor):
    keep = ClaimFactory()
    duplicate = ClaimFactory(article=keep.article, start=keep.end + 2, end=len(keep.article.text))
    _awaiting(keep, reviewer)
    services.claim_merge(
        duplicate=duplicate, keep=keep, user=editor, reason="Same claim.", version=NO_VERSION_CHECK
    )
    assert (
        services.claim_publish(claim=keep, user=editor, version=NO_VERSION_CHECK).approver == editor
    )


def test_returning_assigning_and_notes_are_not_content(reviewer, editor):
    claim = ClaimFactory()
    _awaiting(claim, reviewer)
    services.claim_return_to_review(
        claim=claim, user=editor, reason="Cite the audit.", version=NO_VERSION_CHECK
    )
    services.note_add(claim=claim, user=editor, body="The audit is on page 4.")
    services.claim_assign(claim=claim, assignee=reviewer, user=editor, version=NO_VERSION_CHECK)
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    assert (
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK).approver
        == editor
    )


# --------------------------------------------------------------------------- corrections


def test_a_correction_counts_only_the_changes_since_the_last_publication(
    reviewer, editor, other_editor
):
    claim = ClaimFactory()
    _add_evidence(claim, editor)
    first = _awaiting(claim, reviewer)
    services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK)
    # After publication: other_editor adds evidence, then the reviewer drafts a correction.
    _add_evidence(claim, other_editor, url="https://example.org/second-audit")
    second = _draft(claim, reviewer, "mostly-false", correction_note="A later audit found 3.9m.")
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    second.refresh_from_db()
    assert _contributors(second) == {
        "second-editor": ["evidence"],
        "persona-reviewer": ["rating", "summary", "rationale", "correction_note"],
    }
    # The first version's record is kept as it was approved.
    assert _contributors(first) == {
        "persona-editor": ["evidence"],
        "persona-reviewer": ["rating", "summary", "rationale"],
    }
    with pytest.raises(ValidationError, match="claim's evidence"):
        services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK)
    # The editor's evidence was approved with the first version: they may approve this one.
    published = services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    assert (published.pk, published.number, published.approver) == (second.pk, 2, editor)


# ---------------------------------------------------------------------- cannot be bypassed


def test_publishing_derives_the_contributors_again_from_the_audit_log(
    reviewer, editor, other_editor
):
    claim = ClaimFactory()
    verdict = _draft(claim, reviewer)
    _draft(claim, editor, "false", version=verdict.version)
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    VerdictContribution.objects.all().delete()  # the stored rows lost, by whatever means
    with pytest.raises(ValidationError, match="You changed this verdict's rating"):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK)
    assert set(_contributors(verdict)) == {"persona-reviewer", "persona-editor"}


def test_the_author_is_refused_even_without_any_recorded_event(editor):
    claim = ClaimFactory(status=Claim.Status.AWAITING_APPROVAL)
    Verdict.objects.create(
        claim=claim, rating=rating_level(), summary="S", rationale="R", author=editor,
        state=Verdict.State.AWAITING_APPROVAL,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="You drafted this verdict"):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)


def test_a_one_person_desk_may_relax_four_eyes(editor, settings):
    settings.FACTCHECK_FOUR_EYES = False
    claim = ClaimFactory()
    _add_evidence(claim, editor)
    verdict = _draft(claim, editor)
    _draft(claim, editor, "false", version=verdict.version)
    services.claim_submit_for_approval(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    page = _client(editor).get(_url("claim_detail", claim)).content.decode()
    assert "Approve and publish" in page and "four-eyes rule" not in page
    published = services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    assert published.approver == published.author == editor
    # Contributors are still recorded: the page says who wrote it.
    assert _contributors(published) == {
        "persona-editor": ["rating", "summary", "rationale", "evidence"]
    }


def test_the_demo_publishes_through_four_eyes(roles):
    from claims.demo import demo_seed

    demo_seed()
    published = Verdict.objects.filter(state__in=["published", "superseded"]).select_related(
        "approver"
    )
    assert published.exists()
    for verdict in published:
        assert verdict.approver.username not in _contributors(verdict)
        assert _contributors(verdict)


# ---------------------------------------------------------------------------- migration


def test_the_data_migration_derives_the_same_contributors_as_the_services(
    reviewer, editor, other_editor
):
    import importlib

    migration = importlib.import_module("claims.migrations.0012_verdict_contributors")
    writer = _person("evidence-writer", REVIEWER)
    claim = ClaimFactory()
    duplicate = ClaimFactory(
        article=claim.article, start=claim.end + 2, end=len(claim.article.text)
    )
    _add_evidence(duplicate, writer, url="https://example.org/moved")
    _add_evidence(claim, editor)
    _awaiting(claim, reviewer)
    services.claim_publish(claim=claim, user=other_editor, version=NO_VERSION_CHECK)
    # Merging into the published claim is an editor's: it opens the correction (rule 5).
    services.claim_merge(
        duplicate=duplicate, keep=claim, user=editor, reason="Same.", version=NO_VERSION_CHECK
    )
    correction = _draft(claim, other_editor, "false", correction_note="Wrong rating.")
    _draft(claim, reviewer, "mostly-false", correction_note="Wrong rating.",
           version=correction.version)  # fmt: skip
    stored = {
        (row.verdict_id, row.user_id): (row.changed, row.added_at)
        for row in VerdictContribution.objects.all()
    }
    VerdictContribution.objects.all().delete()
    migration.contributors_from_audit_log(apps, None)
    derived = {
        (row.verdict_id, row.user_id): (row.changed, row.added_at)
        for row in VerdictContribution.objects.all()
    }
    assert derived == stored
    assert _contributors(correction) == {
        # Drafted the correction the merge opened, and moved the duplicate's evidence.
        "persona-editor": ["rating", "summary", "rationale", "correction_note", "evidence"],
        "second-editor": ["rating", "correction_note"],
        "persona-reviewer": ["rating"],
        "evidence-writer": ["evidence"],
    }
