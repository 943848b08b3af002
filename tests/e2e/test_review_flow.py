"""The whole review flow in a real browser, on the example article: a reviewer pastes it,
marks a claim by selecting words with the mouse, adds two pieces of evidence and drafts a
verdict; another editor approves and publishes it; an anonymous reader sees the rating.

Every page is screenshotted (desktop, plus the claim page at 360 px), checked with axe-core
and must raise no CSP violation. No request may leave 127.0.0.1: evidence URLs are only
stored (no link-check worker runs here)."""

from __future__ import annotations

import re

import pytest

from claims.models import Claim, Evidence, Verdict
from factcheck.lib.roles import EDITOR, REVIEWER, role_assign, roles_sync
from tests.e2e.conftest import ARTIFACTS, DESKTOP, MOBILE, ROOT, check_page, keep_local, log_in
from tests.factories import UserFactory, ensure_default_scale

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTICLE = ROOT / "claims" / "fixtures" / "demo" / "nato-troops-in-ukraine.txt"
TITLE = "NATO Troops in Ukraine (e2e)"
PASSWORD = "correct horse battery staple"
PHRASE = "a collective defense alliance"


def _page(new_page, viewport, offsite: list[str]):
    return keep_local(new_page(viewport), offsite)


def _check(page, name: str) -> None:
    check_page(page, name)


def _select_with_the_mouse(page, phrase: str) -> None:
    """Press the mouse before the phrase's first letter and release it after its last."""
    box = page.evaluate(
        """(phrase) => {
          const root = document.getElementById("article-text");
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const at = node.textContent.indexOf(phrase);
            if (at < 0) continue;
            const rect = (from, to) => {
              const range = document.createRange();
              range.setStart(node, from);
              range.setEnd(node, to);
              return range.getBoundingClientRect();
            };
            node.parentElement.scrollIntoView({block: "center"});
            const first = rect(at, at + 1), last = rect(at + phrase.length - 1, at + phrase.length);
            return {x1: first.left + 1, y1: first.top + first.height / 2,
                    x2: last.right - 1, y2: last.top + last.height / 2};
          }
          return null;
        }""",
        phrase,
    )
    assert box is not None, f"{phrase!r} is not in the article text"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=5)
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def test_a_claim_goes_from_selection_to_a_published_verdict(live_server, new_page):
    roles_sync()
    ensure_default_scale()
    role_assign(UserFactory(username="e2e-reviewer"), REVIEWER)
    role_assign(UserFactory(username="e2e-editor"), EDITOR)
    base = live_server.url
    offsite: list[str] = []

    # 1. The reviewer logs in and pastes the article.
    page = _page(new_page, DESKTOP, offsite)
    log_in(page, base, "e2e-reviewer", PASSWORD)
    page.goto(f"{base}/review/articles/new/")
    page.get_by_label("Article text").fill(ARTICLE.read_text(encoding="utf-8"))
    page.get_by_label("Title").fill(TITLE)
    _check(page, "review-01-ingest-form")
    page.get_by_role("button", name="Add the article").click()
    page.wait_for_load_state()
    # A pasted text is previewed first: nothing is stored until "Ingest".
    page.get_by_role("button", name="Ingest").click()
    page.wait_for_load_state()
    assert page.get_by_text("Article added").is_visible()
    _check(page, "review-02-article")

    # 2. A claim from a real mouse selection in the text, then the make-claim action.
    _select_with_the_mouse(page, PHRASE)
    passage = page.get_by_role("textbox", name="Passage")
    assert passage.input_value() == PHRASE
    assert page.locator("input[name=start]").input_value() != ""
    _check(page, "review-03-selection")
    page.get_by_role("button", name="Make it a claim").click()
    page.wait_for_load_state()
    claim = Claim.objects.get(text=PHRASE)
    assert claim.article.text[claim.start : claim.end] == PHRASE
    assert claim.origin == Claim.Origin.SELECTED
    assert page.get_by_text(f"Claim #{claim.pk} added.").is_visible()

    # 3. The claim page: two pieces of evidence, added inline (htmx, no reload).
    page.goto(f"{base}/review/claims/{claim.pk}/")
    page.evaluate("window.__noReload = true")
    _check(page, "review-04-claim")
    adding = page.locator("form.evidence-form")  # not the correction forms of each evidence
    for url, stance, quote in (
        ("https://example.org/nato/statement-2024", "Refutes the claim", "No NATO combat units."),
        ("https://example.com/analysis/alliance", "Gives context", "Allies send aid, not troops."),
    ):
        adding.get_by_label("Web address").fill(url)
        adding.get_by_label(re.compile(r"^Stance")).select_option(label=stance)
        adding.get_by_label(re.compile(r"^Quoted passage")).fill(quote)
        adding.get_by_role("button", name="Add evidence").click()
        page.get_by_role("link", name=url).wait_for()
        assert page.get_by_text("Evidence added.").is_visible()
    assert page.evaluate("window.__noReload") is True  # swapped in place, not reloaded
    assert Evidence.objects.filter(claim=claim).count() == 2
    # The same address again is refused with a clear message.
    page.get_by_label("Web address").fill("https://EXAMPLE.org/nato/statement-2024#top")
    adding.get_by_label(re.compile(r"^Stance")).select_option(label="Gives context")
    page.get_by_role("button", name="Add evidence").click()
    page.get_by_text("already evidence for this claim").wait_for()
    _check(page, "review-05-evidence")
    # A third piece, added by mistake, is removed with a reason (inline too).
    mistaken = "https://example.net/unrelated/page"
    adding.get_by_label("Web address").fill(mistaken)
    adding.get_by_label(re.compile(r"^Stance")).select_option(label="Supports the claim")
    adding.get_by_role("button", name="Add evidence").click()
    page.get_by_role("link", name=mistaken).wait_for()
    item = page.locator("li.evidence", has=page.get_by_role("link", name=mistaken))
    item.get_by_text("Remove this evidence").click()
    item.get_by_label("Why remove it?").fill("Added to the wrong claim.")
    item.get_by_role("button", name="Remove").click()
    page.get_by_text("Evidence removed.").wait_for()
    assert page.get_by_role("link", name=mistaken).count() == 0
    assert page.evaluate("window.__noReload") is True
    assert Evidence.objects.filter(claim=claim).count() == 2

    # 4. A verdict drafted and submitted for approval.
    page.get_by_label("Rating").select_option(label="Mostly false")
    page.get_by_label("Summary (one line)").fill("NATO has not deployed forces in Ukraine.")
    page.get_by_label("Rationale").fill("Allies support Ukraine with aid and training abroad.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Verdict version 1 saved as a draft.").wait_for()
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Submitted for approval.").wait_for()
    assert page.get_by_role("button", name="Approve and publish").count() == 0
    _check(page, "review-06-submitted")
    assert page.problems == [], page.problems[:3]

    # 5. Another editor approves and publishes.
    editor = _page(new_page, DESKTOP, offsite)
    log_in(editor, base, "e2e-editor", PASSWORD)
    editor.goto(f"{base}/review/claims/?status=awaiting_approval")
    _check(editor, "review-07-queue")
    editor.get_by_role("link", name=PHRASE).click()
    editor.wait_for_load_state()
    editor.get_by_role("button", name="Approve and publish").click()
    editor.get_by_text("Approved and published.").wait_for()
    verdict = Verdict.objects.get(claim=claim)
    assert verdict.state == "published" and verdict.approver.username == "e2e-editor"
    _check(editor, "review-08-published")
    assert editor.problems == []

    # 6. The claim page at 360 px.
    mobile = _page(new_page, MOBILE, offsite)
    log_in(mobile, base, "e2e-editor", PASSWORD)
    mobile.goto(f"{base}/review/claims/{claim.pk}/")
    _check(mobile, "review-09-claim-mobile")
    # What a phone shows first (the full-page shot is very tall).
    mobile.screenshot(path=str(ARTIFACTS / "review-09-claim-mobile-first-screen.png"))
    assert mobile.problems == []

    # 7. An anonymous reader sees the rating on the article; nothing unpublished.
    reader = _page(new_page, DESKTOP, offsite)
    reader.goto(f"{base}/articles/{claim.article.slug}/")
    # The publisher has not allowed the full text: the claim is quoted in its context.
    fact_checks = reader.locator("#fact-checks")
    marks = fact_checks.locator(".excerpt mark.claim")
    assert marks.count() == 1 and marks.first.inner_text() == PHRASE
    assert reader.locator("#article-text").count() == 0
    assert fact_checks.get_by_text("Mostly false", exact=True).is_visible()
    assert fact_checks.get_by_text("NATO has not deployed forces in Ukraine.").is_visible()
    html = reader.content()
    for other in Claim.objects.exclude(pk=claim.pk).filter(article=claim.article):
        assert f'fact-check-{other.pk}"' not in html and f'claim-{other.pk}"' not in html
    _check(reader, "review-10-public-article")
    assert reader.problems == []
    assert offsite == []
