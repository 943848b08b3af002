"""The reviewer's pages in Arabic, right to left, on a 1280 px desktop and a 390 px phone.

A reviewer whose browser asks for Arabic (``Accept-Language: ar``, the browser context's
locale; no saved preference) reads the queue, a claim, an article under review and the
dashboard: each page says ``<html lang="ar" dir="rtl">``, its main navigation starts at
the right edge (the site's name first, at the right; the links after it, to its left or on
a row of their own that starts at the right), nothing overflows sideways on the phone, and no
CSP violation or script error happens. Every page is screenshotted
(``test-artifacts/e2e/rtl-*.png``). The Arabic catalog may still lack strings: English
words in the screenshots are expected until it is merged.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from claims import services
from factcheck.lib.roles import REVIEWER, role_assign, roles_sync
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.e2e.conftest import DESKTOP, screenshot, watched_page
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    NoteFactory,
    UserFactory,
    published_claim,
    rating_level,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
TOLERANCE = 2  # px: sub-pixel rounding of boxes

# The header's navigation: its content box, the site's name, and the first menu link.
NAV_BOXES = """() => {
  const nav = document.querySelector('.site-header .nav');
  const style = getComputedStyle(nav);
  const box = nav.getBoundingClientRect();
  const brand = nav.querySelector('.brand').getBoundingClientRect();
  const first = nav.querySelector('.nav-links > li').getBoundingClientRect();
  const plain = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  return {
    contentLeft: box.left + parseFloat(style.paddingLeft),
    contentRight: box.right - parseFloat(style.paddingRight),
    brand: plain(brand),
    first: plain(first),
  };
}"""


def _desk():
    """A reviewer with a claim in review (evidence, a note, a draft verdict) on an article
    that has another claim, and a published fact-check for the dashboard's figures."""
    roles_sync()
    reviewer = UserFactory(username="rania")
    role_assign(reviewer, REVIEWER)
    article = ArticleFactory(title="The roads budget")
    claim = ClaimFactory(article=article)
    ClaimFactory(article=article, start=article.text.index("\n\n") + 2, end=len(article.text))
    EvidenceFactory(claim=claim)
    NoteFactory(claim=claim, author=reviewer)
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="The city spent 3.1 million.",
        rationale="The audited accounts say so.",
        version=NO_VERSION_CHECK,
    )
    published_claim()
    return reviewer, claim, article


def _signed_in_page(browser, live_server, user, viewport):
    """A page in a fresh Arabic-speaking browser context, signed in as ``user`` (the
    session made by the test client: no login form whose labels change language)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="ar")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, watched_page(context)


def _check_rtl(page, name: str) -> None:
    screenshot(page, name)
    root = page.evaluate(
        "() => ({lang: document.documentElement.lang, dir: document.documentElement.dir,"
        " direction: getComputedStyle(document.body).direction})"
    )
    assert root == {"lang": "ar", "dir": "rtl", "direction": "rtl"}, (name, root)
    boxes = page.evaluate(NAV_BOXES)
    brand, first = boxes["brand"], boxes["first"]
    # The navigation starts at the right edge: the site's name first, flush right.
    assert abs(brand["right"] - boxes["contentRight"]) <= TOLERANCE, (name, boxes)
    if first["top"] < brand["bottom"] and first["bottom"] > brand["top"]:
        # The menu on the same row: to the name's left.
        assert first["right"] <= brand["left"] + TOLERANCE, (name, boxes)
    else:
        # The menu on a row of its own (a phone): that row starts at the right edge too.
        assert abs(first["right"] - boxes["contentRight"]) <= TOLERANCE, (name, boxes)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name} overflows sideways ({width}px)"
    assert page.problems == [], name


def test_a_reviewer_reads_the_workbench_in_arabic_right_to_left(browser, live_server):
    reviewer, claim, article = _desk()
    pages = [
        ("queue", "/review/claims/"),
        ("claim", f"/review/claims/{claim.pk}/"),
        ("article", f"/review/articles/{article.pk}/"),
        ("dashboard", "/review/dashboard/"),
    ]
    for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        context, page = _signed_in_page(browser, live_server, reviewer, viewport)
        try:
            for name, path in pages:
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, (path, response.status)
                assert response.headers.get("content-language") == "ar", path
                _check_rtl(page, f"rtl-{name}-{suffix}")
        finally:
            context.close()
