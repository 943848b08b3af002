"""The embeddable verdict card (/embed/claims/<key>/): published claims only, the only page
of the site that other sites may frame, with no inline script or style, cached on the
claim's stamp like its reader page; and the claim page's oEmbed discovery link."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from claims import services
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import claim_key, claim_path
from tests.factories import ArticleFactory, ClaimFactory, published_claim, rating_level
from tests.reader.test_reader_site import TEXT, _claim, _markup, _publish, _submit_correction

pytestmark = pytest.mark.django_db


def _card_url(claim) -> str:
    return reverse("reader:embed_claim", kwargs={"key": claim_key(claim)})


def _directives(csp: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in csp.split(";")
        if part.strip()
    }


def test_the_card_shows_the_claim_rating_summary_site_and_link(client, settings):
    claim = published_claim(rating="false", text="The mayor owns three cars.")
    response = client.get(_card_url(claim))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The mayor owns three cars." in html
    verdict = claim.verdicts.get()
    assert f'class="rating rating-{verdict.rating_id}">{rating_level("false").label}<' in html
    assert verdict.summary in html
    assert settings.FACTCHECK_SITE_NAME in html
    link = re.search(r'<a href="([^"]+)"[^>]*>Read the fact-check</a>', html)
    assert link and link.group(1) == f"http://testserver{claim_path(claim)}"
    assert "/static/css/embed.css" in html and reverse("rating_styles") in html
    assert _markup(html).problems == [] and "<script" not in html


@pytest.mark.parametrize("persona", ["anonymous", "reviewer", "editor"])
def test_an_unpublished_claim_has_no_card_whoever_asks(persona, client_for):
    for claim in (ClaimFactory(), ClaimFactory(status="in_review")):
        response = client_for(persona).get(_card_url(claim))
        assert response.status_code == 404, (persona, claim.status)
    assert client_for(persona).get("/embed/claims/999999-nothing/").status_code == 404
    assert client_for(persona).get("/embed/claims/not-a-key/").status_code == 404


def test_the_card_may_be_framed_by_any_site_and_allows_no_inline_code(client):
    claim = published_claim()
    for served in ("miss", "hit"):  # rendered, then from the cache: the same headers
        response = client.get(_card_url(claim))
        assert response["X-Reader-Cache"] == served
        assert "X-Frame-Options" not in response
        csp = _directives(response["Content-Security-Policy"])
        assert csp["frame-ancestors"] == "*"
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
        assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_allowed_framing_sites_are_a_setting(client):
    claim = published_claim()
    with override_settings(FACTCHECK_EMBED_FRAME_ANCESTORS=["https://news.example.org"]):
        response = client.get(_card_url(claim))
    csp = _directives(response["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "https://news.example.org"


def test_every_other_page_still_refuses_to_be_framed(client):
    claim = published_claim()
    for url in (claim_path(claim), "/", reverse("reader:corrections"), "/no-such-page/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert _directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"
    api = client.get(reverse("api:oembed"), {"url": f"http://testserver{claim_path(claim)}"})
    assert api["X-Frame-Options"] == "DENY"


def test_the_card_is_cached_and_refreshed_with_the_claim_page(
    client, reviewer, editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    article = ArticleFactory(text=TEXT)
    claim = _claim(article, "The mayor owns three cars.")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(claim, reviewer, editor)
    url = _card_url(claim)
    assert client.get(url)["X-Reader-Cache"] == "miss"
    with django_assert_num_queries(0):
        hit = client.get(url)
    assert hit["X-Reader-Cache"] == "hit" and "public" in hit["Cache-Control"]
    assert "The city spent 3.1 million." in hit.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _submit_correction(claim, reviewer)
        assert client.get(url)["X-Reader-Cache"] == "hit"  # a draft changes nothing
        services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    response = client.get(url)
    assert response["X-Reader-Cache"] == "miss"
    html = response.content.decode()
    assert "He owns three cars after all." in html and rating_level("true").label in html


def test_signed_in_users_get_a_private_card(client_for):
    claim = published_claim()
    response = client_for("reviewer").get(_card_url(claim))
    assert response.status_code == 200
    assert "X-Reader-Cache" not in response and "private" in response["Cache-Control"]


def test_the_claim_page_announces_its_oembed(client):
    claim = published_claim(text="The mayor owns three cars.")
    html = client.get(claim_path(claim)).content.decode()
    links = re.findall(r'<link rel="alternate" type="application/json\+oembed"[^>]*>', html)
    assert len(links) == 1
    href = unescape(re.search(r'href="([^"]+)"', links[0]).group(1))
    parts = urlsplit(href)
    assert parts.path == reverse("api:oembed")
    query = parse_qs(parts.query)
    assert query == {"url": [f"http://testserver{claim_path(claim)}"], "format": ["json"]}
    assert client.get(href).json()["type"] == "rich"
    # Other reader pages have no oEmbed (nothing to embed there).
    assert "json+oembed" not in client.get("/").content.decode()
