"""A reader and a reviewer use the foundation pages in a real browser, at desktop and
mobile widths; each page is screenshotted, CSP-clean and free of serious accessibility
violations."""

import pytest

from claims.demo import demo_seed
from factcheck.lib.roles import REVIEWER, role_assign
from tests.e2e.conftest import DESKTOP, MOBILE, axe_check, log_in, screenshot
from tests.factories import UserFactory, ensure_default_scale

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_a_reader_opens_the_demo_article_from_the_home_page(label, viewport, live_server, new_page):
    ensure_default_scale()  # the home page lists the demo's published fact-checks
    demo_seed()
    page = new_page(viewport)
    page.goto(live_server.url + "/")
    assert page.get_by_text("Demonstration content").first.is_visible()
    screenshot(page, f"foundation-home-{label}")
    assert axe_check(page) == []
    page.get_by_role("link", name="NATO Troops in Ukraine").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("NATO Troops in Ukraine")
    # Nothing may overflow sideways at 360 px.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    screenshot(page, f"foundation-article-{label}")
    assert axe_check(page) == []
    assert page.problems == []


def test_a_reviewer_logs_in_and_reaches_the_review_area(live_server, new_page):
    demo_seed()
    user = UserFactory(username="e2e-reviewer")
    role_assign(user, REVIEWER)
    page = new_page(DESKTOP)
    page.goto(live_server.url + "/accounts/login/")
    screenshot(page, "foundation-login")
    assert axe_check(page) == []
    log_in(page, live_server.url, "e2e-reviewer", "correct horse battery staple")
    assert page.url.endswith("/review/")
    assert page.get_by_role("heading", name="Articles under review").is_visible()
    screenshot(page, "foundation-review-home")
    assert axe_check(page) == []
    assert page.problems == []
