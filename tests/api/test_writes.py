"""Writes through the API: a claim's workflow steps and assignment, evidence, verdicts.
Each names the version it was made from (``version`` or ``If-Match``); the services' rules
hold as on the claim page (roles, the evidence lock, four-eyes) and write the same audit
events."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from api import services as api_services
from audit.models import AuditEvent
from claims.models import Claim, Evidence, Verdict
from factcheck.lib.roles import EDITOR, role_assign
from tests.api.conftest import token_client
from tests.factories import ClaimFactory, EvidenceFactory, UserFactory, VerdictFactory

pytestmark = pytest.mark.django_db

VERDICT = {
    "rating": "false",
    "summary": "The city spent 3.1 million, not 4.2 million.",
    "rationale": "The audited accounts show 3.1 million dollars.",
}


def persona(name: str):
    return get_user_model().objects.get(username=f"persona-{name}")


def second_editor():
    user = UserFactory(username="second-editor")
    role_assign(user, EDITOR)
    return token_client(api_services.token_create(user=user, name="second CMS").secret), user


def actions(pk):
    return reverse("api:claim-actions", kwargs={"pk": pk})


def events(action: str, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def assert_problem(response, status: int, code: str):
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert "Traceback" not in response.content.decode()
    return body


# ------------------------------------------------------------------------- claim actions


def test_a_reviewer_takes_a_claim_into_review_with_its_version(api_for):
    api = api_for("reviewer")
    claim = ClaimFactory()
    response = api.post(
        actions(claim.pk), {"action": "start_review", "version": claim.version}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Claim.Status.IN_REVIEW
    assert body["assignee"] == "persona-reviewer"
    assert body["version"] == claim.version + 1
    assert response["ETag"]
    assert events("claims.claim.review_started", claim_id=claim.pk, actor=persona("reviewer"))


def test_a_stale_claim_version_is_a_conflict_and_changes_nothing(api_for):
    claim = ClaimFactory(version=3)
    response = api_for("reviewer").post(
        actions(claim.pk), {"action": "start_review", "version": 2}, format="json"
    )
    assert_problem(response, 409, "conflict")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEW and claim.version == 3
    assert not events("claims.claim.review_started").exists()


def test_a_write_without_version_or_if_match_is_428(api_for):
    claim = ClaimFactory()
    response = api_for("reviewer").post(
        actions(claim.pk), {"action": "start_review"}, format="json"
    )
    body = assert_problem(response, 428, "version_required")
    assert body["errors"][0]["field"] == "version"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEW


def test_if_match_with_the_claims_etag_works_and_an_older_one_is_412(api_for):
    api = api_for("reviewer")
    claim = ClaimFactory()
    etag = api.get(reverse("api:claim-detail", kwargs={"pk": claim.pk}))["ETag"]
    response = api.post(
        actions(claim.pk), {"action": "start_review"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response["ETag"] != etag
    # The same (now old) ETag again: the claim changed since.
    response = api.post(
        actions(claim.pk),
        {"action": "dismiss", "reason": "Not checkable."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert_problem(response, 412, "precondition_failed")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW


def test_dismiss_needs_a_reason_and_records_it(api_for):
    api = api_for("reviewer")
    claim = ClaimFactory()
    response = api.post(actions(claim.pk), {"action": "dismiss", "version": 1}, format="json")
    body = assert_problem(response, 400, "invalid")
    assert body["errors"][0]["field"] == "reason"
    response = api.post(
        actions(claim.pk),
        {"action": "dismiss", "reason": "An opinion.", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["dismissed_reason"] == "An opinion."
    assert events("claims.claim.dismissed", claim_id=claim.pk).get().message == "An opinion."


def test_assign_and_unassign_by_username(api_for):
    api = api_for("reviewer")
    api_for("editor")  # makes the editor
    claim = ClaimFactory()
    response = api.post(
        actions(claim.pk),
        {"action": "assign", "assignee": "persona-editor", "version": 1},
        format="json",
    )
    assert response.status_code == 200 and response.json()["assignee"] == "persona-editor"
    assert events("claims.claim.assigned", claim_id=claim.pk).count() == 1
    response = api.post(
        actions(claim.pk), {"action": "assign", "assignee": None, "version": 2}, format="json"
    )
    assert response.status_code == 200 and response.json()["assignee"] is None
    # A user who is no reviewer cannot be assigned.
    UserFactory(username="outside")
    response = api.post(
        actions(claim.pk), {"action": "assign", "assignee": "outside", "version": 3}, format="json"
    )
    assert assert_problem(response, 400, "invalid")["errors"][0]["field"] == "assignee"


def test_return_to_review_sends_the_verdict_back_to_draft(api_for):
    claim = ClaimFactory(status=Claim.Status.AWAITING_APPROVAL)
    verdict = VerdictFactory(claim=claim, state=Verdict.State.AWAITING_APPROVAL)
    response = api_for("editor").post(
        actions(claim.pk),
        {"action": "return_to_review", "reason": "Source the figure.", "version": 1},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == Claim.Status.IN_REVIEW
    verdict.refresh_from_db()
    assert verdict.state == Verdict.State.DRAFT
    assert events("claims.verdict.returned", claim_id=claim.pk).exists()


def test_a_reader_may_not_write(api_for):
    claim = ClaimFactory()
    response = api_for("reader").post(
        actions(claim.pk), {"action": "start_review", "version": 1}, format="json"
    )
    assert_problem(response, 403, "permission_denied")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEW


def test_an_unknown_action_is_a_field_error(api_for):
    claim = ClaimFactory()
    response = api_for("reviewer").post(
        actions(claim.pk), {"action": "publish", "version": 1}, format="json"
    )
    assert assert_problem(response, 400, "invalid")["errors"][0]["field"] == "action"


# ------------------------------------------------------------------------------ evidence


def test_a_reviewer_adds_evidence_and_lists_it(api_for):
    api = api_for("reviewer")
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    url = reverse("api:claim-evidence", kwargs={"pk": claim.pk})
    response = api.post(
        url,
        {"url": "https://stats.example.org/report", "stance": "refutes", "quote": "3.1 million"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stance"] == "refutes" and body["claim"] == claim.pk and body["version"] == 1
    assert response["Location"].endswith(f"/api/v1/evidence/{body['id']}/")
    assert events("claims.evidence.added", claim_id=claim.pk, actor=persona("reviewer")).exists()
    listed = api.get(url)
    assert listed.status_code == 200 and [row["id"] for row in listed.json()] == [body["id"]]


def test_evidence_needs_a_stance_and_nothing_is_added_without_one(api_for):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    response = api_for("reviewer").post(
        reverse("api:claim-evidence", kwargs={"pk": claim.pk}),
        {"url": "https://stats.example.org/report"},
        format="json",
    )
    body = assert_problem(response, 400, "invalid")
    assert body["errors"][0]["field"] == "stance"
    assert not Evidence.objects.filter(claim=claim).exists()


def test_evidence_is_locked_while_the_verdict_awaits_approval(api_for):
    claim = ClaimFactory(status=Claim.Status.AWAITING_APPROVAL)
    VerdictFactory(claim=claim, state=Verdict.State.AWAITING_APPROVAL)
    evidence = EvidenceFactory(claim=claim)
    api = api_for("reviewer")
    response = api.post(
        reverse("api:claim-evidence", kwargs={"pk": claim.pk}),
        {"url": "https://stats.example.org/other", "stance": "supports"},
        format="json",
    )
    body = assert_problem(response, 409, "evidence_locked")
    assert "return it to review" in body["detail"]
    response = api.patch(
        reverse("api:evidence-detail", kwargs={"pk": evidence.pk}),
        {"stance": "supports", "version": 1},
        format="json",
    )
    assert_problem(response, 409, "evidence_locked")
    assert Evidence.objects.filter(claim=claim).count() == 1
    evidence.refresh_from_db()
    assert evidence.stance == Evidence.Stance.REFUTES


def test_correcting_evidence_with_its_version_and_a_stale_one(api_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    api = api_for("reviewer")
    url = reverse("api:evidence-detail", kwargs={"pk": evidence.pk})
    response = api.patch(url, {"note": "Page 12.", "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["note"] == "Page 12." and response.json()["version"] == 2
    assert response.json()["stance"] == "refutes"  # not sent: kept
    assert events("claims.evidence.edited", claim_id=evidence.claim_id).count() == 1
    response = api.patch(url, {"note": "Page 13.", "version": 1}, format="json")
    body = assert_problem(response, 409, "conflict")
    assert body["errors"][0]["field"] == "note"
    evidence.refresh_from_db()
    assert evidence.note == "Page 12."


def test_correcting_evidence_with_if_match(api_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    api = api_for("reviewer")
    url = reverse("api:evidence-detail", kwargs={"pk": evidence.pk})
    etag = api.get(url)["ETag"]
    response = api.patch(url, {"stance": "context"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["stance"] == "context"
    response = api.patch(url, {"stance": "supports"}, format="json", HTTP_IF_MATCH=etag)
    assert_problem(response, 412, "precondition_failed")
    response = api.patch(url, {"stance": "supports"}, format="json")
    assert_problem(response, 428, "version_required")
    evidence.refresh_from_db()
    assert evidence.stance == Evidence.Stance.CONTEXT


def test_removing_evidence_needs_a_reason_and_its_version(api_for):
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    api = api_for("reviewer")
    url = reverse("api:evidence-remove", kwargs={"pk": evidence.pk})
    body = assert_problem(api.post(url, {"version": 1}, format="json"), 400, "invalid")
    assert body["errors"][0]["field"] == "reason"
    assert_problem(api.post(url, {"reason": "Duplicate."}, format="json"), 428, "version_required")
    assert_problem(
        api.post(url, {"reason": "Duplicate.", "version": 7}, format="json"), 409, "conflict"
    )
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    response = api.post(url, {"reason": "Duplicate.", "version": 1}, format="json")
    assert response.status_code == 204
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    removed = events("claims.evidence.removed", claim_id=evidence.claim_id).get()
    assert removed.message == "Duplicate." and removed.actor == persona("reviewer")


# ------------------------------------------------------------------------------ verdicts


def test_draft_edit_submit_and_publish_as_a_second_editor(api_for):
    author = api_for("editor")
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    verdict_url = reverse("api:claim-verdict", kwargs={"pk": claim.pk})
    assert_problem(author.get(verdict_url), 404, "not_found")

    response = author.put(verdict_url, {**VERDICT, "version": 0}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == Verdict.State.DRAFT
    assert response.json()["author"] == "persona-editor"
    assert events("claims.verdict.drafted", claim_id=claim.pk).count() == 1

    etag = author.get(verdict_url)["ETag"]
    response = author.put(
        verdict_url, {**VERDICT, "summary": "3.1 million."}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200 and response.json()["summary"] == "3.1 million."
    assert events("claims.verdict.edited", claim_id=claim.pk).count() == 1
    response = author.put(verdict_url, {**VERDICT, "version": 1}, format="json")
    assert_problem(response, 409, "conflict")

    claim.refresh_from_db()
    response = author.post(
        reverse("api:verdict-submit", kwargs={"pk": claim.pk}),
        {"version": claim.version},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == Claim.Status.AWAITING_APPROVAL

    publish = reverse("api:verdict-publish", kwargs={"pk": claim.pk})
    claim.refresh_from_db()
    # Four-eyes: the author may not approve their own verdict, as on the web.
    response = author.post(publish, {"version": claim.version}, format="json")
    body = assert_problem(response, 403, "four_eyes")
    assert "persona-editor" in body["detail"] or "you" in body["detail"].lower()
    assert not events("claims.verdict.published").exists()

    second, second_user = second_editor()
    etag = second.get(reverse("api:claim-detail", kwargs={"pk": claim.pk}))["ETag"]
    response = second.post(publish, {}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Claim.Status.PUBLISHED
    published = claim.verdicts.get(state=Verdict.State.PUBLISHED)
    assert published.approver == second_user and published.author == persona("editor")
    assert events("claims.verdict.published", claim_id=claim.pk, actor=second_user).exists()


def test_the_four_eyes_message_is_the_webs(api_for):
    from claims.services import four_eyes_refusal, verdict_contributions

    author = api_for("editor")
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    author.put(
        reverse("api:claim-verdict", kwargs={"pk": claim.pk}),
        {**VERDICT, "version": 0},
        format="json",
    )
    claim.refresh_from_db()
    author.post(
        reverse("api:verdict-submit", kwargs={"pk": claim.pk}),
        {"version": claim.version},
        format="json",
    )
    claim.refresh_from_db()
    verdict = claim.verdicts.get()
    expected = four_eyes_refusal(
        verdict=verdict,
        user=persona("editor"),
        contributors=verdict_contributions(claim=claim, verdict=verdict),
    )
    response = author.post(
        reverse("api:verdict-publish", kwargs={"pk": claim.pk}),
        {"version": claim.version},
        format="json",
    )
    assert assert_problem(response, 403, "four_eyes")["detail"] == expected


def test_a_reviewer_may_not_publish(api_for):
    claim = ClaimFactory(status=Claim.Status.AWAITING_APPROVAL)
    VerdictFactory(claim=claim, state=Verdict.State.AWAITING_APPROVAL)
    response = api_for("reviewer").post(
        reverse("api:verdict-publish", kwargs={"pk": claim.pk}), {"version": 1}, format="json"
    )
    assert_problem(response, 403, "permission_denied")
    assert claim.verdicts.get().state == Verdict.State.AWAITING_APPROVAL


def test_an_unknown_rating_is_a_field_error_and_no_draft_is_made(api_for):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    response = api_for("reviewer").put(
        reverse("api:claim-verdict", kwargs={"pk": claim.pk}),
        {**VERDICT, "rating": "sort-of", "version": 0},
        format="json",
    )
    assert assert_problem(response, 400, "invalid")["errors"][0]["field"] == "rating"
    assert not claim.verdicts.exists()


def test_a_verdict_without_version_is_428(api_for):
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    response = api_for("reviewer").put(
        reverse("api:claim-verdict", kwargs={"pk": claim.pk}), VERDICT, format="json"
    )
    assert_problem(response, 428, "version_required")
    assert not claim.verdicts.exists()


def test_submit_with_a_stale_if_match_is_412(api_for):
    api = api_for("reviewer")
    claim = ClaimFactory(status=Claim.Status.IN_REVIEW)
    VerdictFactory(claim=claim)
    etag = api.get(reverse("api:claim-detail", kwargs={"pk": claim.pk}))["ETag"]
    Claim.objects.filter(pk=claim.pk).update(version=5)
    response = api.post(
        reverse("api:verdict-submit", kwargs={"pk": claim.pk}),
        {},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert_problem(response, 412, "precondition_failed")
    assert claim.verdicts.get().state == Verdict.State.DRAFT


def test_the_write_targets_reads_carry_etags_and_answer_304(api_for):
    api = api_for("reviewer")
    evidence = EvidenceFactory(claim=ClaimFactory(status=Claim.Status.IN_REVIEW))
    VerdictFactory(claim=evidence.claim)
    for url in (
        reverse("api:evidence-detail", kwargs={"pk": evidence.pk}),
        reverse("api:claim-verdict", kwargs={"pk": evidence.claim_id}),
        reverse("api:claim-evidence", kwargs={"pk": evidence.claim_id}),
    ):
        first = api.get(url)
        assert first.status_code == 200 and first["ETag"]
        assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
