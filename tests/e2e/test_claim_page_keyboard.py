"""The claim page by keyboard only, in a real browser: from the main heading a few Tab presses
reach "Start review"; a link the article cites becomes evidence (the stance chosen, never a
default); words selected in the claim's context are quoted as evidence from the popup next to
the selection (Tab enters it, Escape closes it); a draft verdict is saved and submitted for
approval; then the evidence is locked. Screenshots at 1280 and 390 px; axe finds nothing."""

from __future__ import annotations

import re

import pytest

from claims.models import CitedLink, Claim, Evidence, Verdict
from factcheck.lib.roles import REVIEWER, role_assign, roles_sync
from tests.e2e.conftest import (
    AXE,
    DESKTOP,
    check_page,
    keep_local,
    log_in,
    screenshot,
)
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    LinkFactory,
    UserFactory,
    ensure_default_scale,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}
TEXT = (
    "The city spent 4.2 million dollars on roads last year, according to the audit office.\n\n"
    "Officials said the figure was checked twice."
)
CITED = "https://audit.example.org/report-2025"


def _focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.innerText || e.value || e.name || e.tagName).trim() : ''; }"
    )


def _tab_to(page, text: str, limit: int) -> int:
    """Press Tab until the focused element says ``text``; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if _focused(page).startswith(text):
            return presses
    raise AssertionError(f"{text!r} not reached in {limit} Tab presses (at {_focused(page)!r})")


def _settles(page) -> int:
    """How many htmx swaps have settled on the page so far (a listener added at load)."""
    return page.evaluate("window.__settled || 0")


def _wait_for_settle(page, after: int) -> None:
    """Wait until a swap after the ``after``-th has settled: htmx binds the new content's
    forms only then (a key pressed before would submit a form the browser's own way)."""
    for _ in range(50):
        if _settles(page) > after:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page never settled after the swap")


def _wait_for_focus(page, name: str) -> None:
    """Wait until the field ``name`` has the focus (polled: the CSP forbids eval'd waits)."""
    for _ in range(50):
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{name} never got the focus")


def _all_axe_violations(page) -> list[dict]:
    """Every axe-core violation, whatever its impact."""
    page.evaluate(AXE.read_text())
    return page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )


def _select_in_context(page, words: str) -> None:
    page.evaluate(
        """(words) => {
          const root = document.querySelector("[data-selection-area] mark");
          const node = root.firstChild;
          const at = node.textContent.indexOf(words);
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + words.length);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }""",
        words,
    )


def test_the_claim_page_by_keyboard_only(live_server, new_page):
    roles_sync()
    ensure_default_scale()
    reviewer = UserFactory(username="kb-reviewer")
    role_assign(reviewer, REVIEWER)
    article = ArticleFactory(title="Roads budget (keyboard)", text=TEXT)
    claim = ClaimFactory(article=article, end=TEXT.index("office.") + len("office."))
    anchor = "the audit office"
    start = TEXT.index(anchor)
    CitedLink.objects.create(
        article=article,
        link=LinkFactory(url=CITED, host="audit.example.org"),
        href=CITED,
        anchor_text=anchor,
        start=start,
        end=start + len(anchor),
        claim=claim,
    )
    base = live_server.url
    page = keep_local(new_page(DESKTOP))
    log_in(page, base, "kb-reviewer", PASSWORD)
    page.goto(f"{base}/review/claims/{claim.pk}/")
    page.evaluate("window.__noReload = true")
    page.evaluate(
        "document.body.addEventListener('htmx:afterSettle',"
        " () => { window.__settled = (window.__settled || 0) + 1; })"
    )

    # 1. From the main heading, "Start review" is a few Tab presses away.
    page.locator("h1").evaluate("h => { h.tabIndex = -1; h.focus(); }")
    assert _tab_to(page, "Start review", limit=6) <= 6
    page.keyboard.press("Enter")
    page.get_by_text("The claim is now in review.").wait_for()
    # The focus is on what happened, not lost at the top of the document.
    assert page.evaluate("document.activeElement.classList.contains('messages-inline')")

    # 2. The article's cited link, one keypress from the evidence form; the stance is chosen.
    _tab_to(page, "Add as evidence", limit=15)
    page.keyboard.press("Enter")
    stance = page.locator("form.evidence-form select[name=stance]")
    _wait_for_focus(page, "stance")
    assert page.locator("form.evidence-form input[name=url]").input_value() == CITED
    assert stance.input_value() == ""  # no default: "Choose…"
    page.keyboard.press("r")  # "Refutes the claim"
    assert stance.input_value() == "refutes"
    page.keyboard.press("Tab")
    page.keyboard.type("The audit office found 3.1 million.")
    page.keyboard.press("Tab")  # the note (prefilled with the anchor text)
    page.keyboard.press("Tab")
    assert _focused(page) == "Add evidence"
    page.keyboard.press("Enter")
    page.get_by_text("Evidence added.").wait_for()
    first = Evidence.objects.get(claim=claim)
    assert (first.link.url, first.stance) == (CITED, "refutes")

    # 3. Words selected in the claim: the popup next to them; Escape closes it, Tab enters it.
    popup = page.locator("#selection-popup")
    _select_in_context(page, "4.2 million dollars")
    popup.wait_for(state="visible")
    words = page.evaluate("window.getSelection().getRangeAt(0).getBoundingClientRect().bottom")
    box = popup.bounding_box()
    assert abs(box["y"] - words) < 40, (box, words)  # right below the selection
    screenshot(page, "claim-keyboard-selection-popup")
    page.keyboard.press("Escape")
    popup.wait_for(state="hidden")
    _select_in_context(page, "4.2 million dollars")
    popup.wait_for(state="visible")
    page.keyboard.press("Tab")
    assert _focused(page) == "Make a claim"
    page.keyboard.press("Tab")
    assert _focused(page) == "Quote as evidence"
    page.keyboard.press("Enter")
    quote = page.locator("form.evidence-form textarea[name=quote]")
    assert quote.input_value() == "4.2 million dollars"
    assert page.evaluate("document.activeElement.name") == "url"  # what is still missing
    page.keyboard.type("https://roads.example.org/spending")
    page.keyboard.press("Tab")
    page.keyboard.press("g")  # "Gives context"
    for _ in range(3):  # the quote (filled), the note, the button
        page.keyboard.press("Tab")
    assert _focused(page) == "Add evidence"
    page.keyboard.press("Enter")
    page.get_by_role("link", name="https://roads.example.org/spending").wait_for()
    assert Evidence.objects.filter(claim=claim, quote="4.2 million dollars").count() == 1

    # 4. A draft verdict: "v" jumps to its summary (the reviewer shortcuts).
    page.keyboard.press("v")
    assert page.evaluate("document.activeElement.name") == "summary"
    page.keyboard.type("The audit shows 3.1 million, not 4.2 million.")
    page.keyboard.press("Tab")
    page.keyboard.type("The audit office's report puts road spending at 3.1 million dollars.")
    for _ in range(3):  # back past the summary and "What the ratings mean" to the rating
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.name") == "rating"
    page.keyboard.press("f")  # the first level starting with F ("False")
    assert page.locator("select[name=rating]").input_value() != ""
    _tab_to(page, "Save draft", limit=6)
    settled = _settles(page)
    page.keyboard.press("Enter")
    page.get_by_text("saved as a draft").wait_for()
    _wait_for_settle(page, settled)
    assert Verdict.objects.get(claim=claim).state == Verdict.State.DRAFT

    # 5. Submitted for approval: the button is near the top again.
    assert _tab_to(page, "Submit for approval", limit=8) <= 8
    page.keyboard.press("Enter")
    page.get_by_text("Submitted for approval.").wait_for()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    assert page.evaluate("window.__noReload") is True  # every step swapped in place

    # 6. The evidence is locked: no form, no corrections, no "Add as evidence".
    assert page.get_by_text("return it to review to change its evidence").first.is_visible()
    assert page.locator("form.evidence-form").count() == 0
    assert page.get_by_text("Edit stance, passage or note").count() == 0
    assert page.get_by_text("Remove this evidence").count() == 0
    assert page.get_by_role("link", name="Add as evidence").count() == 0
    history = page.locator("#history").inner_text()
    assert "submitted the verdict for approval" in history and "claims." not in history
    check_page(page, "claim-keyboard-1280")
    assert _all_axe_violations(page) == []
    assert page.problems == []

    # The article page offers the same popup on its text: "Make a claim" marks the words.
    page.goto(f"{base}/review/articles/{article.pk}/")
    page.evaluate(
        """(words) => {
          const root = document.getElementById("article-text");
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const at = node.textContent.indexOf(words);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + words.length);
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
            return;
          }
        }""",
        "the figure was checked twice",
    )
    page.locator("#selection-popup").wait_for(state="visible")
    page.keyboard.press("Tab")
    assert _focused(page) == "Make a claim"
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"Claim #\d+ added\.")).wait_for()
    made = Claim.objects.get(text="the figure was checked twice")
    assert article.text[made.start : made.end] == made.text

    # The same page on a phone: one column, nothing wider than the screen, axe-clean.
    phone = keep_local(new_page(PHONE))
    log_in(phone, base, "kb-reviewer", PASSWORD)
    phone.goto(f"{base}/review/claims/{claim.pk}/")
    check_page(phone, "claim-keyboard-390")
    assert _all_axe_violations(phone) == []
    assert phone.problems == []
