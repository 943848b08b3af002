"""Uploaded files and fetched addresses get the paste's preview: nothing is stored until
"Ingest", and "Ingest" stores exactly what was previewed (the bytes travel signed; a page
is never fetched twice).

Every server here is a local one on 127.0.0.1 started by the test; nothing leaves the machine.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from claims.models import Article, ArticleSentence, CitedLink, Claim, IngestJob
from claims.services.preview import CARRIED_MAX_AGE, CarriedBody, carried_sign
from tests.sources.httpserver import LocalHTTPServer, redirect, respond

pytestmark = pytest.mark.django_db

INGEST = reverse("claims:article_ingest")
DATA = Path(__file__).resolve().parent / "data"
PAGE = (DATA / "city-budget.html").read_text(encoding="utf-8")
MARKDOWN = (
    "# Roads\n\nThe city spent [4 million](https://example.org/r) on roads.\n\nNobody cared.\n"
)


def _nothing_stored() -> None:
    assert not Article.objects.exists()
    assert not ArticleSentence.objects.exists()
    assert not Claim.objects.exists()
    assert not CitedLink.objects.exists()
    assert not IngestJob.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="claims.").exists()


def _hidden_fields(page: str, button: str) -> dict[str, str]:
    """The hidden inputs of the form holding ``button`` (as a browser would send them)."""
    for form in re.findall(r"<form\b.*?</form>", page, re.S):
        if f">{button}</button>" in form:
            return {
                name: html.unescape(value)
                for name, value in re.findall(
                    r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form
                )
            }
    raise AssertionError(f"no form with the button {button!r}")


def _upload(client, name: str, content: bytes, **extra):
    return client.post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile(name, content), **extra}
    )


@pytest.fixture
def server():
    with LocalHTTPServer() as local:
        yield local


@pytest.fixture
def allow(settings):
    """Allow-list one loopback server for the fetcher's private-address guard."""

    def allow_server(local: LocalHTTPServer) -> None:
        settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"{local.host}:{local.port}"]

    return allow_server


# ------------------------------------------------------------------------------ uploads


def test_an_uploaded_file_is_previewed_and_nothing_is_stored(client_for, keyword_scorer):
    response = _upload(client_for("reviewer"), "story.md", MARKDOWN.encode())
    assert response.status_code == 200
    assert response.templates[0].name == "claims/article_ingest_preview.html"
    preview = response.context["preview"]
    assert preview.text_format == "markdown" and preview.format_origin == "name"
    assert preview.title == "# Roads"
    assert [s.claim_text for s in preview.sentences if s.is_claim] == [
        "The city spent [4 million](https://example.org/r) on roads."
    ]
    assert [link.url for link in preview.links] == ["https://example.org/r"]
    page = response.content.decode()
    assert 'id="preview-format">Markdown<' in page and "(from the file's name)" in page
    assert "From the file story.md" in page
    carried = _hidden_fields(page, "Ingest")
    assert carried["mode"] == "upload" and carried["confirm"] == "on" and carried["payload"]
    assert "text" not in carried
    _nothing_stored()


def test_ingest_stores_exactly_the_uploaded_bytes(client_for, keyword_scorer):
    client = client_for("reviewer")
    content = "Il a coûté 4 euros, très cher.\n\nPersonne n'a rien dit.".encode("cp1252")
    preview = _upload(client, "story.txt", content, title="Cher", author="A. Uteur")
    page = preview.content.decode()
    assert "it is read as <strong>Windows-1252</strong> (detected)" in page
    shown = preview.context["preview"]
    carried = _hidden_fields(page, "Ingest")
    assert carried["title"] == "Cher" and carried["author"] == "A. Uteur"
    _nothing_stored()
    response = client.post(INGEST, carried)  # no file: the signed bytes only
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:article_detail", kwargs={"pk": article.pk})
    assert article.text == "Il a coûté 4 euros, très cher.\n\nPersonne n'a rien dit."
    assert article.title == "Cher" and article.author == "A. Uteur"
    assert article.source_format == "text"
    assert [c.text for c in article.claims.order_by("start")] == [
        s.claim_text for s in shown.sentences if s.is_claim
    ]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("read as Windows-1252 (detected)" in m for m in messages), messages


def test_an_html_file_round_trips_with_its_raw_html(client_for, keyword_scorer):
    client = client_for("reviewer")
    content = PAGE.encode()
    preview = _upload(client, "page.html", content, url="https://news.example.org/roads")
    assert preview.context["preview"].text_format == "html"
    assert len(preview.context["preview"].links) == 2
    client.post(INGEST, _hidden_fields(preview.content.decode(), "Ingest"))
    article = Article.objects.get()
    assert article.raw_html == PAGE and article.source_format == "html"
    assert "FOOTER-TEXT" not in article.text
    assert article.cited_links.count() == 2


def test_the_format_of_an_uploaded_file_can_be_switched(client_for, keyword_scorer):
    client = client_for("reviewer")
    first = _upload(client, "notes.txt", MARKDOWN.encode())
    shown = first.context["preview"]
    assert shown.text_format == "text" and shown.detected_format == "markdown"
    assert shown.links == []
    page = first.content.decode()
    assert "(from the file's name; the content looks like Markdown)" in page
    again = client.post(
        INGEST, {**_hidden_fields(page, "Preview again"), "text_format": "markdown"}
    )
    assert again.status_code == 200
    switched = again.context["preview"]
    assert switched.text_format == "markdown" and switched.format_origin == "chosen"
    assert [link.url for link in switched.links] == ["https://example.org/r"]
    _nothing_stored()
    carried = _hidden_fields(again.content.decode(), "Ingest")
    assert carried["text_format"] == "markdown"
    client.post(INGEST, carried)
    article = Article.objects.get()
    assert article.source_format == "markdown"
    assert list(article.cited_links.values_list("link__url", flat=True)) == [
        "https://example.org/r"
    ]


def test_an_altered_payload_is_refused_and_nothing_is_stored(client_for, keyword_scorer):
    client = client_for("reviewer")
    preview = _upload(client, "story.txt", b"It cost 4 dollars. Nobody cared.")
    carried = _hidden_fields(preview.content.decode(), "Ingest")
    # Another body under the same signature (a character of the signed value changed).
    value, _, signature = carried["payload"].rpartition(":")
    swapped = value[:-2] + ("AA" if value[-2:] != "AA" else "BB")
    for payload in (f"{swapped}:{signature}", "", "not a payload"):
        response = client.post(INGEST, {**carried, "payload": payload})
        assert response.status_code == 200
        assert response.templates[0].name == "claims/article_ingest.html"
        errors = " ".join(response.context["form"].errors["file"])
        if payload:
            assert "was altered on its way back and was refused: upload the file again" in errors
        else:
            assert "Choose a file to upload." in errors
    _nothing_stored()


def test_an_upload_payload_is_refused_as_a_fetched_page(client_for, settings, keyword_scorer):
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["127.0.0.1:8303"]
    client = client_for("reviewer")
    preview = _upload(client, "story.txt", b"It cost 4 dollars.")
    carried = _hidden_fields(preview.content.decode(), "Ingest")
    response = client.post(INGEST, {**carried, "mode": "fetch", "url": "http://127.0.0.1:8303/a"})
    assert "was altered on its way back" in response.context["form"].errors["url"][0]
    _nothing_stored()


def test_an_expired_payload_is_refused_and_nothing_is_stored(
    client_for, keyword_scorer, monkeypatch
):
    client = client_for("reviewer")
    now = time.time()
    with monkeypatch.context() as patched:
        # Signed as the preview signs it, a second longer ago than it is kept.
        patched.setattr("django.core.signing.time.time", lambda: now - CARRIED_MAX_AGE - 1)
        payload = carried_sign(
            CarriedBody(kind="upload", body=b"It cost 4 dollars.", filename="old.txt")
        )
    response = client.post(INGEST, {"mode": "upload", "payload": payload, "confirm": "on"})
    [error] = response.context["form"].errors["file"]
    assert "has expired: upload the file again. Nothing was stored." in error
    _nothing_stored()
    # The same payload, fresh, is accepted: the age is what was refused.
    fresh = carried_sign(CarriedBody(kind="upload", body=b"It cost 4 dollars.", filename="a.txt"))
    client.post(INGEST, {"mode": "upload", "payload": fresh, "confirm": "on"})
    assert Article.objects.get().text == "It cost 4 dollars."


@pytest.mark.parametrize(
    ("content", "limit", "message"),
    [
        (
            "Le conseil a dépensé 4 millions.\nLes élèves ".encode() + b"\xff\xfeont re\xc3",
            None,
            "not valid UTF-8: the first invalid byte sequence is at byte",
        ),
        (b"x" * 51, 50, "The file is 51 bytes; the limit is 50 bytes."),
    ],
)
def test_bad_files_get_the_same_errors_before_the_preview(
    content, limit, message, client_for, settings
):
    if limit:
        settings.FACTCHECK_INGEST_MAX_BYTES = limit
    response = _upload(client_for("reviewer"), "a.txt", content)
    assert response.templates[0].name == "claims/article_ingest.html"
    assert message in " ".join(response.context["form"].errors["file"])
    _nothing_stored()


def test_an_upload_confirmed_at_once_is_still_ingested(client_for, keyword_scorer):
    response = _upload(client_for("reviewer"), "a.txt", b"It cost 4 dollars.", confirm="on")
    assert response.status_code == 302 and Article.objects.count() == 1


# ------------------------------------------------------------------- fetched addresses


def test_a_fetched_page_is_previewed_then_stored_without_a_second_fetch(
    server, allow, client_for, keyword_scorer
):
    server.route("/old", redirect("/2023/roads", status=301))
    server.route("/2023/roads", respond(200, PAGE))
    allow(server)
    client = client_for("reviewer")
    preview = client.post(INGEST, {"mode": "fetch", "url": server.url("/old")})
    assert preview.status_code == 200, preview.context["form"].errors
    shown = preview.context["preview"]
    assert shown.text_format == "html" and shown.format_origin == "content type"
    assert shown.title.startswith("City spent 4.2 million dollars on roads")
    assert shown.claims >= 2
    assert {link.url for link in shown.links} == {
        "https://example.org/reports/roads-2023.pdf",
        server.url("/stats/unemployment"),
    }
    page = preview.content.decode()
    assert f'<span id="preview-final-url">{server.url("/2023/roads")}</span>' in page
    assert "FOOTER-TEXT" not in shown.excerpt
    assert len(server.requests_to("/2023/roads")) == 1
    _nothing_stored()

    response = client.post(INGEST, _hidden_fields(page, "Ingest"))
    article = Article.objects.get()
    assert response["Location"] == reverse("claims:article_detail", kwargs={"pk": article.pk})
    assert article.url == server.url("/old")  # the address asked for, as the job keeps it
    assert article.raw_html == PAGE and article.source_format == "html"
    assert [c.text for c in article.claims.order_by("start")] == [
        s.claim_text for s in shown.sentences if s.is_claim
    ]
    assert len(server.requests_to("/2023/roads")) == 1  # not fetched again
    assert not IngestJob.objects.exists()


def test_a_fetched_text_document_can_be_read_as_markdown(server, allow, client_for, keyword_scorer):
    body = MARKDOWN.encode("latin-1")
    server.route("/note.txt", respond(200, body, content_type="text/plain; charset=iso-8859-1"))
    allow(server)
    client = client_for("reviewer")
    first = client.post(INGEST, {"mode": "fetch", "url": server.url("/note.txt")})
    assert first.context["preview"].text_format == "text"
    assert "(as the site declared it; the content looks like Markdown)" in first.content.decode()
    again = client.post(
        INGEST,
        {**_hidden_fields(first.content.decode(), "Preview again"), "text_format": "markdown"},
    )
    assert len(again.context["preview"].links) == 1
    client.post(INGEST, _hidden_fields(again.content.decode(), "Ingest"))
    assert Article.objects.get().source_format == "markdown"
    assert len(server.requests_to("/note.txt")) == 1


def test_a_private_address_is_refused_with_a_form_error(server, client_for):
    # Nothing allow-listed: the guard refuses the loopback address before any request.
    server.route("/secret", respond(200, PAGE))
    response = client_for("reviewer").post(INGEST, {"mode": "fetch", "url": server.url("/secret")})
    assert response.templates[0].name == "claims/article_ingest.html"
    assert "never fetched" in " ".join(response.context["form"].errors["url"])
    assert server.requests == []
    _nothing_stored()


def test_a_redirect_to_a_private_address_is_refused_as_the_job_refuses_it(
    server, allow, client_for
):
    server.route("/away", redirect("http://10.0.0.1/admin"))
    allow(server)
    response = client_for("reviewer").post(INGEST, {"mode": "fetch", "url": server.url("/away")})
    [error] = response.context["form"].errors["url"]
    assert "refused http://10.0.0.1/admin" in error
    assert "private or local networks are never fetched" in error
    _nothing_stored()


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (respond(200, b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png"), "image/png"),
        (respond(200, "<p>" + "word " * 1000 + "</p>"), "larger than the 1000 bytes limit"),
        (respond(404, "<p>Gone</p>"), "Could not fetch"),
    ],
)
def test_a_failed_fetch_gets_the_jobs_message(route, message, server, allow, client_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 1000
    server.route("/doc", route)
    allow(server)
    response = client_for("reviewer").post(INGEST, {"mode": "fetch", "url": server.url("/doc")})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["url"])
    _nothing_stored()


def test_a_large_page_is_previewed_in_part_and_queued_as_fetched(
    server, allow, client_for, keyword_scorer, settings, monkeypatch
):
    monkeypatch.setattr("claims.tasks.article_fetch_and_ingest.apply_async", lambda **kw: None)
    settings.FACTCHECK_INGEST_INLINE_MAX_BYTES = 2000
    body = (
        "<html><body>"
        + "".join(f"<p>Claim {n} cost {n} dollars. Nobody cared.</p>\n" for n in range(200))
        + "</body></html>"
    )
    server.route("/big", respond(200, body))
    allow(server)
    client = client_for("reviewer")
    preview = client.post(INGEST, {"mode": "fetch", "url": server.url("/big")})
    shown = preview.context["preview"]
    assert shown.partial and shown.previewed_bytes <= 2000 < shown.total_bytes
    assert "The whole text is ingested in the background" in preview.content.decode()
    _nothing_stored()
    response = client.post(INGEST, _hidden_fields(preview.content.decode(), "Ingest"))
    job = IngestJob.objects.get()
    assert response["Location"] == reverse("claims:ingest_job", kwargs={"pk": job.pk})
    assert job.text == body and job.text_format == "html"
    assert job.url == server.url("/big")
    assert len(server.requests_to("/big")) == 1


def test_a_fetch_confirmed_at_once_still_queues_the_job(
    client_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "claims.tasks.article_fetch_and_ingest.apply_async",
        lambda **kw: queued.append(kw["args"][0]),
    )
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["127.0.0.1:8303"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("reviewer").post(
            INGEST, {"mode": "fetch", "url": "http://127.0.0.1:8303/a", "confirm": "on"}
        )
    job = IngestJob.objects.get()
    assert response["Location"] == reverse("claims:ingest_job", kwargs={"pk": job.pk})
    assert queued == [job.pk]
