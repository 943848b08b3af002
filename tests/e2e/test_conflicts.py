"""Two reviewers edit the same evidence: the second, in a real browser, gets the conflict box
swapped into the page by htmx (a 409) with the saved values and their own input kept."""

from __future__ import annotations

import pytest

from claims import services
from claims.models import Evidence
from factcheck.lib.roles import REVIEWER, role_assign, roles_sync
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.e2e.conftest import DESKTOP, axe_check, keep_local, log_in, screenshot
from tests.factories import ClaimFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_a_stale_evidence_edit_shows_the_conflict_in_place(live_server, new_page):
    roles_sync()
    me = UserFactory(username="e2e-second")
    role_assign(me, REVIEWER)
    first = UserFactory(username="e2e-first")
    role_assign(first, REVIEWER)
    claim = ClaimFactory()
    services.evidence_add(
        claim=claim, user=first, url="https://example.org/report", stance="refutes"
    )
    evidence = Evidence.objects.get(claim=claim)

    page = new_page(DESKTOP)
    keep_local(page)
    log_in(page, live_server.url, "e2e-second", PASSWORD)
    page.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    # The page's lazy panels (htmx) have loaded: in embedded mode the test database is one
    # in-memory SQLite shared with the server's thread, where a write meeting a read is
    # refused at once ("table is locked") instead of waiting as a file database does.
    page.wait_for_load_state("networkidle")

    # Meanwhile the other reviewer corrects the same evidence.
    services.evidence_edit(
        evidence=evidence,
        user=first,
        stance="context",
        note="Only context.",
        version=NO_VERSION_CHECK,
    )

    page.get_by_text("Edit stance, passage or note").click()
    page.get_by_label("Corrected note").fill("It refutes the claim outright.")
    with page.expect_response(lambda r: "/evidence/" in r.url) as answer:
        page.get_by_role("button", name="Save changes").click()
    assert answer.value.status == 409
    conflict = page.get_by_role("alert").filter(has_text="Someone else changed this first")
    conflict.wait_for()
    assert "Only context." in conflict.inner_text()
    assert page.get_by_label("Corrected note").input_value() == "It refutes the claim outright."
    screenshot(page, "conflict-evidence-edit")
    assert axe_check(page) == []
    evidence.refresh_from_db()
    assert evidence.note == "Only context."  # nothing overwritten
