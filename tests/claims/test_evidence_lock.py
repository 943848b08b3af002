"""Once a verdict awaits approval its evidence is locked: adding, correcting and removing
evidence are refused by the services (the page hides those controls) until the verdict is
returned to review."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Evidence
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import ClaimFactory, published_claim, rating_level

pytestmark = pytest.mark.django_db

LOCKED = "The verdict is awaiting approval: return it to review to change its evidence."


def _submitted(reviewer) -> tuple[Claim, Evidence]:
    """A claim with one piece of evidence whose verdict awaits approval."""
    claim = ClaimFactory()
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    evidence = services.evidence_add(
        claim=claim, user=reviewer, url="https://example.org/audit", stance="refutes", quote="3.1"
    )
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="It was 3.1 million.",
        rationale="The audit says so.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    evidence.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    return claim, evidence


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_adding_evidence_is_refused_while_the_verdict_awaits_approval(reviewer):
    claim, _ = _submitted(reviewer)
    version = claim.version
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            claim=claim, user=reviewer, url="https://example.org/more", stance="supports"
        )
    assert caught.value.messages == [LOCKED]
    assert Evidence.objects.filter(claim=claim).count() == 1
    assert _events("claims.evidence.added") == 1
    claim.refresh_from_db()
    assert claim.version == version


def test_correcting_evidence_is_refused_while_the_verdict_awaits_approval(reviewer):
    _, evidence = _submitted(reviewer)
    with pytest.raises(ValidationError) as caught:
        services.evidence_edit(
            evidence=evidence,
            user=reviewer,
            stance="supports",
            quote="Changed.",
            version=evidence.version,
        )
    assert caught.value.messages == [LOCKED]
    evidence.refresh_from_db()
    assert (evidence.stance, evidence.quote) == ("refutes", "3.1")
    assert _events("claims.evidence.edited") == 0


def test_removing_evidence_is_refused_while_the_verdict_awaits_approval(reviewer):
    _, evidence = _submitted(reviewer)
    with pytest.raises(ValidationError) as caught:
        services.evidence_remove(
            evidence=evidence, user=reviewer, reason="Wrong source.", version=evidence.version
        )
    assert caught.value.messages == [LOCKED]
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert _events("claims.evidence.removed") == 0


def test_returned_to_review_its_evidence_can_change_again(reviewer, editor):
    claim, evidence = _submitted(reviewer)
    services.claim_return_to_review(
        claim=claim, user=editor, reason="Another source, please.", version=NO_VERSION_CHECK
    )
    added = services.evidence_add(
        claim=claim, user=reviewer, url="https://example.org/more", stance="context"
    )
    edited = services.evidence_edit(
        evidence=evidence, user=reviewer, stance="refutes", quote="3.1 m", version=evidence.version
    )
    assert edited.quote == "3.1 m"
    services.evidence_remove(
        evidence=added, user=reviewer, reason="Not needed.", version=added.version
    )
    assert list(Evidence.objects.filter(claim=claim)) == [evidence]
    assert [_events(f"claims.evidence.{what}") for what in ("added", "edited", "removed")] == [
        2,
        1,
        1,
    ]


def test_the_page_hides_the_evidence_controls_while_locked_and_shows_them_after(
    reviewer, editor, client_for
):
    claim, evidence = _submitted(reviewer)
    client = client_for("reviewer")
    url = reverse("claims:claim_detail", kwargs={"pk": claim.pk})
    page = client.get(url).content.decode()
    assert LOCKED in page
    # The add form's address as an attribute's whole value (the snapshot links start alike).
    add = f'"{reverse("claims:evidence_add", kwargs={"pk": claim.pk})}"'
    assert add not in page
    for name in ("evidence_edit", "evidence_remove"):
        assert (
            reverse(f"claims:{name}", kwargs={"pk": claim.pk, "evidence_pk": evidence.pk})
            not in page
        )
    assert "Add as evidence" not in page
    services.claim_return_to_review(claim=claim, user=editor, version=NO_VERSION_CHECK)
    page = client.get(url).content.decode()
    assert LOCKED not in page
    assert add in page
    assert (
        reverse("claims:evidence_remove", kwargs={"pk": claim.pk, "evidence_pk": evidence.pk})
        in page
    )


def test_a_refused_addition_on_the_page_says_why_and_keeps_the_input(reviewer, client_for):
    claim, _ = _submitted(reviewer)
    response = client_for("reviewer").post(
        reverse("claims:evidence_add", kwargs={"pk": claim.pk}),
        {"url": "https://example.org/kept", "stance": "supports", "quote": "Kept words"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert LOCKED in html
    assert 'value="https://example.org/kept"' in html and "Kept words</textarea>" in html
    assert Evidence.objects.filter(claim=claim).count() == 1


def test_a_refused_correction_on_the_page_says_why(reviewer, client_for):
    claim, evidence = _submitted(reviewer)
    response = client_for("reviewer").post(
        reverse("claims:evidence_remove", kwargs={"pk": claim.pk, "evidence_pk": evidence.pk}),
        {"version": evidence.version, "reason": "Wrong."},
        follow=True,
    )
    assert LOCKED in response.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_a_correction_awaiting_approval_locks_the_evidence_too(reviewer, editor, client_for):
    claim = published_claim()
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("mostly-false"),
        summary="A later audit found 3.9 million.",
        rationale="The second audit.",
        correction_note="A later audit.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED  # the published verdict stays public
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            claim=claim, user=reviewer, url="https://example.org/second", stance="refutes"
        )
    assert caught.value.messages == [LOCKED]
    page = client_for("reviewer").get(reverse("claims:claim_detail", kwargs={"pk": claim.pk}))
    assert LOCKED in page.content.decode()
    services.claim_return_to_review(claim=claim, user=editor, version=NO_VERSION_CHECK)
    services.evidence_add(
        claim=claim, user=reviewer, url="https://example.org/second", stance="refutes"
    )
    assert Evidence.objects.filter(claim=claim).count() == 1


def test_merging_evidence_into_a_claim_awaiting_approval_is_refused(reviewer):
    claim, _ = _submitted(reviewer)
    duplicate = ClaimFactory()
    services.evidence_add(
        claim=duplicate, user=reviewer, url="https://example.org/other", stance="supports"
    )
    with pytest.raises(ValidationError) as caught:
        services.claim_merge(
            duplicate=duplicate,
            keep=claim,
            user=reviewer,
            reason="Same claim",
            version=NO_VERSION_CHECK,
        )
    assert "awaiting approval" in " ".join(caught.value.messages)
    assert Evidence.objects.filter(claim=claim).count() == 1
    duplicate.refresh_from_db()
    assert duplicate.status == Claim.Status.NEW and duplicate.duplicate_of is None
