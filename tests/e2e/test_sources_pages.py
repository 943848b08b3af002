"""The sources registry in a real browser: an admin registers an unknown domain in one step,
rates the new source, previews and confirms a CSV import, and a reviewer filters the list on
a phone. Every page is screenshotted, checked with axe-core and must raise no CSP violation
nor overflow sideways."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from factcheck.celery_app import app
from factcheck.lib.roles import ADMIN, REVIEWER, role_assign, roles_sync
from sources.models import Source
from tests.e2e.conftest import DESKTOP, MOBILE, check_page, log_in
from tests.factories import EvidenceFactory, LinkFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
CSV = (
    "name,kind,home_url,domains,country,language,rating,rating_rationale,notes\n"
    "Reuters,wire,https://www.reuters.com/,reuters.com,GB,en,high,Corrects openly.,\n"
    "Daily Rumour,blog,,dailyrumour.example,,en,low,Invented quotes twice.,\n"
)


def _check(page, name: str) -> None:
    check_page(page, name)
    assert page.problems == [], name


def test_an_admin_registers_rates_and_imports_sources(live_server, new_page, tmp_path):
    roles_sync()
    role_assign(UserFactory(username="chief"), ADMIN)
    bbc = SourceFactory(name="BBC", kind="news", domains=["bbc.co.uk"])
    LinkFactory(url="https://www.bbc.co.uk/news/1", host="www.bbc.co.uk", source=bbc)
    for i in range(3):
        link = LinkFactory(url=f"https://news.example.org/{i}", host="news.example.org")
        EvidenceFactory(link=link, source=None)

    page = new_page(DESKTOP)
    log_in(page, live_server.url, "chief", PASSWORD)
    page.get_by_role("link", name="Sources").first.click()
    page.wait_for_load_state()
    _check(page, "sources-list")
    page.get_by_role("link", name="Unregistered domains").click()
    page.wait_for_load_state()
    _check(page, "sources-unregistered")
    page.get_by_label("Name for example.org").fill("Example News")
    page.get_by_label("Kind of example.org").select_option("news")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    assert page.get_by_text("Source Example News registered for example.org").is_visible()
    source = Source.objects.get(name="Example News")
    assert source.evidence.count() == 3

    page.goto(f"{live_server.url}/review/sources/{source.pk}/edit/")
    page.get_by_label("Reliability").select_option("mixed")
    page.get_by_label("Why this rating").fill("Accurate news, misleading headlines.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Rating history").is_visible()
    _check(page, "sources-detail")

    path = tmp_path / "sources.csv"
    path.write_text(CSV, encoding="utf-8-sig")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 to create").is_visible()
    _check(page, "sources-import-preview")
    app.control.purge()
    page.get_by_role("button", name="Import: create 2, update 0").click()
    page.wait_for_load_state()
    assert page.get_by_text("Queued").is_visible()  # the job page, refreshing itself
    # A real worker runs the import job; the page shows the outcome on its next refresh.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        done = page.get_by_text("Imported sources.csv: 2 sources added")
        done.wait_for(timeout=60_000)
    _check(page, "sources-import-done")
    assert Source.objects.get(name="Daily Rumour").rating == "low"


def test_a_reviewer_filters_the_sources_on_a_phone(live_server, new_page):
    roles_sync()
    role_assign(UserFactory(username="rev"), REVIEWER)
    dead = SourceFactory(name="Vanishing Times", kind="news", domains=["vanishing.example"])
    LinkFactory(
        url="https://vanishing.example/a", host="vanishing.example", source=dead, state="dead"
    )
    SourceFactory(name="Steady Wire", kind="wire", domains=["steady.example"])
    page = new_page(MOBILE)
    log_in(page, live_server.url, "rev", PASSWORD)
    page.goto(f"{live_server.url}/review/sources/")
    page.get_by_label("Link health").select_option("dead")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Vanishing Times").is_visible()
    assert page.get_by_role("link", name="Steady Wire").count() == 0
    _check(page, "sources-list-phone")
