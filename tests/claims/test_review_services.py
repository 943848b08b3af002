"""The reviewer workbench's services: evidence, verdicts, the workflow and its rules,
assignment, merging, notes, and the audit events every change writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Evidence, Note, RatingLevel, RatingScale, Verdict
from claims.rendering import render_note_body
from factcheck.lib.versions import NO_VERSION_CHECK
from sources.models import Link, Source
from sources.registry import registrable_domain, source_for_url
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    NoteFactory,
    SourceFactory,
    rating_level,
)

pytestmark = pytest.mark.django_db


def _contrast(colour: str, text: str) -> float:
    def luminance(value: str) -> float:
        channels = [int(value[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(colour), luminance(text)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _actions(claim) -> list[str]:
    return list(
        AuditEvent.objects.filter(claim_id=claim.pk).order_by("id").values_list("action", flat=True)
    )


def _drafted(claim, author, *, rating="false", version=NO_VERSION_CHECK):
    return services.verdict_save(
        claim=claim,
        user=author,
        rating=rating_level(rating),
        summary="The city spent 3.1 million.",
        rationale="The audited accounts say so.",
        version=version,
    )


def _awaiting(claim, author):
    verdict = _drafted(claim, author)
    services.claim_submit_for_approval(claim=claim, user=author, version=NO_VERSION_CHECK)
    verdict.refresh_from_db()
    return verdict


# ------------------------------------------------------------------------ rating scale


def test_the_default_scale_is_the_one_active_scale_with_seven_readable_levels():
    scale = RatingScale.objects.get(is_active=True)
    levels = list(scale.levels.order_by("position"))
    assert [level.label for level in levels] == [
        "True",
        "Mostly true",
        "Mixed",
        "Mostly false",
        "False",
        "Unsupported",
        "Satire/Opinion",
    ]
    assert [level.label for level in levels if level.is_best] == ["True"]
    assert [level.label for level in levels if level.is_worst] == ["False"]
    assert all(level.definition for level in levels)
    for level in levels:
        assert _contrast(level.colour, level.text_colour) >= 4.5, level.label


def test_only_one_scale_can_be_active():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RatingScale.objects.create(name="Another", is_active=True)


# ---------------------------------------------------------------------------- evidence


def test_evidence_by_url_becomes_a_watched_link_without_a_source_while_unregistered(reviewer):
    claim = ClaimFactory()
    evidence = services.evidence_add(
        claim=claim,
        user=reviewer,
        url="HTTPS://www.Example.ORG:443/report/../budget?year=2023#page-2",
        stance=Evidence.Stance.REFUTES,
        quote="  3.1 million  ",
        note="Audited figure.",
    )
    assert evidence.link.url == "https://www.example.org/budget?year=2023"
    assert Link.objects.filter(url=evidence.link.url).count() == 1
    # No source owns example.org: the evidence waits in the unregistered domains list.
    assert evidence.source is None and evidence.source_rating is None
    assert Source.objects.count() == 0
    assert evidence.quote == "3.1 million"
    assert evidence.added_by == reviewer
    event = AuditEvent.objects.get(action="claims.evidence.added")
    assert event.actor == reviewer and event.claim_id == claim.pk
    assert event.changes["url"] == evidence.link.url
    assert event.changes["source"] is None


def test_evidence_finds_the_registered_source_by_domain(reviewer):
    bbc = SourceFactory(name="BBC", home_url="https://www.bbc.co.uk/", domains=["bbc.co.uk"])
    evidence = services.evidence_add(
        claim=ClaimFactory(), user=reviewer, url="https://news.bbc.co.uk/x", stance="context"
    )
    assert evidence.source == bbc and evidence.link.source == bbc
    assert registrable_domain("https://a.b.bbc.co.uk/") == "bbc.co.uk"
    assert source_for_url("http://127.0.0.1:8000/x") is None


def test_the_same_url_twice_on_one_claim_is_refused_with_a_clear_message(reviewer):
    claim = ClaimFactory()
    services.evidence_add(
        claim=claim, user=reviewer, url="https://example.org/a", stance="supports"
    )
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            claim=claim, user=reviewer, url="https://EXAMPLE.org/a#again", stance="refutes"
        )
    assert "already evidence for this claim" in refused.value.message_dict["url"][0]
    # Another claim may cite it.
    services.evidence_add(
        claim=ClaimFactory(), user=reviewer, url="https://example.org/a", stance="refutes"
    )
    assert Evidence.objects.count() == 2 and Link.objects.count() == 1


@pytest.mark.parametrize("url", ["", "not a url", "javascript:alert(1)", "ftp://example.org/x"])
def test_an_unusable_evidence_url_is_refused_on_the_url_field(reviewer, url):
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(claim=ClaimFactory(), user=reviewer, url=url, stance="supports")
    assert "url" in refused.value.message_dict
    assert Evidence.objects.count() == 0


def test_a_reader_cannot_add_evidence(reader):
    with pytest.raises(PermissionDenied):
        services.evidence_add(
            claim=ClaimFactory(), user=reader, url="https://example.org/", stance="supports"
        )


# ----------------------------------------------------------------------------- verdicts


def test_drafting_a_verdict_takes_a_new_claim_into_review_and_records_it(reviewer):
    claim = ClaimFactory()
    verdict = _drafted(claim, reviewer)
    claim.refresh_from_db()
    assert (verdict.number, verdict.state, verdict.author) == (1, "draft", reviewer)
    assert claim.status == Claim.Status.IN_REVIEW and claim.assignee == reviewer
    assert claim.rating == rating_level("false")
    assert _actions(claim) == ["claims.verdict.drafted", "claims.claim.review_started"]


def test_a_rating_from_another_scale_is_refused(reviewer):
    other = RatingScale.objects.create(name="Old scale", is_active=False)
    stale = RatingLevel.objects.create(
        scale=other, label="Pants on fire", slug="pants", value=0, colour="#b3261e",
        definition="Ridiculous.",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.verdict_save(
            claim=ClaimFactory(),
            user=reviewer,
            rating=stale,
            summary="S",
            rationale="R",
            version=NO_VERSION_CHECK,
        )
    assert "not on the active rating scale" in refused.value.message_dict["rating"][0]
    assert not Verdict.objects.exists()


def test_an_edit_from_an_old_version_is_a_conflict_that_says_what_changed(reviewer, editor):
    claim = ClaimFactory()
    verdict = _drafted(claim, reviewer)
    services.verdict_save(
        claim=claim, user=editor, rating=rating_level("mostly-false"), summary="Editor's",
        rationale="The audited accounts say so.", version=verdict.version,
    )  # fmt: skip
    with pytest.raises(services.ConflictError) as conflict:
        services.verdict_save(
            claim=claim, user=reviewer, rating=rating_level("false"), summary="Mine",
            rationale="The audited accounts say so.", version=verdict.version,
        )  # fmt: skip
    changes = {c.field: (c.yours, c.theirs) for c in conflict.value.changes}
    assert changes == {"rating": ("False", "Mostly false"), "summary": ("Mine", "Editor's")}
    assert "persona-editor saved this verdict" in str(conflict.value)
    verdict.refresh_from_db()
    assert verdict.summary == "Editor's" and verdict.version == 2
    assert AuditEvent.objects.filter(action="claims.verdict.edited").count() == 1


def test_starting_a_second_draft_while_one_exists_is_a_conflict(reviewer, editor):
    claim = ClaimFactory()
    _drafted(claim, reviewer)
    with pytest.raises(services.ConflictError):
        _drafted(claim, editor, version=0)  # the editor's page had no draft
    assert Verdict.objects.count() == 1


# ----------------------------------------------------------------------------- workflow


def test_the_whole_workflow_with_four_eyes(reviewer, editor):
    claim = ClaimFactory()
    services.claim_start_review(claim=claim, user=reviewer, version=1)
    with pytest.raises(ValidationError, match="Draft a verdict first"):
        services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    verdict = _awaiting(claim, reviewer)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    assert verdict.state == Verdict.State.AWAITING_APPROVAL
    with pytest.raises(PermissionDenied):
        services.claim_publish(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    published = services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert (published.state, published.approver, published.author) == (
        "published",
        editor,
        reviewer,
    )
    assert published.published_at is not None
    assert _actions(claim) == [
        "claims.claim.review_started",
        "claims.verdict.drafted",
        "claims.claim.rated",
        "claims.verdict.submitted",
        "claims.claim.submitted",
        "claims.verdict.published",
        "claims.claim.published",
    ]
    assert set(
        AuditEvent.objects.filter(claim_id=claim.pk).values_list("actor__username", flat=True)
    ) == {
        "persona-reviewer",
        "persona-editor",
    }


def test_an_editor_cannot_approve_their_own_verdict(editor):
    claim = ClaimFactory()
    _awaiting(claim, editor)
    with pytest.raises(ValidationError, match="another editor must approve"):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    assert not Verdict.objects.filter(state="published").exists()


def test_a_one_person_desk_may_relax_four_eyes(editor, settings):
    settings.FACTCHECK_FOUR_EYES = False
    claim = ClaimFactory()
    _awaiting(claim, editor)
    verdict = services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    assert verdict.approver == verdict.author == editor


def test_a_published_verdict_is_corrected_by_a_new_version_with_a_public_note(reviewer, editor):
    claim = ClaimFactory()
    _awaiting(claim, reviewer)
    first = services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    with pytest.raises(ValidationError) as refused:
        _drafted(claim, reviewer, rating="mostly-false")
    assert "correction_note" in refused.value.message_dict
    second = services.verdict_save(
        claim=claim, user=reviewer, rating=rating_level("mostly-false"), summary="Nuanced.",
        rationale="A second audit found part of it.", correction_note="A later audit found 3.9m.",
        version=NO_VERSION_CHECK,
    )  # fmt: skip
    first.refresh_from_db()
    assert (second.number, second.supersedes, second.state) == (2, first, "draft")
    assert (first.state, first.summary) == ("published", "The city spent 3.1 million.")
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED  # the first version stays public meanwhile
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    first.refresh_from_db()
    second.refresh_from_db()
    claim.refresh_from_db()
    assert (first.state, second.state) == ("superseded", "published")
    assert claim.rating == rating_level("mostly-false")
    assert Verdict.objects.filter(claim=claim, state="published").count() == 1
    assert "claims.verdict.superseded" in _actions(claim)


def test_dismissing_needs_a_reason_and_never_applies_to_a_published_claim(reviewer, editor):
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as refused:
        services.claim_dismiss(claim=claim, user=reviewer, reason="  ", version=NO_VERSION_CHECK)
    assert "reason" in refused.value.message_dict
    services.claim_dismiss(
        claim=claim, user=reviewer, reason="Opinion, not a claim.", version=NO_VERSION_CHECK
    )
    claim.refresh_from_db()
    assert (claim.status, claim.dismissed_reason) == ("dismissed", "Opinion, not a claim.")
    services.claim_reopen(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == "in_review" and claim.dismissed_reason == ""
    _awaiting(claim, reviewer)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    with pytest.raises(ValidationError, match="publish a correction"):
        services.claim_dismiss(
            claim=claim, user=reviewer, reason="Changed my mind.", version=NO_VERSION_CHECK
        )


def test_a_stale_version_of_the_claim_is_refused_with_who_changed_it(reviewer, editor):
    claim = ClaimFactory()
    services.claim_assign(claim=claim, assignee=editor, user=editor, version=1)
    with pytest.raises(services.ConflictError) as conflict:
        services.claim_assign(claim=claim, assignee=reviewer, user=reviewer, version=1)
    assert "persona-editor changed the assignee" in str(conflict.value)
    claim.refresh_from_db()
    assert claim.assignee == editor and claim.version == 2


def test_only_reviewers_can_be_assigned(reviewer, reader):
    with pytest.raises(ValidationError, match="not a reviewer"):
        services.claim_assign(
            claim=ClaimFactory(), assignee=reader, user=reviewer, version=NO_VERSION_CHECK
        )


def test_bulk_assign_changes_each_claim_once_and_records_each(reviewer, editor):
    claims = [ClaimFactory() for _ in range(3)]
    services.claim_assign(claim=claims[0], assignee=editor, user=reviewer, version=NO_VERSION_CHECK)
    changed = services.claim_bulk_assign(
        claim_ids=[c.pk for c in claims], assignee=editor, user=reviewer
    )
    assert changed == 2
    assert set(Claim.objects.values_list("assignee__username", flat=True)) == {"persona-editor"}
    assert AuditEvent.objects.filter(action="claims.claim.assigned").count() == 3
    with pytest.raises(ValidationError):
        services.claim_bulk_assign(claim_ids=[], assignee=editor, user=reviewer)


def test_a_reader_cannot_bulk_assign(reader, editor):
    with pytest.raises(PermissionDenied):
        services.claim_bulk_assign(claim_ids=[ClaimFactory().pk], assignee=editor, user=reader)


def test_merging_moves_evidence_and_notes_and_dismisses_the_duplicate(reviewer):
    keep = ClaimFactory()
    duplicate = ClaimFactory(article=keep.article, start=keep.end + 2, end=len(keep.article.text))
    shared = LinkFactory()
    EvidenceFactory(claim=keep, link=shared)
    EvidenceFactory(claim=duplicate, link=shared)
    moved = EvidenceFactory(claim=duplicate)
    NoteFactory(claim=duplicate)
    services.claim_merge(
        duplicate=duplicate,
        keep=keep,
        user=reviewer,
        reason="Same figure.",
        version=NO_VERSION_CHECK,
    )
    duplicate.refresh_from_db()
    assert duplicate.status == "dismissed" and duplicate.duplicate_of == keep
    assert duplicate.dismissed_reason == f"Duplicate of claim #{keep.pk}: Same figure."
    assert set(keep.evidence.values_list("pk", flat=True)) >= {moved.pk}
    assert keep.evidence.count() == 2 and duplicate.evidence.count() == 1
    assert Note.objects.get().claim == keep
    assert "claims.claim.merged" in _actions(keep)
    assert "claims.claim.merged_into" in _actions(duplicate)
    with pytest.raises(ValidationError):
        services.claim_merge(
            duplicate=keep, keep=keep, user=reviewer, reason="x", version=NO_VERSION_CHECK
        )


# -------------------------------------------------------------------------------- notes


def test_notes_record_mentions_of_reviewers_only(reviewer, editor, reader):
    note = services.note_add(
        claim=ClaimFactory(),
        user=reviewer,
        body="@persona-editor please check; cc @persona-reader and mail x@persona-editor.org",
    )
    assert [u.username for u in note.mentions.all()] == ["persona-editor"]
    assert AuditEvent.objects.get(action="claims.note.added").changes["mentions"] == [
        "persona-editor"
    ]


def test_markdown_notes_are_rendered_and_sanitised():
    html = render_note_body(
        "**Bold** [ok](https://example.org) [bad](javascript:alert(1)) <script>alert(2)</script>"
        "\n\n# Heading <img src=x onerror=alert(3)>",
        "markdown",
    )
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    # The javascript: link stays inert text; raw HTML is escaped, never passed through.
    assert 'href="javascript' not in html and "<script" not in html and "<img" not in html
    assert "<h1>" not in html
    plain = render_note_body("<b>hi</b> @persona-editor", "plain")
    assert "&lt;b&gt;" in plain and '<strong class="mention">@persona-editor</strong>' in plain


def test_an_empty_note_is_refused(reviewer):
    with pytest.raises(ValidationError) as refused:
        services.note_add(claim=ClaimFactory(), user=reviewer, body="   ")
    assert "body" in refused.value.message_dict


def test_selecting_and_promoting_claims_is_recorded(reviewer):
    claim = ClaimFactory()
    article = claim.article
    second_start = article.text.index("Officials")
    made = services.claim_create_from_selection(
        article=article, start=second_start, end=second_start + 9, text="Officials", user=reviewer
    )
    event = AuditEvent.objects.get(claim_id=made.pk)
    assert (event.action, event.actor) == ("claims.claim.created", reviewer)


def test_publishing_an_unpublished_verdict_needs_one_awaiting_approval(editor, reviewer):
    claim = ClaimFactory()
    _drafted(claim, reviewer)
    with pytest.raises(ValidationError, match="awaiting approval"):
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)


def test_source_lookup_ignores_a_host_that_only_contains_the_domain():
    SourceFactory(name="Not it", home_url="https://notexample.org/", domains=["notexample.org"])
    assert source_for_url("https://example.org/") is None
    assert source_for_url("https://www.notexample.org/").name == "Not it"
    assert Source.objects.count() == 1
