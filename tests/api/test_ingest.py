"""POST /api/v1/articles/: an article from its text (201, or 200 when that text was
already ingested), a large text or a web address by a background job (202 with the job's
status URL), with the ingest page's limits and the fetcher's guard."""

from __future__ import annotations

import pytest

from claims.models import Article, IngestJob

pytestmark = pytest.mark.django_db
URL = "/api/v1/articles/"
TEXT = (
    "The council spent 4.2 million dollars on roads in 2023, twice the year before.\n\n"
    "The mayor said the accounts were audited by three independent firms."
)


def test_an_article_by_text_is_created_with_its_claims(api_for):
    client = api_for("reviewer")
    response = client.post(
        URL, {"text": TEXT, "title": "Roads", "author": "A. Reporter"}, format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    article = Article.objects.get()
    assert data["id"] == article.pk and data["title"] == "Roads"
    assert data["text"] == article.text and article.ingested_by.username == "persona-reviewer"
    assert response["Location"] == f"http://testserver/api/v1/articles/{article.pk}/"
    claims = client.get(data["claims"]).json()["results"]
    assert len(claims) == data["claim_count"]
    # The same text again: that article, not a new one.
    again = client.post(URL, {"text": TEXT}, format="json")
    assert again.status_code == 200 and again.json()["id"] == article.pk
    assert Article.objects.count() == 1


def test_a_private_network_address_is_a_clear_400_on_the_url_field(api_for):
    response = api_for("editor").post(URL, {"url": "http://10.0.0.7/story"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert [e["field"] for e in body["errors"]] == ["url"]
    assert body["errors"][0]["pointer"] == "#/url"
    assert "private" in body["errors"][0]["detail"].lower()
    assert not IngestJob.objects.exists() and not Article.objects.exists()


def test_an_article_by_address_is_fetched_by_a_job_202_with_its_status_url(api_for):
    client = api_for("reviewer")
    response = client.post(
        URL, {"url": "https://news.example.org/roads", "title": "Roads"}, format="json"
    )
    assert response.status_code == 202
    job = IngestJob.objects.get()
    body = response.json()
    assert body["state"] == "queued" and body["url"] == "https://news.example.org/roads"
    status_url = f"http://testserver/api/v1/ingest-jobs/{job.pk}/"
    assert body["status_url"] == status_url and response["Location"] == status_url
    # A plain str: WSGI servers (runserver's wsgiref) refuse a header value of a subclass.
    assert type(response["Location"]) is str
    assert client.get(status_url).json()["state"] == "queued"


def test_a_large_text_is_ingested_by_a_job(api_for, settings):
    settings.FACTCHECK_INGEST_INLINE_MAX_BYTES = 50
    response = api_for("reviewer").post(URL, {"text": TEXT}, format="json")
    assert response.status_code == 202
    job = IngestJob.objects.get()
    assert job.text == TEXT and job.state == "queued"
    assert not Article.objects.exists()


def test_a_text_over_the_limit_is_refused_on_the_text_field(api_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 100
    response = api_for("reviewer").post(URL, {"text": "x" * 101}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "text" and "limit" in body["errors"][0]["detail"]
    assert not Article.objects.exists() and not IngestJob.objects.exists()


def test_a_request_larger_than_django_reads_is_413(api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_for("reviewer").post(URL, {"text": "y" * 2000}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_neither_text_nor_address_is_a_400(api_for):
    response = api_for("reviewer").post(URL, {"title": "Only a title"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "text"


def test_an_empty_text_is_refused(api_for):
    response = api_for("reviewer").post(URL, {"text": "   \n  "}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "text"


def test_an_unknown_format_is_refused(api_for):
    response = api_for("reviewer").post(URL, {"text": TEXT, "text_format": "pdf"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "text_format"


def test_ingesting_needs_the_ingest_permission(api_for):
    assert api_for("anonymous").post(URL, {"text": TEXT}, format="json").status_code == 401
    assert api_for("reader").post(URL, {"text": TEXT}, format="json").status_code == 403
    assert not Article.objects.exists()


def test_the_sites_own_javascript_needs_the_csrf_token(reviewer):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = client.post(URL, {"text": TEXT}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Article.objects.exists()


# ------------------------------------------------------------------- an article as a file


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_an_article_as_a_markdown_file_is_read_as_the_ingest_page_reads_it(api_for):
    content = b"# Roads\n\n" + TEXT.encode() + b" ([the accounts](https://example.org/a))"
    response = api_for("reviewer").post(
        URL, {"file": _file("roads.md", content), "author": "A. Reporter"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    article = Article.objects.get()
    assert article.source_format == "markdown"
    assert article.author == "A. Reporter"
    assert article.cited_links.count() == 1 and article.claims.exists()


def test_a_file_in_another_encoding_is_decoded(api_for):
    text = "Le conseil a dépensé 4 millions d'euros pour les routes en 2023."
    response = api_for("reviewer").post(
        URL, {"file": _file("routes.txt", text.encode("cp1252"))}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert Article.objects.get().text.startswith("Le conseil a dépensé")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"file": ("story.exe", b"MZ\x90\x00 binary")}, "file"),
        ({"file": ("empty.txt", b"")}, "file"),
        ({"file": ("story.txt", TEXT.encode()), "text": TEXT}, "file"),
    ],
)
def test_bad_files_are_a_clear_400_and_store_nothing(api_for, fields, field):
    data = {k: _file(*v) if isinstance(v, tuple) else v for k, v in fields.items()}
    response = api_for("reviewer").post(URL, data, format="multipart")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Article.objects.exists() and not IngestJob.objects.exists()


def test_a_file_over_the_limit_is_refused(api_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 1000
    response = api_for("reviewer").post(
        URL, {"file": _file("big.txt", b"It cost 4 dollars. " * 100)}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "file"
    assert not Article.objects.exists() and not IngestJob.objects.exists()
