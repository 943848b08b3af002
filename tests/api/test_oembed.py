"""oEmbed 1.0 for published fact-checks (GET /api/v1/oembed/): the "rich" answer with a
sandboxed iframe of the verdict card; bad, foreign and unknown addresses; formats."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from reader import cache as reader_cache
from reader.selectors import claim_key, claim_path
from tests.factories import ClaimFactory, published_claim

pytestmark = pytest.mark.django_db

URL = reverse("api:oembed")


def _page(claim) -> str:
    return f"http://testserver{claim_path(claim)}"


def _oembed(client, **query):
    return client.get(URL, query)


def test_a_published_claim_page_gets_a_rich_oembed(api_for, settings):
    claim = published_claim(text="The mayor owns three cars.")
    response = _oembed(api_for("anonymous"), url=_page(claim), format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["type"] == "rich" and data["version"] == "1.0"
    assert data["title"] == "The mayor owns three cars."
    assert data["provider_name"] == settings.FACTCHECK_SITE_NAME
    assert data["provider_url"] == "http://testserver/"
    assert (data["width"], data["height"]) == (560, 300)
    html = data["html"]
    assert html.startswith("<iframe ") and html.endswith("</iframe>")
    card = f"http://testserver{reverse('reader:embed_claim', kwargs={'key': claim_key(claim)})}"
    assert f'src="{card}"' in html
    assert 'width="560"' in html and 'height="300"' in html
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html
    title = unescape(re.search(r'title="([^"]*)"', html).group(1))
    assert title == f"Fact-check by {settings.FACTCHECK_SITE_NAME}: The mayor owns three cars."
    assert "<script" not in html and "style=" not in html
    # The card it names is there, for anyone.
    assert api_for("anonymous").get(card).status_code == 200
    assert "ETag" in response and "public" in response["Cache-Control"]


def test_the_size_stays_within_the_consumers_maximum(api_for):
    claim = published_claim()
    data = _oembed(api_for("anonymous"), url=_page(claim), maxwidth=320, maxheight=200).json()
    assert (data["width"], data["height"]) == (320, 200)
    assert 'width="320"' in data["html"] and 'height="200"' in data["html"]
    bigger = _oembed(api_for("anonymous"), url=_page(claim), maxwidth=4000).json()
    assert bigger["width"] == 560


def test_any_key_of_the_claim_works_and_html_in_the_claim_is_escaped(api_for):
    claim = published_claim(text='He said "<b>no</b>" & left.')
    response = _oembed(api_for("anonymous"), url=f"http://testserver/claims/{claim.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == 'He said "<b>no</b>" & left.'
    assert (
        "<b>" not in data["html"]
        and "&quot;&lt;b&gt;no&lt;/b&gt;&quot; &amp; left." in (data["html"])
    )


def test_an_unpublished_or_unknown_claim_is_not_found(api_for):
    client = api_for("editor")  # the desk too: only published work is embedded
    for url in (
        _page(ClaimFactory()),
        _page(ClaimFactory(status="awaiting_approval")),
        "http://testserver/claims/999999-nothing/",
        "http://testserver/",  # a page of this site, but not a fact-check
        "http://testserver/corrections/",
        "http://testserver/no-such-page/",
    ):
        response = _oembed(client, url=url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example.org/claims/1/",
        "http://testserver.evil.example/claims/1/",
        "ftp://testserver/claims/1/",
        "/claims/1/",
        "not a url",
        "",
    ],
)
def test_an_address_not_of_this_site_is_bad_input(api_for, url):
    published_claim()
    response = _oembed(api_for("anonymous"), url=url)
    assert response.status_code == 400, url
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in body["errors"]] == ["url"]


def test_a_missing_url_or_bad_sizes_are_bad_input(api_for):
    claim = published_claim()
    client = api_for("anonymous")
    missing = client.get(URL)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "url"
    for size in ("0", "-5", "wide"):
        response = _oembed(client, url=_page(claim), maxwidth=size)
        assert response.status_code == 400, size
        assert response.json()["errors"][0]["field"] == "maxwidth"


@pytest.mark.parametrize("fmt", ["xml", "XML"])
def test_xml_is_not_implemented(api_for, fmt):
    claim = published_claim()
    response = _oembed(api_for("anonymous"), url=_page(claim), format=fmt)
    assert response.status_code == 501
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "format_not_implemented"


@pytest.mark.parametrize("fmt", ["yaml", "AAA", ""])
def test_a_format_oembed_does_not_know_is_a_bad_request(api_for, fmt):
    claim = published_claim()
    response = _oembed(api_for("anonymous"), url=_page(claim), format=fmt)
    assert response.status_code == 400
    assert response.json()["code"] == "format_unknown"


def test_a_correction_changes_the_answer(api_for):
    claim = published_claim(text="The mayor owns three cars.")
    client = api_for("anonymous")
    first = _oembed(client, url=_page(claim))
    etag = first["ETag"]
    assert client.get(URL, {"url": _page(claim)}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    verdict = claim.verdicts.get()
    verdict.checked_text = "The mayor owns four cars."
    verdict.save()
    reader_cache.bump(reader_cache.claim_scope(claim.pk))  # what publishing does
    again = _oembed(client, url=_page(claim))
    assert again.json()["title"] == "The mayor owns four cars." and again["ETag"] != etag
