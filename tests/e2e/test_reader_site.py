"""A reader on the demo data (``claims.demo.demo_seed()``) in a real browser, at desktop and
360 px widths: the latest fact-checks (and a filter), the example article quoting its checked
claims, then (once its full text is allowed) with a highlight focused from the keyboard so its
popover shows, the claim page and the corrections log.

Every page is screenshotted, checked with axe-core, must not overflow sideways and must
raise no CSP violation; nothing may be requested from outside 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from claims import services
from claims.demo import demo_seed
from claims.models import Article, Claim, Verdict
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.e2e.conftest import ARTIFACTS, DESKTOP, MOBILE, check_page, keep_local
from tests.factories import ensure_default_scale

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _page(new_page, viewport, offsite: list[str]):
    return keep_local(new_page(viewport), offsite)


def _check(page, name: str) -> None:
    check_page(page, name)


def _tab_to_first_highlight(page) -> None:
    """Press Tab from the top of the page until a highlighted claim has the focus."""
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.reader-text mark.claim')"):
            return
    raise AssertionError("no highlighted claim can be reached with the Tab key")


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_a_reader_reads_the_demo_fact_checks(label, viewport, live_server, new_page):
    ensure_default_scale()  # a transactional test flushes the data migration's scale
    demo_seed()
    article = Article.objects.get(is_demo=True)
    published = list(
        Claim.objects.filter(article=article, status=Claim.Status.PUBLISHED).order_by("start")
    )
    hidden = Claim.objects.filter(article=article).exclude(status=Claim.Status.PUBLISHED)
    drafts = list(Verdict.objects.filter(claim__in=hidden))
    assert len(published) >= 2 and drafts
    base, offsite = live_server.url, []
    page = _page(new_page, viewport, offsite)

    # 1. The latest fact-checks, marked as demonstration content.
    page.goto(f"{base}/")
    cards = page.locator(".fact-check-card")
    assert cards.count() == len(published)
    assert cards.first.get_by_text("Demonstration content").is_visible()
    _check(page, f"reader-01-home-{label}")
    # Filtering by rating, from the form.
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Rating").select_option(label="Mixed")
    page.get_by_role("button", name="Apply the filters").click()
    page.wait_for_load_state()
    assert "rating=mixed" in page.url and cards.count() == 1
    assert page.get_by_text("1 fact-check matches the filters").is_visible()
    _check(page, f"reader-01-home-filtered-{label}")

    # 2. The article. Its publisher has not allowed the full text: each published claim is
    # quoted with a little of its paragraph, nothing else of the text is in the page.
    cards.first.get_by_role("link", name=article.title).click()
    page.wait_for_load_state()
    quoted = page.locator("#fact-checks .excerpt mark.claim")
    assert [quoted.nth(i).inner_text() for i in range(quoted.count())] == [
        c.text for c in published
    ]
    assert page.locator("#article-text").count() == 0
    _check(page, f"reader-02-article-excerpts-{label}")
    # Once it is allowed, the full text: every published claim highlighted, nothing else.
    services.article_reader_details_update(
        article=article,
        user=get_user_model().objects.get(username="demo-editor"),
        topics=list(article.topics.all()),
        publisher=article.publisher,
        may_republish=True,
        version=NO_VERSION_CHECK,
    )
    page.reload()
    page.wait_for_load_state()
    marks = page.locator(".reader-text mark.claim")
    assert marks.count() == len(published)
    assert [marks.nth(i).inner_text() for i in range(marks.count())] == [c.text for c in published]
    html = page.content()
    for verdict in drafts:
        assert verdict.summary not in html and f"/claims/{verdict.claim_id}-" not in html
    strip = page.locator(".summary-strip").inner_text()
    assert strip.startswith(f"{len(published)} claims checked:")
    # The keyboard reaches the first highlight; its popover shows, and Tab walks into it.
    _tab_to_first_highlight(page)
    popover = page.locator(".hl:focus-within .popover")
    assert popover.is_visible()
    first_verdict = Verdict.objects.get(claim=published[0], state="published")
    assert first_verdict.summary in popover.inner_text()
    page.keyboard.press("Tab")  # the rating label, a link to the claim page
    assert popover.is_visible()
    page.keyboard.press("Tab")  # the popover's own link
    link = page.locator(".hl:focus-within .popover-link")
    assert link.is_visible() and page.evaluate("document.activeElement.className") == (
        "popover-link"
    )
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back on the highlight for the screenshot
    assert popover.is_visible()
    _check(page, f"reader-02-article-{label}")
    # What the screen shows around the focused highlight (the full-page shot is tall).
    page.screenshot(path=str(ARTIFACTS / f"reader-02-article-{label}-popover.png"))
    if label == "desktop":
        page.mouse.move(0, 0)
        page.locator("body").focus()
        marks.nth(1).hover()
        assert page.locator(".hl:hover .popover").is_visible()
    else:
        page.locator("body").focus()
        marks.nth(1).click()  # a tap focuses the highlight
        assert page.locator(".hl:focus-within .popover").is_visible()

    # 3. The claim page, from the popover's link.
    page.locator(".hl:focus-within .popover-link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="How we checked this").is_visible()
    assert page.get_by_text("Demonstration content").first.is_visible()
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "ClaimReview" and data["url"] == page.url
    for anchor in page.locator("#evidence a.url").all():
        assert anchor.get_attribute("rel") == "noopener nofollow"
    _check(page, f"reader-03-claim-{label}")

    # 4. The corrections log.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Corrections").click()
    page.wait_for_load_state()
    assert page.locator(".correction-entry").count() >= 1
    _check(page, f"reader-04-corrections-{label}")

    assert page.problems == [], page.problems[:3]
    assert offsite == []
