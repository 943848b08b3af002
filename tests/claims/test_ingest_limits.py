"""Issue 14: every bad or huge input to the ingest form (and the other forms taking a web
address) gets a clear answer: the form with its message, never a bare 400 nor a 500."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from claims import services
from claims.models import Article, Evidence, IngestJob
from factcheck.settings import base as base_settings
from sources.fetching import MAX_URL_LENGTH, InvalidURL, web_address
from sources.models import Source
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

INGEST = reverse("claims:article_ingest")
TEXT = "The city spent 4.2 million on roads in 2023. The mayor said the figure was checked."

# Addresses that are no usable web address, whatever they are for.
ODD_URLS = [
    "http://2130706433:8303/",  # decimal IPv4
    "http://0x7f.0.0.1:8303/",  # hex
    "http://0177.0.0.1/",  # octal
    "http://127.1/",  # short form
    "http://0x7f000001/",
    "http://1.2.3.4./",  # trailing dot
    "http://999.1.1.1/",  # not an address at all
    "http://example.org@127.0.0.1/",  # userinfo tricks
    "http://user:secret@example.org/",
    "https://" + "a" * (MAX_URL_LENGTH + 10) + ".org/",  # overlong
    "https://example.org/" + "%" * 700,  # overlong once percent-encoded
    "http://[fe80::1%25eth0]/",  # zone index
    "http://[not-ipv6]/",
    "javascript:alert(1)",
    "http:///no-host",
]
# Well-formed, but never fetched: private, local, reserved (IPv4 and IPv6 literals).
PRIVATE_URLS = [
    "http://127.0.0.1:8303/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8303/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd00::1]/",
    "http://[64:ff9b::7f00:1]/",
]


def _form_errors(response) -> dict:
    return response.context["form"].errors


# --------------------------------------------------------------------------- one limit


def test_djangos_request_limits_derive_from_the_ingest_limit():
    limit = base_settings.FACTCHECK_INGEST_MAX_BYTES
    overhead = base_settings.INGEST_REQUEST_OVERHEAD_BYTES
    assert limit + overhead == base_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit + overhead == base_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert 0 < overhead <= 256 * 1024


def test_the_page_states_the_limit_from_the_setting(client_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 3 * 1024 * 1024
    html = client_for("reviewer").get(INGEST).content.decode()
    assert "at most 3 MB" in html
    assert "5 MB" not in html


def test_pasted_text_over_the_limit_gets_the_forms_message(client_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 100
    response = client_for("reviewer").post(
        INGEST, {"mode": "paste", "text": "é" * 60, "text_format": "text"}
    )
    assert response.status_code == 200
    assert _form_errors(response)["text"] == ["The text is 120 bytes; the limit is 100 bytes."]
    assert not Article.objects.exists()


def test_a_file_at_the_limit_is_accepted(client_for, settings, keyword_scorer):
    data = TEXT.encode()
    settings.FACTCHECK_INGEST_MAX_BYTES = len(data)
    response = client_for("reviewer").post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile("a.txt", data), "confirm": "on"}
    )
    assert response.status_code == 302
    assert Article.objects.get().text == TEXT


@pytest.mark.parametrize("content_type", ["multipart", "urlencoded"])
def test_a_request_over_djangos_limit_gets_the_form_back_not_a_bare_400(
    client_for, settings, content_type
):
    settings.FACTCHECK_INGEST_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    client = client_for("reviewer")
    data = {"mode": "paste", "text": "x" * 5000, "text_format": "text"}
    if content_type == "multipart":
        response = client.post(INGEST, data)
    else:
        from urllib.parse import urlencode

        response = client.post(
            INGEST, urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    html = response.content.decode()
    assert response.status_code == 413
    assert response.templates[0].name == "claims/article_ingest.html"
    assert "What you sent is 5 KB; the limit is 1000 bytes." in html
    assert '<form method="post"' in html
    assert not Article.objects.exists()


def test_an_upload_over_djangos_limit_is_refused_before_it_is_read(client_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = client_for("reviewer").post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile("big.txt", b"x" * 100_000)}
    )
    assert response.status_code == 413
    assert "the limit is 1000 bytes" in response.content.decode()


def test_someone_who_may_not_ingest_gets_a_short_answer(client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client_for("anonymous").post(INGEST, {"mode": "paste", "text": "x" * 500})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_a_broken_multipart_body_gets_the_form_with_a_message(client_for):
    response = client_for("reviewer").post(INGEST, b"garbage", content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The form could not be read" in response.content.decode()


def test_too_many_fields_get_the_form_with_a_message(client_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    data = {f"f{i}": "x" for i in range(10)} | {"mode": "paste", "text": TEXT}
    response = client_for("reviewer").post(INGEST, data)
    assert response.status_code == 400
    assert "The form could not be read" in response.content.decode()


# --------------------------------------------------------------------------- web addresses


@pytest.mark.parametrize("url", ODD_URLS + PRIVATE_URLS)
def test_fetching_an_odd_or_private_address_is_a_form_error(url, client_for, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "claims.tasks.article_fetch_and_ingest.apply_async",
        lambda **kw: queued.append(kw["args"][0]),
    )
    response = client_for("reviewer").post(
        INGEST, {"mode": "fetch", "url": url, "text_format": "text"}
    )
    assert response.status_code == 200
    assert _form_errors(response)["url"]
    assert not IngestJob.objects.exists() and not queued


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://2130706433:8303/", "write an IPv4 address as four decimal numbers (127.0.0.1)"),
        ("http://0x7f.0.0.1:8303/", "write an IPv4 address as four decimal numbers (127.0.0.1)"),
        ("http://example.org@127.0.0.1/", "has a user name or password before its host"),
        ("http://[::1]:8303/", "addresses on private or local networks are never fetched"),
        ("https://" + "a" * 2100 + ".org/", "at most 2000 characters"),
    ],
)
def test_the_url_errors_say_what_is_wrong(url, message, client_for):
    response = client_for("reviewer").post(INGEST, {"mode": "fetch", "url": url})
    assert message in _form_errors(response)["url"][0]


@pytest.mark.parametrize("url", ODD_URLS)
def test_an_odd_address_for_pasted_text_is_a_form_error(url, client_for, keyword_scorer):
    response = client_for("reviewer").post(
        INGEST, {"mode": "paste", "text": TEXT, "url": url, "text_format": "text"}
    )
    assert response.status_code == 200
    assert _form_errors(response)["url"]
    assert not Article.objects.exists()


def test_the_allow_listed_test_server_may_still_be_fetched(client_for, settings, monkeypatch):
    monkeypatch.setattr("claims.tasks.article_fetch_and_ingest.apply_async", lambda **kw: None)
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["127.0.0.1:8303"]
    response = client_for("reviewer").post(
        INGEST, {"mode": "fetch", "url": "http://127.0.0.1:8303/a", "confirm": "on"}
    )
    assert response.status_code == 302
    assert IngestJob.objects.get().url == "http://127.0.0.1:8303/a"


@pytest.mark.parametrize("url", ["http://2130706433:8303/", "http://0x7f.0.0.1:8303/"])
def test_the_job_service_refuses_with_its_own_error(url):
    with pytest.raises(services.ArticleURLError, match="four decimal numbers"):
        services.article_ingest_url(url=url)
    assert not IngestJob.objects.exists()


def test_a_model_refusal_the_form_missed_is_a_form_error_not_a_500(client_for, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"url": "Enter a valid URL."})

    monkeypatch.setattr("claims.services.article_ingest_submit", refuse)
    response = client_for("reviewer").post(
        INGEST, {"mode": "paste", "text": TEXT, "text_format": "text", "confirm": "on"}
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.context["form"].non_field_errors()


@pytest.mark.parametrize("url", ODD_URLS)
def test_an_odd_evidence_address_is_a_form_error(url, client_for):
    claim = ClaimFactory()
    response = client_for("reviewer").post(
        reverse("claims:evidence_add", kwargs={"pk": claim.pk}),
        {"url": url[:2000], "stance": "supports"},
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_the_evidence_error_says_what_is_wrong(client_for):
    response = client_for("reviewer").post(
        reverse("claims:evidence_add", kwargs={"pk": ClaimFactory().pk}),
        {"url": "http://0x7f.0.0.1:8303/", "stance": "supports"},
    )
    assert "four decimal numbers" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "https://user:pw@example.org/", "http://0177.0.0.1/"]
)
def test_an_odd_source_home_page_is_a_form_error(url, client_for):
    response = client_for("admin").post(
        reverse("sources:create"),
        {"name": "Odd", "kind": "news", "rating": "unrated", "home_url": url},
    )
    assert response.status_code == 400
    assert not Source.objects.filter(name="Odd").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.org", "https://example.org/"),
        ("http://93.184.216.34:8080/x", "http://93.184.216.34:8080/x"),
        ("http://[2001:4860:4860::8888]/dns", "http://[2001:4860:4860::8888]/dns"),
        # Full-width letters, folded by IDNA.
        ("https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.org/", "https://example.org/"),
    ],
)
def test_ordinary_addresses_pass_the_check(url, expected):
    assert web_address(url, fetch=True) == expected


@pytest.mark.parametrize("url", ODD_URLS)
def test_the_check_refuses_odd_addresses_even_when_not_fetching(url):
    with pytest.raises(InvalidURL):
        web_address(url)


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_the_check_refuses_private_addresses_only_to_fetch_them(url):
    web_address(url)
    with pytest.raises(InvalidURL, match="never fetched"):
        web_address(url, fetch=True)


# --------------------------------------------------------------------------- encodings


def test_a_file_of_broken_utf8_is_refused_naming_the_byte_offset(client_for):
    data = "Le conseil a dépensé 4 millions.\nLes élèves ".encode() + b"\xff\xfe" + b"ont re\xc3"
    response = client_for("reviewer").post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile("a.txt", data), "confirm": "on"}
    )
    assert response.status_code == 200
    [error] = _form_errors(response)["file"]
    offset = data.index(b"\xff")
    assert f"not valid UTF-8: the first invalid byte sequence is at byte {offset}" in error
    assert "(line 2: ff fe 6f 6e)" in error
    assert not Article.objects.exists()


def test_a_file_with_no_utf8_in_it_is_decoded_and_the_encoding_is_named(client_for, keyword_scorer):
    text = "Le conseil municipal a dépensé 4,2 millions pour les routes en 2023. Très cher."
    response = client_for("reviewer").post(
        INGEST,
        {
            "mode": "upload",
            "file": SimpleUploadedFile("a.txt", text.encode("cp1252")),
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    assert Article.objects.get().text == text
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("read as Windows-1252 (detected)" in m for m in shown), shown


def test_a_utf8_file_says_nothing_about_its_encoding(client_for, keyword_scorer):
    response = client_for("reviewer").post(
        INGEST,
        {
            "mode": "upload",
            "file": SimpleUploadedFile("a.md", ("É " + TEXT).encode()),
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    assert not any("read as" in str(m) for m in get_messages(response.wsgi_request))


def test_an_html_file_declaring_its_charset_is_read_in_it(client_for, keyword_scorer):
    page = (
        '<html><head><meta charset="iso-8859-15"><title>Routes</title></head><body><article>'
        "<p>Le conseil a dépensé 4 millions € pour les routes en 2023, selon le maire.</p>"
        "<p>Les élèves ont reçu des cadeaux pour 12 euros chacun cette année.</p>"
        "</article></body></html>"
    ).encode("iso-8859-15")
    response = client_for("reviewer").post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile("a.html", page), "confirm": "on"}
    )
    assert response.status_code == 302, _form_errors(response)
    assert "4 millions €" in Article.objects.get().text
    assert not any("read as" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("content_type", ["multipart", "urlencoded"])
def test_pasted_bytes_that_are_not_utf8_are_refused_naming_the_byte_offset(
    client_for, content_type
):
    client = client_for("reviewer")
    if content_type == "multipart":
        body = encode_multipart(BOUNDARY, {"mode": "paste", "text": "Déjà vu\nabc@@def"})
        response = client.post(
            INGEST,
            body.replace(b"@@", b"\xff"),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
    else:
        response = client.post(
            INGEST,
            "mode=paste&text_format=text&text=D%C3%A9j%C3%A0+vu%0Aabc%FFdef",
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 200
    [error] = _form_errors(response)["text"]
    assert "not valid UTF-8: the first invalid byte sequence is at byte 13 (line 2;" in error
    assert not Article.objects.exists()


def test_pasted_utf8_is_taken_as_is(client_for, keyword_scorer):
    response = client_for("reviewer").post(
        INGEST, {"mode": "paste", "text": "Déjà " + TEXT, "text_format": "text", "confirm": "on"}
    )
    assert response.status_code == 302
    assert Article.objects.get().text == "Déjà " + TEXT
