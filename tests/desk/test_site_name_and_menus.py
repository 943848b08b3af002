"""What a new reviewer, editor or admin meets first: the site's name (never the host) in
every title, header and the admin; the staff menu with link health and the rating scales;
messages that link to what they announce (a registered source, a published claim's public
page); labelled date inputs; no internal scale name on the public pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from claims import services
from claims.hooks import public_url
from factcheck.lib.versions import NO_VERSION_CHECK
from sources.models import Source
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    published_claim,
    rating_level,
)

pytestmark = pytest.mark.django_db
HOST = "127.0.0.1:8201"
SITE = "Harbour Fact Desk"


@pytest.fixture(autouse=True)
def _site_name(settings):
    settings.FACTCHECK_SITE_NAME = SITE


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/accounts/password-reset/", "/accounts/password-reset/sent/", "/"],
)
def test_account_and_public_pages_are_titled_with_the_site_name_not_the_host(client, path):
    html = client.get(path, HTTP_HOST=HOST).content.decode()
    assert SITE in _title(html)
    assert HOST not in _title(html)
    assert f'class="brand" href="/">{SITE}</a>' in html


def test_the_admin_is_titled_with_the_site_name(client_for):
    html = client_for("admin").get("/admin/", HTTP_HOST=HOST).content.decode()
    assert f"{SITE} admin" in _title(html)
    assert f"{SITE} administration" in html
    assert "Django administration" not in html


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("reviewer", ["Review", "Queue", "Link health", "Sources", "Dashboard"], ["Team"]),
        ("editor", ["Changed since checked", "Link health"], ["Rating scales", "Admin"]),
        ("admin", ["Link health", "Team", "Rating scales", "Admin"], []),
    ],
)
def test_the_staff_menu_links_link_health_and_for_admins_the_rating_scales(
    client_for, persona, shown, hidden
):
    html = client_for(persona).get("/review/").content.decode()
    staff = re.search(r'<nav class="nav staff-nav" aria-label="Staff">(.*?)</nav>', html, re.S)
    links = re.findall(r'<a href="[^"]+">([^<]+)</a>', staff.group(1))
    assert set(shown) <= set(links)
    assert not set(hidden) & set(links)
    if "Rating scales" in links:
        assert f'<a href="{reverse("desk:scales")}">Rating scales</a>' in staff.group(1)
    assert f'<a href="{reverse("sources:link_list")}">Link health</a>' in staff.group(1)


def test_readers_see_no_staff_menu(client):
    assert 'aria-label="Staff"' not in client.get("/").content.decode()


def test_the_domain_registered_message_links_to_the_new_source(client_for):
    LinkFactory(url="https://news.example.org/1", host="news.example.org")
    client = client_for("admin")
    page = client.post(
        reverse("sources:register_domain"),
        {"domain": "example.org", "name": "Example <News>", "kind": "news"},
        follow=True,
    )
    source = Source.objects.get(name="Example <News>")
    url = reverse("sources:detail", kwargs={"pk": source.pk})
    assert (
        f'Source <a href="{url}">Example &lt;News&gt;</a> registered for example.org'
        in page.content.decode()
    )


def test_both_date_inputs_of_the_link_list_have_a_name(client_for):
    html = client_for("reviewer").get(reverse("sources:link_list")).content.decode()
    assert 'aria-label="Last checked: from"' in html
    assert 'aria-label="Last checked: to"' in html


def test_approved_and_published_links_to_the_public_page(reviewer, client_for):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
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
    claim.refresh_from_db()
    editor = client_for("editor")
    page = editor.post(
        reverse("claims:claim_publish", kwargs={"pk": claim.pk}),
        {"version": claim.version},
        follow=True,
    )
    assert page.status_code == 200
    html = page.content.decode()
    public = re.search(r'Approved and published. <a href="([^"]+)">See the public page</a>', html)
    assert public, html
    assert editor.get(public.group(1)).status_code == 200
    # The history's entry links there too.
    assert (
        f'approved and published the verdict: <a href="{public.group(1)}">the public page</a>'
        in html
    )


def test_the_public_claim_page_does_not_name_the_internal_rating_scale(client):
    claim = published_claim()
    assert claim.rating.scale.name == "Default scale"
    page = client.get(public_url(claim)).content.decode()
    assert claim.rating.label in page
    assert "Default scale" not in page
