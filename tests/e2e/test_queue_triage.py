"""Triage on the reviewer queue in a real browser: ten claims dismissed at once with one
reason; the queue never wider than the screen (a 300-character address in a claim) at
390 and 1280 px, its values labelled on a phone; article titles suggested as typed.

Screenshots go to test-artifacts/e2e/queue-*.png; every page is checked with axe-core and
must raise no CSP violation. No request may leave 127.0.0.1."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from claims.models import Claim
from factcheck.lib.roles import REVIEWER, role_assign, roles_sync
from tests.e2e.conftest import DESKTOP, axe_check, keep_local, log_in, screenshot
from tests.factories import ArticleFactory, ClaimFactory, NoteFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}
LONG_URL = "https://example.org/" + "a" * 280


def _reviewer(new_page, live_server, viewport=DESKTOP):
    roles_sync()
    role_assign(UserFactory(username="e2e-triage"), REVIEWER)
    offsite: list[str] = []
    page = keep_local(new_page(viewport), offsite)
    log_in(page, live_server.url, "e2e-triage", PASSWORD)
    page.offsite = offsite
    return page


def test_ten_claims_are_dismissed_at_once_with_one_reason(live_server, new_page):
    page = _reviewer(new_page, live_server)
    claims = [ClaimFactory() for _ in range(12)]
    kept = claims[10:]
    page.goto(f"{live_server.url}/review/claims/?status=new&o=number")
    assert page.locator("tr[data-row]").count() == 12
    # "Select all on this page" ticks every row; two are unticked again.
    page.get_by_label("Select all 12 on this page").check()
    for claim in kept:
        page.get_by_label(f"Select claim #{claim.pk}").uncheck()
    assert page.locator("[data-selected-count]").inner_text() == "10 selected"
    assert not page.get_by_label("Select all 12 on this page").is_checked()
    page.get_by_label("Reason").fill("Opinion, not a checkable claim.")
    page.get_by_role("button", name="Dismiss selected").click()
    page.wait_for_load_state()
    assert page.get_by_text("10 dismissed.").is_visible()
    # They left the queue of new claims; the two unticked stayed.
    rows = page.locator("tr[data-row]")
    assert rows.count() == 2
    shown = {int(v) for v in rows.locator("input[name=claims]").evaluate_all(
        "boxes => boxes.map(b => b.value)")}  # fmt: skip
    assert shown == {c.pk for c in kept}
    screenshot(page, "queue-bulk-dismissed")
    assert axe_check(page) == []
    dismissed = Claim.objects.filter(status=Claim.Status.DISMISSED)
    assert set(dismissed.values_list("pk", flat=True)) == {c.pk for c in claims[:10]}
    assert set(dismissed.values_list("dismissed_reason", flat=True)) == {
        "Opinion, not a checkable claim."
    }
    assert AuditEvent.objects.filter(action="claims.claim.dismissed").count() == 10
    assert page.problems == [] and page.offsite == []


def test_dismissing_without_a_reason_is_stopped_in_the_browser(live_server, new_page):
    page = _reviewer(new_page, live_server)
    claim = ClaimFactory()
    page.goto(f"{live_server.url}/review/claims/")
    page.get_by_label(f"Select claim #{claim.pk}").check()
    page.get_by_role("button", name="Dismiss selected").click()
    message = page.get_by_label("Reason").evaluate("field => field.validationMessage")
    assert message == "Say why the selected claims are dismissed."
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEW


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_queue_is_never_wider_than_the_screen(live_server, new_page, viewport):
    page = _reviewer(new_page, live_server, viewport)
    text = f"The figures are at {LONG_URL} according to the council."
    article = ArticleFactory(title="Council figures " + "b" * 120, text=text + " More.")
    long_claim = ClaimFactory(article=article, end=len(text))
    NoteFactory(claim=long_claim)
    ClaimFactory()
    page.goto(f"{live_server.url}/review/claims/?o=number")
    assert LONG_URL[:100] in page.locator("tr[data-row]").first.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    name = f"queue-long-url-{viewport['width']}"
    screenshot(page, name)
    assert width <= inner, f"{name}: {width}px wide in a {inner}px window"
    # Nothing inside scrolls sideways either: the table fits its box.
    assert page.evaluate(
        "() => { const w = document.querySelector('.table-wrap');"
        " return w.scrollWidth <= w.clientWidth; }"
    )
    labels = page.evaluate(
        """() => Array.from(document.querySelectorAll('tr[data-row]')[0].cells)
             .map(cell => getComputedStyle(cell, '::before').content)"""
    )
    if viewport is PHONE:
        assert labels[3:] == [
            '"Status: "',
            '"Rating: "',
            '"Assignee: "',
            '"Evidence: "',
            '"Score: "',
            '"Updated: "',
        ]
        evidence = page.locator("tr[data-row]").first.locator("td").nth(6)
        assert evidence.inner_text().replace("\n", " ").startswith("0")
        assert "1 note" in evidence.inner_text()
    else:
        assert set(labels) == {"none"}  # the column headers say it on a desktop
    assert axe_check(page) == []
    assert page.problems == [] and page.offsite == []


def test_article_titles_are_suggested_as_typed(live_server, new_page):
    page = _reviewer(new_page, live_server)
    wanted = ClaimFactory(article=ArticleFactory(title="Budget speech of the mayor"))
    ClaimFactory(article=ArticleFactory(title="Weather report"))
    page.goto(f"{live_server.url}/review/claims/")
    page.get_by_text("Filters", exact=True).click()
    field = page.get_by_label("Article")
    with page.expect_response(lambda r: "/article-titles/" in r.url):
        field.press_sequentially("budg", delay=30)
    option = page.locator("#article-titles option")
    option.first.wait_for(state="attached")
    value = option.first.get_attribute("value")
    assert value == f"Budget speech of the mayor (#{wanted.article_id})"
    assert option.count() == 1
    field.fill(value)  # what picking the suggestion does
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    rows = page.locator("tr[data-row]")
    assert rows.count() == 1 and "Budget speech" in rows.first.inner_text()
    screenshot(page, "queue-article-filter")
    assert page.problems == [] and page.offsite == []
