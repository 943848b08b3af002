"""Pasting an HTML article (or uploading a file, or fetching a page from a local server) in
a real browser: the format is detected (or taken from the file's name or the content type),
the preview shows the title, the claims and the cited links before anything is stored, and
"Ingest" stores it.

Each page is screenshotted (``test-artifacts/e2e/paste-*.png``, ``upload-*.png``,
``fetch-*.png``), checked with axe-core and must raise no CSP violation; no request may leave
127.0.0.1 (the cited links are only stored)."""

from __future__ import annotations

import re

import pytest

from claims.models import Article, Claim
from factcheck.lib.roles import REVIEWER, role_assign, roles_sync
from tests.e2e.conftest import DESKTOP, MOBILE, check_page, keep_local, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PAGE = """<!doctype html>
<html><head><title>Council cuts road budget</title></head>
<body>
<nav><a href="/home">Home</a></nav>
<article>
<h1>Council cuts road budget</h1>
<p>The council cut the road budget by 4 million dollars in 2024, according to
<a href="https://example.org/minutes-2024">the council minutes</a>.</p>
<p>Residents were unhappy about the potholes on Main Street.</p>
<ul>
<li>Repairs fell to 800 repairs a year, the
<a href="https://news.example.com/roads-report">roads report</a> says.</li>
</ul>
</article>
</body></html>"""


def _scores(sentences: list[str]) -> list[float]:
    """A sentence with a digit is check-worthy: the browser test does not depend on the
    model's weights."""
    return [0.9 if re.search(r"\d", sentence) else 0.1 for sentence in sentences]


def test_pasted_html_is_previewed_then_ingested(live_server, new_page, monkeypatch, settings):
    monkeypatch.setattr("claims.nlp.score_sentences", _scores)
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.5
    roles_sync()
    role_assign(UserFactory(username="e2e-paster"), REVIEWER)
    base = live_server.url
    offsite: list[str] = []
    page = keep_local(new_page(DESKTOP), offsite)
    log_in(page, base, "e2e-paster", PASSWORD)

    # 1. The form: the format is left to detection.
    page.goto(f"{base}/review/articles/new/")
    assert page.get_by_label("The pasted text is").input_value() == "auto"
    page.get_by_label("Article text").fill(PAGE)
    check_page(page, "paste-01-form")
    page.get_by_role("button", name="Add the article").click()
    page.wait_for_load_state()

    # 2. The preview: detected HTML, the page's title, the claims and the cited links.
    assert page.locator("#preview-format").inner_text() == "HTML"
    assert page.get_by_text("(detected from the content)").is_visible()
    assert page.locator("#preview-title").inner_text() == "Council cuts road budget"
    claims = page.locator("tr.preview-claim td strong").all_inner_texts()
    assert claims == [
        "The council cut the road budget by 4 million dollars in 2024, according to the "
        "council minutes.",
        "Repairs fell to 800 repairs a year, the roads report says.",
    ]
    assert "<" not in " ".join(claims)
    links = page.locator(".ingest-preview-links a").all_inner_texts()
    assert links == ["https://example.org/minutes-2024", "https://news.example.com/roads-report"]
    assert not Article.objects.exists()  # nothing stored yet
    check_page(page, "paste-02-preview")
    mobile = keep_local(new_page(MOBILE), offsite)
    log_in(mobile, base, "e2e-paster", PASSWORD)
    mobile.goto(f"{base}/review/articles/new/")
    mobile.get_by_label("Article text").fill(PAGE)
    mobile.get_by_role("button", name="Add the article").click()
    mobile.wait_for_load_state()
    check_page(mobile, "paste-02-preview-mobile")

    # 3. Ingest: the article page, with its cited links.
    page.get_by_role("button", name="Ingest").click()
    page.wait_for_load_state()
    article = Article.objects.get()
    assert page.url.endswith(f"/review/articles/{article.pk}/")
    assert page.get_by_text("Article added: 2 claims found.").is_visible()
    assert article.source_format == "html" and article.title == "Council cuts road budget"
    assert sorted(c.text for c in Claim.objects.filter(article=article)) == sorted(claims)
    cited = page.locator("#links-heading + * a.url, table a.url").all_inner_texts()
    assert "https://example.org/minutes-2024" in cited
    assert "https://news.example.com/roads-report" in cited
    check_page(page, "paste-03-article")
    assert page.problems == [] and mobile.problems == [], (page.problems, mobile.problems)
    assert offsite == []


MARKDOWN = """# Council cuts road budget

The council cut the road budget by 4 million dollars in 2024, according to
[the council minutes](https://example.org/minutes-2024).

Residents were unhappy about the potholes on Main Street.
"""


def test_an_uploaded_file_is_previewed_switched_and_ingested(
    live_server, new_page, monkeypatch, settings
):
    monkeypatch.setattr("claims.nlp.score_sentences", _scores)
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.5
    roles_sync()
    role_assign(UserFactory(username="e2e-uploader"), REVIEWER)
    base = live_server.url
    offsite: list[str] = []
    page = keep_local(new_page(DESKTOP), offsite)
    log_in(page, base, "e2e-uploader", PASSWORD)

    # 1. The form: upload a markdown file.
    page.goto(f"{base}/review/articles/new/")
    page.get_by_label("Upload a file (.txt, .md, .html)").check()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "budget.md", "mimeType": "text/markdown", "buffer": MARKDOWN.encode()}
    )
    check_page(page, "upload-01-form")
    page.get_by_role("button", name="Add the article").click()
    page.wait_for_load_state()

    # 2. The preview: the format from the file's name, the claim and the cited link.
    assert page.locator("#preview-format").inner_text() == "Markdown"
    assert page.get_by_text("(from the file's name)").is_visible()
    assert page.locator("#preview-source").inner_text().startswith("From the file budget.md")
    claims = page.locator("tr.preview-claim td strong").all_inner_texts()
    assert len(claims) == 1 and claims[0].startswith("The council cut the road budget by 4")
    links = page.locator(".ingest-preview-links a").all_inner_texts()
    assert links == ["https://example.org/minutes-2024"]
    assert not Article.objects.exists()  # nothing stored yet
    check_page(page, "upload-02-preview")

    # 3. Read as plain text: no links; then back to markdown.
    page.get_by_label("The file is").select_option("text")
    page.get_by_role("button", name="Preview again").click()
    page.wait_for_load_state()
    assert page.locator("#preview-format").inner_text() == "Plain text"
    assert page.get_by_text("(you chose it; the content looks like Markdown)").is_visible()
    assert page.locator(".ingest-preview-links a").count() == 0
    check_page(page, "upload-03-preview-as-text")
    page.get_by_label("The file is").select_option("markdown")
    page.get_by_role("button", name="Preview again").click()
    page.wait_for_load_state()
    assert page.locator(".ingest-preview-links a").all_inner_texts() == links
    assert not Article.objects.exists()

    # 4. Ingest: the file's text, as previewed.
    page.get_by_role("button", name="Ingest").click()
    page.wait_for_load_state()
    article = Article.objects.get()
    assert page.url.endswith(f"/review/articles/{article.pk}/")
    assert page.get_by_text("Article added: 1 claim found.").is_visible()
    assert article.source_format == "markdown" and article.title == "# Council cuts road budget"
    # The table shows a claim's line break as a space.
    assert [" ".join(c.text.split()) for c in Claim.objects.filter(article=article)] == claims
    check_page(page, "upload-04-article")
    assert page.problems == [], page.problems
    assert offsite == []


def test_a_fetched_address_is_previewed_then_ingested(live_server, new_page, monkeypatch, settings):
    from tests.sources.httpserver import LocalHTTPServer, redirect, respond

    monkeypatch.setattr("claims.nlp.score_sentences", _scores)
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.5
    roles_sync()
    role_assign(UserFactory(username="e2e-fetcher"), REVIEWER)
    base = live_server.url
    offsite: list[str] = []
    page = keep_local(new_page(DESKTOP), offsite)
    log_in(page, base, "e2e-fetcher", PASSWORD)
    with LocalHTTPServer() as server:
        server.route("/roads", redirect("/2024/roads", status=301))
        server.route("/2024/roads", respond(200, PAGE))
        settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"{server.host}:{server.port}"]
        page.goto(f"{base}/review/articles/new/")
        page.get_by_label("Fetch it from its web address").check()
        page.get_by_label("Web address", exact=True).fill(server.url("/roads"))
        page.get_by_role("button", name="Add the article").click()
        page.wait_for_load_state()
        assert page.locator("#preview-format").inner_text() == "HTML"
        assert page.locator("#preview-final-url").inner_text() == server.url("/2024/roads")
        assert page.locator("tr.preview-claim").count() == 2
        assert not Article.objects.exists()
        check_page(page, "fetch-01-preview")
        mobile = keep_local(new_page(MOBILE), offsite)
        log_in(mobile, base, "e2e-fetcher", PASSWORD)
        mobile.goto(f"{base}/review/articles/new/")
        mobile.get_by_label("Fetch it from its web address").check()
        mobile.get_by_label("Web address", exact=True).fill(server.url("/roads"))
        mobile.get_by_role("button", name="Add the article").click()
        mobile.wait_for_load_state()
        check_page(mobile, "fetch-01-preview-mobile")
        page.get_by_role("button", name="Ingest").click()
        page.wait_for_load_state()
        assert len(server.requests_to("/2024/roads")) == 2  # one per preview, none to store
    article = Article.objects.get()
    assert page.url.endswith(f"/review/articles/{article.pk}/")
    assert article.url == server.url("/roads") and article.claims.count() == 2
    check_page(page, "fetch-02-article")
    assert page.problems == [] and mobile.problems == [] and offsite == []


def test_an_editor_withdraws_a_mistaken_ingest(live_server, new_page, monkeypatch, settings):
    from claims.services import article_ingest
    from factcheck.lib.roles import EDITOR

    monkeypatch.setattr("claims.nlp.score_sentences", _scores)
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.5
    roles_sync()
    role_assign(UserFactory(username="e2e-withdrawer"), EDITOR)
    article = article_ingest(title="Pasted twice", html=PAGE).article
    base = live_server.url
    offsite: list[str] = []
    page = keep_local(new_page(DESKTOP), offsite)
    log_in(page, base, "e2e-withdrawer", PASSWORD)
    page.goto(f"{base}/review/articles/{article.pk}/")
    page.get_by_role("link", name="withdraw (ingested by mistake)").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Claims removed (2)").is_visible()
    check_page(page, "paste-04-withdraw")
    page.get_by_label("Why (optional, kept in the audit log)").fill("Pasted twice.")
    page.get_by_role("button", name="Withdraw the article").click()
    page.wait_for_load_state()
    assert page.get_by_text("“Pasted twice” was withdrawn: 2 claims removed.").is_visible()
    check_page(page, "paste-05-withdrawn")
    article.refresh_from_db()
    assert article.ingest_state == Article.IngestState.WITHDRAWN
    assert not Claim.objects.exists()
    assert page.problems == [] and offsite == []
