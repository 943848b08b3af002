"""The staff pages as an admin sees them, on a 1280 px desktop and a 390 px phone: the
main menu and the staff menu each on one line on the desktop, nothing overflowing sideways
on either, the site's name (not the host) in every title and header, histories in words,
zero axe-core violations and no CSP violation. Every page is screenshotted
(``test-artifacts/e2e/staff-*.png``)."""

from __future__ import annotations

import re

import pytest

from claims import services
from factcheck.lib.roles import ADMIN, REVIEWER, role_assign, roles_sync
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.e2e.conftest import DESKTOP, check_page, log_in
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    LinkCheckFactory,
    LinkFactory,
    SourceFactory,
    UserFactory,
    published_claim,
    rating_level,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}
SITE = "Harbour Fact Desk"
STAFF_LINKS = [
    "Review",
    "Queue",
    "Changed since checked",
    "Link health",
    "Sources",
    "Dashboard",
    "Team",
    "Rating scales",
    "API tokens",
    "Webhooks",
    "Admin",
]

# How many rows each menu's items take (distinct tops of its items).
ROWS = """(label) => {
  const nav = document.querySelector(`nav[aria-label="${label}"]`);
  const items = [...nav.querySelectorAll(':scope > ul > li, :scope > .brand, :scope > .nav-user')];
  const rows = [];
  for (const item of items) {
    const box = item.getBoundingClientRect();
    if (!rows.some(([top, bottom]) => box.top < bottom - 4 && box.bottom > top + 4)) {
      rows.push([box.top, box.bottom]);
    }
  }
  return rows.length;
}"""


def _desk():
    """An admin, a reviewer's claim through the workflow, a published one, links and
    sources."""
    roles_sync()
    chief = UserFactory(username="chief")
    role_assign(chief, ADMIN)
    reviewer = UserFactory(username="rita")
    role_assign(reviewer, REVIEWER)
    source = SourceFactory(name="City Herald", domains=["herald.example"])
    link = LinkFactory(url="https://herald.example/budget", host="herald.example", source=source)
    LinkCheckFactory(link=link, state_before="unchecked")
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, link=link)
    services.claim_start_review(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="The city spent 3.1 million.",
        rationale="The audited accounts say so.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    published_claim()
    return claim


def _check(page, name: str, *, desktop: bool) -> None:
    title = page.title()
    assert title.endswith(SITE) or title.startswith(SITE) or SITE in title, (name, title)
    assert not re.search(r"127\.0\.0\.1|localhost", title), (name, title)
    assert page.locator(".brand").inner_text() == SITE
    check_page(page, name)
    if desktop:
        assert page.evaluate(ROWS, "Main") == 1, f"{name}: the main menu wraps"
        assert page.evaluate(ROWS, "Staff") == 1, f"{name}: the staff menu wraps"
    assert page.problems == [], name


def test_an_admin_opens_the_staff_pages_at_desktop_and_phone_widths(
    live_server, new_page, settings
):
    settings.FACTCHECK_SITE_NAME = SITE
    claim = _desk()
    pages = [
        ("queue", "/review/claims/"),
        ("claim", f"/review/claims/{claim.pk}/"),
        ("links", "/review/links/"),
        ("sources", "/review/sources/"),
        ("dashboard", "/review/dashboard/"),
        ("team", "/review/team/"),
        ("scales", "/review/scales/"),
        ("policy", "/review/link-policy/"),
    ]
    for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_page(viewport)
        log_in(page, live_server.url, "chief", PASSWORD)
        staff = page.get_by_role("navigation", name="Staff")
        assert [link.strip() for link in staff.get_by_role("link").all_inner_texts()] == (
            STAFF_LINKS
        )
        for name, path in pages:
            page.goto(f"{live_server.url}{path}")
            _check(page, f"staff-{name}-{suffix}", desktop=viewport is DESKTOP)
        # The claim's history is in words, one entry per action.
        page.goto(f"{live_server.url}/review/claims/{claim.pk}/")
        history = page.locator(".timeline").inner_text()
        assert "submitted the verdict for approval" in history
        assert history.count("submitted the verdict for approval") == 1
        assert "claims.claim." not in history and "claims.verdict." not in history
        # Link health and the rating scales are one click from the staff menu.
        page.get_by_role("navigation", name="Staff").get_by_role("link", name="Link health").click()
        page.wait_for_load_state()
        assert page.url.endswith("/review/links/")
        assert page.get_by_label("Last checked: to").is_visible()
        page.get_by_role("navigation", name="Staff").get_by_role(
            "link", name="Rating scales"
        ).click()
        page.wait_for_load_state()
        assert page.url.endswith("/review/scales/")
    # The admin is titled with the site's name too.
    page.goto(f"{live_server.url}/admin/")
    assert SITE in page.title()
    assert SITE in page.locator("#site-name").inner_text()
