"""Submitting through the API when a quoted passage is not on its page: refused with the
field ``quote_reason`` and code ``quote_not_found``, accepted with a reason (recorded), as
on the claim page."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from claims.models import Claim
from tests.claims.test_quote_checks import _in_review_with_draft, cite, patch_setting, server
from tests.conftest import _persona_user
from tests.factories import ClaimFactory

__all__ = ["patch_setting", "server"]  # fixtures used by name below

pytestmark = pytest.mark.django_db


def test_the_api_asks_for_a_reason_when_a_quote_is_not_found(
    api_for, server, django_capture_on_commit_callbacks
):
    api = api_for("reviewer")
    reviewer = _persona_user("reviewer")
    claim = ClaimFactory()
    url = server.url("/jobs")
    cite(
        claim,
        reviewer,
        url,
        "The rate rose sharply to 9 percent in the south",
        django_capture_on_commit_callbacks,
    )
    claim = _in_review_with_draft(claim, reviewer)
    submit = f"/api/v1/claims/{claim.pk}/verdict/submit/"
    refused = api.post(submit, {"version": claim.version}, format="json")
    assert refused.status_code == 400, refused.content
    [error] = refused.json()["errors"]
    assert (error["field"], error["code"]) == ("quote_reason", "quote_not_found")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW
    accepted = api.post(
        submit, {"version": claim.version, "quote_reason": "Archived copy has it."}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.AWAITING_APPROVAL
    event = AuditEvent.objects.get(claim_id=claim.pk, action="claims.verdict.submitted")
    assert event.changes["quote_reason"] == "Archived copy has it."
