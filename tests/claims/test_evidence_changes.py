"""Evidence is corrected (stance, quoted passage, note) or, added by mistake, taken off the
claim with a reason while the verdict is being worked on; the audit events keep what it was.
Once the claim awaits approval or is published its evidence stays as approved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Evidence
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import ClaimFactory, EvidenceFactory, published_claim

pytestmark = pytest.mark.django_db


def _url(evidence) -> str:
    return reverse(
        "claims:evidence_remove", kwargs={"pk": evidence.claim_id, "evidence_pk": evidence.pk}
    )


def test_removing_evidence_records_what_it_was_and_why(reviewer):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    evidence = EvidenceFactory(claim=claim, quote="The audited accounts", note="p. 12")
    url, version = evidence.link.url, claim.version
    services.evidence_remove(
        evidence=evidence, user=reviewer, reason="Wrong year's report.", version=NO_VERSION_CHECK
    )
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    event = AuditEvent.objects.get(action="claims.evidence.removed")
    assert event.claim_id == claim.pk and event.actor == reviewer
    assert event.message == "Wrong year's report."
    assert event.changes["url"] == url and event.changes["quote"] == "The audited accounts"
    assert event.changes["stance"] == evidence.stance and event.changes["note"] == "p. 12"
    claim.refresh_from_db()
    assert claim.version == version + 1


def test_the_same_link_can_be_added_again_after_its_removal(reviewer):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    evidence = EvidenceFactory(claim=claim)
    services.evidence_remove(
        evidence=evidence, user=reviewer, reason="Wrong stance.", version=NO_VERSION_CHECK
    )
    again = services.evidence_add(
        claim=claim, user=reviewer, url=evidence.link.url, stance=Evidence.Stance.REFUTES
    )
    assert again.link_id == evidence.link_id and again.stance == "refutes"


def test_a_removal_needs_a_reason(reviewer):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    with pytest.raises(ValidationError) as caught:
        services.evidence_remove(
            evidence=evidence, user=reviewer, reason="   ", version=NO_VERSION_CHECK
        )
    assert "reason" in caught.value.message_dict
    assert Evidence.objects.filter(pk=evidence.pk).exists()


@pytest.mark.parametrize("status", [Claim.Status.AWAITING_APPROVAL, Claim.Status.DISMISSED])
def test_evidence_stays_once_the_claim_has_left_review(status, reviewer):
    reason = "Not a factual claim." if status == Claim.Status.DISMISSED else ""
    evidence = EvidenceFactory(claim=ClaimFactory(status=status, dismissed_reason=reason))
    # Awaiting approval: locked until returned to review (tests/claims/test_evidence_lock.py).
    expected = "awaiting approval" if status == Claim.Status.AWAITING_APPROVAL else "stays as it"
    with pytest.raises(ValidationError, match=expected):
        services.evidence_remove(
            evidence=evidence, user=reviewer, reason="Changed my mind.", version=NO_VERSION_CHECK
        )
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert not AuditEvent.objects.filter(action="claims.evidence.removed").exists()


def test_the_evidence_of_a_published_fact_check_stays(reviewer, client_for):
    evidence = EvidenceFactory(claim=published_claim())
    response = client_for("reviewer").post(
        _url(evidence), {"version": evidence.version, "reason": "Outdated."}, follow=True
    )
    assert "stays as it was" in response.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_the_claim_page_removes_evidence_with_htmx_and_says_so(client_for):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    keep, drop = EvidenceFactory(claim=claim), EvidenceFactory(claim=claim)
    client = client_for("reviewer")
    page = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk})).content.decode()
    assert _url(drop) in page and 'for="remove-reason-' in page
    response = client.post(
        _url(drop), {"version": drop.version, "reason": "Duplicate source."}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Evidence removed." in html
    assert _url(drop) not in html and _url(keep) in html  # gone from the evidence list
    assert "Evidence (1)" in html
    assert "removed evidence" in html  # the history timeline keeps what it was
    assert f"url: {drop.link.url}" in html


def test_a_removal_without_a_reason_keeps_the_evidence_and_says_why(client_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    response = client_for("reviewer").post(
        _url(evidence), {"version": evidence.version, "reason": ""}, follow=True
    )
    assert "Say why the evidence is removed." in response.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_the_remove_form_is_not_offered_once_the_claim_awaits_approval(client_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.AWAITING_APPROVAL))
    page = client_for("reviewer").get(
        reverse("claims:claim_detail", kwargs={"pk": evidence.claim_id})
    )
    assert _url(evidence) not in page.content.decode()


def test_evidence_of_another_claim_is_not_found(client_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    other = ClaimFactory(status=Claim.Status.IN_REVIEW)
    url = reverse("claims:evidence_remove", kwargs={"pk": other.pk, "evidence_pk": evidence.pk})
    assert (
        client_for("reviewer").post(url, {"version": evidence.version, "reason": "x"}).status_code
        == 404
    )
    assert Evidence.objects.filter(pk=evidence.pk).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 302), ("editor", 302)],
)
def test_only_reviewers_may_remove_evidence(persona, status, client_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    response = client_for(persona).post(
        _url(evidence), {"version": evidence.version, "reason": "x"}
    )
    assert response.status_code == status
    if persona == "anonymous":
        assert "login" in response["Location"]
    removed = not Evidence.objects.filter(pk=evidence.pk).exists()
    assert removed == (persona in {"reviewer", "editor"})


def test_get_is_refused(client_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    assert client_for("reviewer").get(_url(evidence)).status_code == 405


# ------------------------------------------------------------------------------- editing


def _edit_url(evidence) -> str:
    return reverse(
        "claims:evidence_edit", kwargs={"pk": evidence.claim_id, "evidence_pk": evidence.pk}
    )


def test_editing_evidence_records_each_changed_field_before_and_after(reviewer):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    evidence = EvidenceFactory(claim=claim, stance="supports", quote="Teh figure", note="n")
    version = claim.version
    services.evidence_edit(
        evidence=evidence,
        user=reviewer,
        stance="refutes",
        quote="The figure",
        note="n",
        version=NO_VERSION_CHECK,
    )
    evidence.refresh_from_db()
    assert (evidence.stance, evidence.quote, evidence.note) == ("refutes", "The figure", "n")
    event = AuditEvent.objects.get(action="claims.evidence.edited")
    assert event.changes["stance"] == ["supports", "refutes"]
    assert event.changes["quote"] == ["Teh figure", "The figure"]
    assert "note" not in event.changes and event.changes["url"] == evidence.link.url
    claim.refresh_from_db()
    assert claim.version == version + 1


def test_an_edit_that_changes_nothing_records_nothing(reviewer):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    evidence = EvidenceFactory(claim=claim, stance="context", quote="q", note="")
    services.evidence_edit(
        evidence=evidence, user=reviewer, stance="context", quote=" q ", version=NO_VERSION_CHECK
    )
    assert not AuditEvent.objects.filter(action="claims.evidence.edited").exists()


def test_an_edit_with_an_unknown_stance_is_refused(reviewer):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    with pytest.raises(ValidationError) as caught:
        services.evidence_edit(
            evidence=evidence, user=reviewer, stance="maybe", version=NO_VERSION_CHECK
        )
    assert "stance" in caught.value.message_dict


def test_the_evidence_of_a_claim_awaiting_approval_cannot_be_edited(reviewer, client_for):
    evidence = EvidenceFactory(
        claim=ClaimFactory(status=Claim.Status.AWAITING_APPROVAL), quote="As approved."
    )
    response = client_for("reviewer").post(
        _edit_url(evidence),
        {"version": evidence.version, "stance": "refutes", "quote": "Changed."},
        follow=True,
    )
    assert "return it to review to change its evidence" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.quote == "As approved."


def test_the_claim_page_edits_evidence_with_htmx(client_for):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    evidence = EvidenceFactory(claim=claim, stance="supports", quote="Old <b>words</b>")
    client = client_for("reviewer")
    page = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk})).content.decode()
    assert _edit_url(evidence) in page and f'for="edit-quote-{evidence.pk}"' in page
    assert "Old &lt;b&gt;words&lt;/b&gt;</textarea>" in page  # the form is prefilled, escaped
    response = client.post(
        _edit_url(evidence),
        {"version": evidence.version, "stance": "context", "quote": "New words", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Evidence updated." in html
    assert "New words" in html and "edited evidence" in html
    evidence.refresh_from_db()
    assert evidence.stance == "context"


def test_an_edit_with_a_bad_stance_on_the_page_says_why(client_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    response = client_for("reviewer").post(
        _edit_url(evidence),
        {"version": evidence.version, "stance": "maybe", "quote": "x"},
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 302), ("editor", 302)],
)
def test_only_reviewers_may_edit_evidence(persona, status, client_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW), stance="supports")
    response = client_for(persona).post(
        _edit_url(evidence), {"version": evidence.version, "stance": "refutes"}
    )
    assert response.status_code == status
    evidence.refresh_from_db()
    assert (evidence.stance == "refutes") == (persona in {"reviewer", "editor"})
