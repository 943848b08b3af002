"""A reader finds how the desk works, in a real browser at 390 px (a common phone) and
1280 px: from a fact-check on the demo data, "How we rate claims" opens the methodology
page at its rating scale (the active scale's levels, read live); the header and footer
reach the about and corrections-policy pages.

Every page is screenshotted, checked with axe-core, must not overflow sideways and must
raise no CSP violation; nothing may be requested from outside 127.0.0.1."""

from __future__ import annotations

import pytest

from claims.demo import demo_seed
from claims.models import Claim, RatingLevel
from reader.models import SitePage
from reader.selectors import claim_path
from reader.site_pages import DEFAULTS
from tests.e2e.conftest import DESKTOP, check_page, keep_local
from tests.factories import ensure_default_scale

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page(new_page, viewport, offsite: list[str]):
    return keep_local(new_page(viewport), offsite)


def _check(page, name: str) -> None:
    check_page(page, name)


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_reader_learns_how_the_desk_rates_claims(label, viewport, live_server, new_page):
    ensure_default_scale()  # a transactional test flushes the data migrations' rows
    for slug, fields in DEFAULTS.items():
        SitePage.objects.get_or_create(slug=slug, defaults=fields)
    demo_seed()
    claim = Claim.objects.filter(status=Claim.Status.PUBLISHED).order_by("pk").first()
    levels = list(RatingLevel.objects.filter(scale__is_active=True).order_by("position", "id"))
    base, offsite = live_server.url, []
    page = _page(new_page, viewport, offsite)

    # 1. A fact-check, with its sharing metadata and the way to the rating scale.
    page.goto(f"{base}{claim_path(claim)}")
    assert page.locator('meta[property="og:type"]').get_attribute("content") == "article"
    image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert image.endswith("/og-card.png")
    assert page.request.get(image).headers["content-type"] == "image/png"
    _check(page, f"site-pages-01-claim-{label}")

    # 2. "How we rate claims": the methodology page, at the live scale.
    page.get_by_role("link", name="How we rate claims").click()
    page.wait_for_load_state()
    assert page.url.endswith("/methodology/#rating-scale")
    scale = page.locator("#rating-scale")
    assert scale.get_by_role("heading", name="Our rating scale").is_visible()
    assert scale.locator("dt").count() == len(levels)
    assert [scale.locator("dt").nth(i).inner_text() for i in range(len(levels))] == [
        level.label for level in levels
    ]
    assert page.get_by_role("heading", name="The four-eyes rule").is_visible()
    _check(page, f"site-pages-02-methodology-{label}")

    # 3. The footer's links to the about and corrections-policy pages.
    footer = page.locator("footer")
    footer.get_by_role("link", name="About us").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Ownership and funding").is_visible()
    _check(page, f"site-pages-03-about-{label}")
    page.locator("footer").get_by_role("link", name="Corrections policy").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Corrections policy").is_visible()
    _check(page, f"site-pages-04-corrections-policy-{label}")

    assert page.problems == [], page.problems[:3]
    assert offsite == []
