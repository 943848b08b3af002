"""Reviewer, desk, admin and account pages are never stored; reader pages keep their public
caching (factcheck.lib.middleware)."""

import pytest
from django.urls import reverse

from tests.factories import published_claim

pytestmark = pytest.mark.django_db


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize(
    "url",
    [
        "/review/",
        "/review/claims/",
        "/review/links/",
        "/review/sources/",
        "/review/dashboard/",
        "/review/team/",
        "/admin/",
    ],
)
def test_staff_pages_are_private_and_never_stored(client_for, url):
    response = client_for("admin")
    response = response.get(url)
    assert response.status_code == 200, url
    assert _cache_control(response) == {"private", "no-store"}
    assert "Expires" not in response


def test_a_reviewer_article_page_and_a_redirect_to_log_in_are_not_stored(client, client_for):
    claim = published_claim()
    page = client_for("editor").get(
        reverse("claims:article_detail", kwargs={"pk": claim.article_id})
    )
    assert page.status_code == 200
    assert _cache_control(page) == {"private", "no-store"}
    anonymous = client.get("/review/")
    assert anonymous.status_code == 302
    assert _cache_control(anonymous) == {"private", "no-store"}


def test_the_login_page_is_not_stored(client):
    response = client.get(reverse("login"))
    assert "no-store" in _cache_control(response)


def test_reader_pages_keep_their_public_caching_headers(client):
    claim = published_claim()
    for url in (
        "/",
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
        reverse("reader:corrections"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = _cache_control(response)
        assert "public" in directives, url
        assert "no-store" not in directives and "private" not in directives, url
