"""The API's two HTML pages in Chromium: the tokens page (a reviewer makes a token, sees it
once, uses it, revokes it; without JavaScript) and the docs page (Swagger UI from our own
files, under the site's CSP: no violation, nothing fetched from elsewhere). Screenshots:
``test-artifacts/e2e/api-*.png``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from factcheck.lib.roles import REVIEWER, role_assign, roles_sync
from tests.e2e.conftest import DESKTOP, check_page, keep_local, log_in, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def test_a_reviewer_makes_a_token_sees_it_once_and_revokes_it(live_server, new_page):
    roles_sync()
    role_assign(UserFactory(username="rita"), REVIEWER)
    page = new_page(DESKTOP)
    log_in(page, live_server.url, "rita", PASSWORD)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="API tokens").click()
    page.wait_for_load_state()
    assert page.url.endswith("/api/v1/tokens/")
    page.get_by_label("Name").fill("Newsroom CMS")
    page.get_by_role("button", name="Create the token").click()
    page.wait_for_load_state()
    secret = page.get_by_role("textbox", name="Token").input_value()
    assert secret.startswith("fcw_")
    check_page(page, "api-tokens-created")
    assert page.problems == []
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(f"{live_server.url}/api/v1/claims/").status_code == 200
    # Shown once: the page does not show it again.
    page.goto(f"{live_server.url}/api/v1/tokens/")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke “Newsroom CMS”").click()
    page.wait_for_load_state()
    assert "is revoked" in page.content()
    screenshot(page, "api-tokens-revoked")
    assert api.get(f"{live_server.url}/api/v1/claims/").status_code == 401


def test_the_docs_page_shows_the_api_under_the_csp_from_our_own_files(live_server, new_page):
    page = new_page(DESKTOP)
    offsite: list[str] = []
    keep_local(page, offsite)
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.get_by_text("Fact-check Workbench API").first.wait_for()
    page.locator("#operations-tag-fact-checks").wait_for()
    screenshot(page, "api-docs")
    assert page.problems == []
    assert offsite == []
