"""Every page of the site, staff and reader, at a phone's width (390 px) and a desktop's
(1280 px), with a claim carrying a 300-character URL (long unbroken text) in the lists and
pages it reaches: nothing is wider than the viewport, and axe finds no serious or critical
violation.

The pages are the authorization matrix's (``tests/test_authorization_matrix.py``: every
named URL, made with its own objects), opened by an admin (who may open every staff page)
and by an anonymous reader for the public ones; fragments (htmx partials), JSON and other
non-pages are left out. A failing page is screenshotted under ``test-artifacts/``."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from claims.models import CitedLink
from factcheck.lib.roles import ADMIN, role_assign
from reader.selectors import claim_key
from tests.e2e.conftest import DESKTOP, axe_check, log_in, screenshot
from tests.factories import (
    ArticleFactory,
    EvidenceFactory,
    LinkFactory,
    UserFactory,
    ensure_default_scale,
    published_claim,
)
from tests.test_authorization_matrix import MATRIX, OK

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# 300 characters, no space or hyphen-free break the browser would take for granted.
LONG_URL = "https://evidence.example.org/" + ("report-" * 40)[:262] + "final.pdf"
PASSWORD = "correct horse battery staple"


def _long_url_claim():
    """A published claim whose wording carries the long URL, with it as evidence and as a
    cited link of its article: every list and page that shows them gets the long text."""
    assert len(LONG_URL) == 300
    sentence = f"The report at {LONG_URL} says the city spent 4.2 million dollars on roads."
    article = ArticleFactory(
        title="Roads " + "budget-" * 20 + "review", text=sentence + "\n\nOfficials agreed."
    )
    claim = published_claim(article=article, start=0, end=len(sentence), text=sentence)
    link = LinkFactory(url=LONG_URL, host="evidence.example.org")
    EvidenceFactory(claim=claim, link=link, quote="Spending rose " + "sharply " * 30)
    at = sentence.index(LONG_URL)
    CitedLink.objects.create(
        article=article,
        link=link,
        href=LONG_URL,
        anchor_text=LONG_URL,
        start=at,
        end=at + len(LONG_URL),
        claim=claim,
    )
    return claim


def _pages(persona: str) -> list[str]:
    """The matrix's pages that ``persona`` may open (``OK``), as URLs."""
    urls = []
    for name, (make, expected) in MATRIX.items():
        if expected is None or expected.get(persona, OK) != OK:
            continue
        if name.startswith("admin:"):
            continue  # Django's own admin: not the site's pages
        urls.append(reverse(name, kwargs=make()))
    return urls


def _check(page, url: str, viewport: dict, problems: list[str]) -> None:
    seen = len(page.problems)
    try:
        response = page.goto(url)
    except PlaywrightError as exc:
        if "Download is starting" in str(exc):
            return  # a file (the API schema, a CSV export), not a page
        raise
    if response is None or response.status != 200:
        return  # statuses are the matrix's test; here only pages that open
    if not (response.headers.get("content-type") or "").startswith("text/html"):
        # XML (the sitemap, the feeds) is shown by the browser's own viewer, which styles
        # itself inline: not the site's page, not its CSP report.
        del page.problems[seen:]
        return
    if not page.evaluate("!!document.querySelector('body > header, body > main, main')"):
        return  # an htmx fragment, not a page
    width = page.evaluate("document.documentElement.scrollWidth")
    label = f"{url} at {viewport['width']}px"
    if width > viewport["width"]:
        problems.append(f"{label}: {width}px wide")
    violations = axe_check(page)
    if violations:
        problems.append(f"{label}: axe {violations}")
    if width > viewport["width"] or violations:
        name = url.strip("/").replace("/", "-") or "home"
        screenshot(page, f"fits-{name}-{viewport['width']}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_no_staff_page_overflows_or_fails_axe(viewport, live_server, new_page):
    ensure_default_scale()
    claim = _long_url_claim()
    admin = UserFactory(username="e2e-fits-admin")
    role_assign(admin, ADMIN)
    urls = _pages("admin")
    # The long-URL claim's own pages come first: the workbench, the article, the queue.
    urls[:0] = [
        reverse("claims:claim_detail", args=[claim.pk]),
        reverse("claims:article_detail", args=[claim.article_id]),
        reverse("claims:claim_queue"),
    ]
    page = new_page(viewport)
    log_in(page, live_server.url, admin.username, PASSWORD)
    problems: list[str] = []
    for url in urls:
        _check(page, live_server.url + url, viewport, problems)
    assert problems == []
    assert page.problems == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_no_reader_page_overflows_or_fails_axe(viewport, live_server, new_page):
    ensure_default_scale()
    claim = _long_url_claim()
    urls = _pages("anonymous")
    urls[:0] = [
        reverse("reader:claim_page", kwargs={"key": claim_key(claim)}),
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
        reverse("reader:home"),
    ]
    page = new_page(viewport)
    problems: list[str] = []
    for url in urls:
        _check(page, live_server.url + url, viewport, problems)
    assert problems == []
    assert page.problems == []
