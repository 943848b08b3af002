"""The queue's bulk actions (``claims:claim_bulk_action``): dismiss, start review, assign,
return; each claim through its single-claim service, audited per claim, refused per claim
(state, version, not found) while the others are done; bounded, POST only, reviewers only."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from claims import services
from claims.models import Claim, Verdict
from claims.services.bulk import BulkResult
from tests.factories import ClaimFactory, UserFactory, VerdictFactory, published_claim

pytestmark = pytest.mark.django_db

BULK = reverse("claims:claim_bulk_action")
QUEUE = reverse("claims:claim_queue")


def _versions(*claims) -> str:
    return " ".join(f"{c.pk}:{c.version}" for c in claims)


def _post(client, action: str, claims, *, versions=None, **extra):
    data = {
        "action": action,
        "claims": [c.pk for c in claims],
        "versions": _versions(*claims) if versions is None else versions,
        "next": f"{QUEUE}?status=new",
        **extra,
    }
    return client.post(BULK, data)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _events(action: str, claims) -> dict[int, int]:
    ids = [c.pk for c in claims]
    rows = AuditEvent.objects.filter(action=action, claim_id__in=ids)
    return {pk: rows.filter(claim_id=pk).count() for pk in ids}


# ---------------------------------------------------------------------------- dismiss


def test_dismiss_dismisses_every_selected_claim_with_one_reason_audited_per_claim(client_for):
    client = client_for("reviewer")
    claims = [ClaimFactory() for _ in range(3)]
    untouched = ClaimFactory()
    response = _post(client, "dismiss", claims, reason="Opinion, not checkable.")
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?status=new"
    assert _messages(response) == ["3 dismissed."]
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == Claim.Status.DISMISSED
        assert claim.dismissed_reason == "Opinion, not checkable."
        assert claim.version == 2
    assert _events("claims.claim.dismissed", claims) == {c.pk: 1 for c in claims}
    assert set(
        AuditEvent.objects.filter(action="claims.claim.dismissed").values_list("message", flat=True)
    ) == {"Opinion, not checkable."}
    untouched.refresh_from_db()
    assert untouched.status == Claim.Status.NEW


def test_dismiss_refuses_per_claim_what_may_not_be_done_and_does_the_rest(client_for):
    client = client_for("reviewer")
    fine = [ClaimFactory() for _ in range(2)]
    published = published_claim()
    stale = ClaimFactory()
    shown = stale.version
    Claim.objects.filter(pk=stale.pk).update(version=shown + 1)  # someone changed it since
    selected = [*fine, published, stale]
    response = _post(client, "dismiss", selected, reason="Duplicate wording.")
    [message] = _messages(response)
    assert message.startswith("2 dismissed; 2 not: ")
    assert f"#{published.pk}: A published claim cannot be dismissed" in message
    assert f"#{stale.pk}: it changed since your page was shown" in message
    published.refresh_from_db()
    stale.refresh_from_db()
    assert published.status == Claim.Status.PUBLISHED
    assert stale.status == Claim.Status.NEW and stale.version == shown + 1
    assert all(Claim.objects.get(pk=c.pk).status == Claim.Status.DISMISSED for c in fine)
    # Audit rows for what was done, none for what was refused.
    assert _events("claims.claim.dismissed", selected) == {
        fine[0].pk: 1,
        fine[1].pk: 1,
        published.pk: 0,
        stale.pk: 0,
    }


def test_dismiss_without_a_reason_does_nothing(client_for):
    client = client_for("reviewer")
    claims = [ClaimFactory() for _ in range(2)]
    response = _post(client, "dismiss", claims, reason="   ")
    assert response.status_code == 302
    assert _messages(response) == ["Nothing was done: Say why the selected claims are dismissed."]
    assert set(Claim.objects.values_list("status", flat=True)) == {Claim.Status.NEW}
    assert not AuditEvent.objects.filter(action="claims.claim.dismissed").exists()


# ------------------------------------------------------------------ start, assign, return


def test_start_review_takes_new_claims_and_refuses_the_others(client_for):
    client = client_for("reviewer")
    new = [ClaimFactory() for _ in range(2)]
    in_review = ClaimFactory(status=Claim.Status.IN_REVIEW)
    response = _post(client, "start_review", [*new, in_review])
    [message] = _messages(response)
    assert message.startswith("2 taken into review; 1 not: ")
    assert f"#{in_review.pk}: Only a new claim can be taken into review" in message
    for claim in new:
        claim.refresh_from_db()
        assert claim.status == Claim.Status.IN_REVIEW
        assert claim.assignee.username == "persona-reviewer"
    assert _events("claims.claim.review_started", [*new, in_review]) == {
        new[0].pk: 1,
        new[1].pk: 1,
        in_review.pk: 0,
    }


def test_assign_gives_the_claims_to_a_reviewer_audited_per_claim(client_for, editor):
    client = client_for("reviewer")
    claims = [ClaimFactory() for _ in range(3)]
    response = _post(client, "assign", claims, assignee=editor.pk)
    assert _messages(response) == ["3 assigned."]
    assert {c.assignee_id for c in Claim.objects.filter(pk__in=[c.pk for c in claims])} == {
        editor.pk
    }
    assert _events("claims.claim.assigned", claims) == {c.pk: 1 for c in claims}


def test_assign_refuses_someone_who_is_not_a_reviewer(client_for, reader):
    client = client_for("reviewer")
    claims = [ClaimFactory() for _ in range(2)]
    response = _post(client, "assign", claims, assignee=reader.pk)
    [message] = _messages(response)
    assert "Choose a reviewer" in message
    assert set(Claim.objects.values_list("assignee", flat=True)) == {None}


def test_return_sends_verdicts_awaiting_approval_back_to_review(client_for):
    client = client_for("editor")
    waiting = []
    for _ in range(2):
        claim = ClaimFactory(status=Claim.Status.AWAITING_APPROVAL)
        VerdictFactory(claim=claim, state=Verdict.State.AWAITING_APPROVAL)
        waiting.append(claim)
    new = ClaimFactory()
    response = _post(client, "return", [*waiting, new], reason="Sources too thin.")
    [message] = _messages(response)
    assert message.startswith("2 returned to review; 1 not: ")
    assert f"#{new.pk}: No verdict of this claim is awaiting approval." in message
    for claim in waiting:
        claim.refresh_from_db()
        assert claim.status == Claim.Status.IN_REVIEW
        assert claim.verdicts.get().state == Verdict.State.DRAFT
    assert _events("claims.claim.returned", [*waiting, new]) == {
        waiting[0].pk: 1,
        waiting[1].pk: 1,
        new.pk: 0,
    }


# ------------------------------------------------------------------ bounds and guards


def test_more_claims_than_the_bound_are_refused_whole(client_for):
    client = client_for("reviewer")
    ids = list(range(1, services.BULK_MAX_CLAIMS + 2))
    claim = ClaimFactory()
    response = client.post(
        BULK,
        {
            "action": "dismiss",
            "reason": "x",
            "claims": [claim.pk, *ids],
            "versions": _versions(claim),
        },
    )
    [message] = _messages(response)
    assert f"Act on at most {services.BULK_MAX_CLAIMS} claims at once" in message
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEW


def test_a_request_without_the_page_versions_is_answered_400(client_for):
    claim = ClaimFactory()
    response = client_for("reviewer").post(
        BULK, {"action": "dismiss", "reason": "x", "claims": [claim.pk]}
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEW


def test_a_claim_missing_from_the_page_or_the_database_is_refused_alone(client_for):
    client = client_for("reviewer")
    shown, not_shown = ClaimFactory(), ClaimFactory()
    response = client.post(
        BULK,
        {
            "action": "start_review",
            "claims": [shown.pk, not_shown.pk, 987654],
            "versions": _versions(shown),
        },
    )
    [message] = _messages(response)
    assert message.startswith("1 taken into review; 2 not: ")
    assert f"#{not_shown.pk}: it was not on the page you acted from" in message
    assert "#987654: it does not exist or you may not see it" in message
    not_shown.refresh_from_db()
    assert not_shown.status == Claim.Status.NEW


def test_select_all_on_the_page_works_without_script(client_for):
    client = client_for("reviewer")
    claims = [ClaimFactory() for _ in range(4)]
    response = client.post(
        BULK,
        {
            "action": "dismiss",
            "reason": "Not a factual claim.",
            "all_on_page": "1",
            "page_claims": " ".join(str(c.pk) for c in claims[:3]),
            "versions": _versions(*claims[:3]),
        },
    )
    assert _messages(response) == ["3 dismissed."]
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in claims] == ["dismissed"] * 3 + ["new"]


def test_nothing_selected_and_garbage_are_clear_errors(client_for):
    client = client_for("reviewer")
    ClaimFactory()
    response = client.post(BULK, {"action": "start_review", "versions": "1:1"})
    assert _messages(response) == ["Select at least one claim."]
    response = client.post(BULK, {"action": "start_review", "claims": ["x"], "versions": "1:1"})
    # (Messages not yet shown pile up: the newest is last.)
    assert _messages(response)[-1] == "The selection was not understood: reload the queue."
    response = client.post(
        BULK, {"action": "start_review", "claims": [str(10**30)], "versions": "1:1"}
    )
    assert _messages(response)[-1] == "The selection was not understood: reload the queue."
    response = client.post(BULK, {"action": "publish", "claims": ["1"], "versions": "1:1"})
    assert _messages(response)[-1] == "Choose what to do with the selected claims."
    assert set(Claim.objects.values_list("status", flat=True)) == {Claim.Status.NEW}


def test_get_is_not_allowed(client_for):
    assert client_for("reviewer").get(BULK).status_code == 405


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "reader", "reviewer", "editor"])
def test_bulk_actions_are_for_reviewers(persona, client_for):
    claim = ClaimFactory()
    response = _post(client_for(persona), "start_review", [claim])
    expected = {"anonymous": 302, "outsider": 403, "reader": 403}.get(persona, 302)
    assert response.status_code == expected
    claim.refresh_from_db()
    if persona in {"reviewer", "editor"}:
        assert claim.status == Claim.Status.IN_REVIEW
    else:
        assert claim.status == Claim.Status.NEW
        assert not AuditEvent.objects.filter(claim_id=claim.pk).exists()
        if persona == "anonymous":
            assert "login" in response["Location"]


def test_the_service_refuses_a_user_without_the_review_permission(roles):
    claim = ClaimFactory()
    with pytest.raises(PermissionDenied):
        services.claim_bulk_action(
            action="start_review",
            claim_ids=[claim.pk],
            versions={claim.pk: claim.version},
            user=UserFactory(),
        )


# ------------------------------------------------------------------------- the page


def test_the_queue_page_has_the_action_bar_with_the_page_versions(client_for):
    claims = [ClaimFactory() for _ in range(3)]
    Claim.objects.filter(pk=claims[0].pk).update(version=7)
    html = client_for("reviewer").get(QUEUE).content.decode()
    assert f'action="{BULK}"' in html and 'id="bulk-assign"' in html
    for value in ("dismiss", "start_review", "assign", "return"):
        assert f'name="action" value="{value}"' in html
    assert f"{claims[0].pk}:7" in html and f"{claims[1].pk}:1" in html
    assert 'name="all_on_page"' in html and "Select all 3 on this page" in html
    # The row checkboxes belong to the action bar's form.
    assert html.count('form="bulk-assign"') == 3


def test_the_summary_names_at_most_twenty_refusals():
    result = BulkResult(action="start_review", done=[1], refused=[(n, "no") for n in range(30)])
    summary = result.summary()
    assert summary.startswith("1 taken into review; 30 not: #0: no; ")
    assert "#19: no; and 10 more." in summary and "#20" not in summary
