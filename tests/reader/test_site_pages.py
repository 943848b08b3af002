"""The desk's pages about itself (about, methodology with the live rating scale, corrections
policy): public, cached, edited by admins in the admin (the cache refreshed at once), linked
from every reader page's header and footer and from each fact-check ("How we rate claims");
and the Open Graph / Twitter card metadata of the reader pages."""

from __future__ import annotations

import struct
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from audit.models import AuditEvent
from claims.models import RatingLevel
from factcheck.lib.published import site_changed
from reader import site_pages
from reader.models import SitePage
from reader.selectors import claim_path
from reader.views import OG_IMAGE, OG_IMAGE_SIZE
from tests.factories import ArticleFactory, published_claim, rating_level

pytestmark = pytest.mark.django_db

PAGES = {
    "about": "/about/",
    "methodology": "/methodology/",
    "corrections-policy": "/corrections-policy/",
}
HOSTILE = '<script>alert("x")</script> "quoted" & <b>bold</b>'


class _Meta(HTMLParser):
    """The page's <meta> tags (property or name -> content, unescaped) and every link's
    href with its text."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "meta" and "content" in attrs:
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs["content"]
        elif tag == "a" and "href" in attrs:
            self._href, self._text = attrs["href"], ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._text.split())))
            self._href = None


def _parse(html: str) -> _Meta:
    parser = _Meta()
    parser.feed(html)
    return parser


def _part(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


# ------------------------------------------------------------------------------- pages


def test_the_three_pages_are_public_with_starting_text_marked_as_the_desks_to_edit(client):
    assert set(PAGES) == set(site_pages.SLUGS)
    for slug, url in PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        page = SitePage.objects.get(slug=slug)  # seeded by migration reader.0001
        assert f'<h1 id="page-heading">{page.title}</h1>' in html
        assert "Starting text: the desk&#x27;s to edit." in html or "the desk's to edit" in html
    about = client.get("/about/").content.decode()
    assert "Ownership and funding" in about and "Contact and right of reply" in about
    methodology = client.get("/methodology/").content.decode()
    for heading in ("How claims are chosen", "How evidence is weighed", "The four-eyes rule"):
        assert f"<h2>{heading}</h2>" in methodology
    assert "never edited quietly" in client.get("/corrections-policy/").content.decode()


def test_a_page_whose_row_is_missing_shows_its_starting_text(client):
    SitePage.objects.filter(slug="about").delete()
    response = client.get("/about/")
    assert response.status_code == 200
    assert site_pages.DEFAULTS["about"]["title"] in response.content.decode()


def test_the_methodology_page_shows_the_active_scale_live_where_the_body_says(
    client, django_capture_on_commit_callbacks
):
    rating_level()  # the default scale exists
    levels = list(RatingLevel.objects.filter(scale__is_active=True).order_by("position", "id"))
    html = client.get("/methodology/").content.decode()
    scale = _part(html, 'id="rating-scale"', "</section>")
    positions = [scale.index(f">{level.label}</span>") for level in levels]
    assert positions == sorted(positions)
    for level in levels:
        assert level.definition.replace("'", "&#x27;").replace('"', "&quot;") in scale
    # Where the body's {rating-scale} line is: after "How we rate claims", before four-eyes.
    assert html.index("How we rate claims") < html.index('id="rating-scale"')
    assert html.index('id="rating-scale"') < html.index("The four-eyes rule")
    assert site_pages.RATING_SCALE_MARKER not in html
    # A level's new definition shows at once (the scales' edits call site_changed).
    assert client.get("/methodology/")["X-Reader-Cache"] == "hit"
    level = levels[0]
    with django_capture_on_commit_callbacks(execute=True):
        RatingLevel.objects.filter(pk=level.pk).update(definition="Backed by every record.")
        site_changed(sender=RatingLevel)
    response = client.get("/methodology/")
    assert response["X-Reader-Cache"] == "miss"
    assert "Backed by every record." in response.content.decode()


def test_without_the_marker_the_scale_ends_the_methodology_page(client):
    rating_level()
    SitePage.objects.filter(slug="methodology").update(body="## Our way\n\nWe read.")
    html = client.get("/methodology/").content.decode()
    assert html.index("<h2>Our way</h2>") < html.index('id="rating-scale"')


def test_markdown_is_rendered_and_sanitised(client):
    SitePage.objects.filter(slug="about").update(
        title=HOSTILE,
        body=f"# Who we are\n\n{HOSTILE}\n\n[bad](javascript:alert(1)) [good](https://example.org/)",
    )
    html = client.get("/about/").content.decode()
    assert "<script>" not in html.split("</head>", 1)[1].replace(
        '<script type="application/ld+json">', ""
    )
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<h2>Who we are</h2>" in html  # "#" sits under the page's own title
    assert 'href="javascript:' not in html
    assert '<a href="https://example.org/" rel="noopener noreferrer nofollow">good</a>' in html


# --------------------------------------------------------------------------- editing


def _admin_edit(client, page: SitePage, **fields):
    url = reverse("admin:reader_sitepage_change", args=[page.pk])
    data = {"title": page.title, "body": page.body, "version": page.version} | fields
    return client.post(url, data)


def test_an_admins_edit_changes_the_page_and_every_cached_reader_page_at_once(
    client, client_for, admin_persona, django_capture_on_commit_callbacks
):
    claim = published_claim()
    urls = ["/methodology/", "/about/", claim_path(claim), "/"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Reader-Cache"] == "hit", url
    page = SitePage.objects.get(slug="methodology")
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_edit(
            client_for("admin"), page, title="Our method", body="## Checked twice\n\nAlways."
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    for url in urls:
        assert client.get(url)["X-Reader-Cache"] == "miss", url
    html = client.get("/methodology/").content.decode()
    assert '<h1 id="page-heading">Our method</h1>' in html and "<h2>Checked twice</h2>" in html
    assert 'id="rating-scale"' in html  # the live scale stays, at the end now
    page.refresh_from_db()
    assert page.version == 2
    event = AuditEvent.objects.get(action="reader.site_page.edited")
    assert event.actor.username == "persona-admin" and event.target_id == page.pk
    assert event.changes["title"] == ["How we check claims", "Our method"]


def test_a_stale_edit_is_refused(client_for):
    page = SitePage.objects.get(slug="about")
    admin = client_for("admin")
    assert _admin_edit(admin, page, title="First").status_code == 302
    response = _admin_edit(admin, page, title="Second")  # from version 1 again
    assert response.status_code == 200 and "Someone changed this" in response.content.decode()
    assert SitePage.objects.get(slug="about").title == "First"


@pytest.mark.parametrize("persona", ["anonymous", "reader", "reviewer", "editor"])
def test_only_admins_edit_the_pages(persona, client_for):
    page = SitePage.objects.get(slug="about")
    response = _admin_edit(client_for(persona), page, title="Taken over")
    assert response.status_code == 302 and "login" in response["Location"]
    assert SitePage.objects.get(slug="about").title != "Taken over"


def test_admins_edit_but_never_add_or_delete_pages(client_for):
    admin = client_for("admin")
    page = SitePage.objects.get(slug="about")
    assert admin.get(reverse("admin:reader_sitepage_changelist")).status_code == 200
    assert admin.get(reverse("admin:reader_sitepage_add")).status_code == 403
    assert admin.get(reverse("admin:reader_sitepage_delete", args=[page.pk])).status_code == 403
    # Signed in, the page offers its edit link (anonymous readers' cached copy never does).
    html = admin.get("/about/").content.decode()
    assert reverse("admin:reader_sitepage_change", args=[page.pk]) in html
    assert "Edit this page" not in client_for("anonymous").get("/about/").content.decode()
    assert "Edit this page" not in client_for("editor").get("/about/").content.decode()


# ----------------------------------------------------------------------------- links


def test_the_sitemap_lists_the_pages(client):
    xml = client.get(reverse("reader:sitemap")).content.decode()
    for url in PAGES.values():
        assert f"<loc>http://testserver{url}</loc>" in xml


def test_every_reader_page_links_the_pages_in_its_header_and_footer(client):
    claim = published_claim()
    urls = [
        "/",
        claim_path(claim),
        reverse("reader:article_detail", kwargs={"key": claim.article.slug}),
        reverse("reader:corrections"),
        *PAGES.values(),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        header = _parse(_part(html, '<header class="site-header">', "</header>")).links
        footer = _parse(_part(html, '<footer class="site-footer">', "</footer>")).links
        assert ("/methodology/", "Methodology") in header and ("/about/", "About") in header, url
        for link in [
            ("/about/", "About us"),
            ("/methodology/", "How we check claims"),
            ("/corrections-policy/", "Corrections policy"),
        ]:
            assert link in footer, (url, link)


def test_each_fact_check_links_how_we_rate_claims_to_the_rating_scale(client):
    claim = published_claim()
    links = _parse(client.get(claim_path(claim)).content.decode()).links
    assert ("/methodology/#rating-scale", "How we rate claims") in links
    assert "rating-scale" in _parse(client.get("/methodology/").content.decode()).ids


# ------------------------------------------------------------------ Open Graph, Twitter


def _image_checks(meta: dict[str, str]) -> None:
    assert meta["og:image"] == f"http://testserver{settings.STATIC_URL}{OG_IMAGE}"
    assert meta["twitter:image"] == meta["og:image"]
    assert meta["og:image:type"] == "image/png"
    assert (meta["og:image:width"], meta["og:image:height"]) == tuple(map(str, OG_IMAGE_SIZE))
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:site_name"] == settings.FACTCHECK_SITE_NAME


def test_a_fact_check_carries_open_graph_and_twitter_card_metadata_escaped(client):
    article = ArticleFactory(text=f"Before. {HOSTILE} After.")
    start = article.text.index(HOSTILE)
    claim = published_claim(article=article, start=start, end=start + len(HOSTILE))
    claim.verdicts.update(summary=f"Summary {HOSTILE}")
    html = client.get(claim_path(claim)).content.decode()
    head = html.split("</head>", 1)[0]
    assert "<script>alert" not in head and "<b>bold</b>" not in head
    meta = _parse(html).meta
    assert meta["og:title"] == f"“{HOSTILE}”" == meta["twitter:title"]
    level = claim.verdicts.get().rating
    assert (
        meta["og:description"] == f"Our rating: {level.label}. Summary {' '.join(HOSTILE.split())}"
    )
    assert meta["og:type"] == "article"
    assert meta["og:url"] == f"http://testserver{claim_path(claim)}"
    _image_checks(meta)


def test_articles_the_home_page_and_the_desks_pages_carry_the_metadata_too(client):
    claim = published_claim()
    article = claim.article
    meta = _parse(
        client.get(reverse("reader:article_detail", kwargs={"key": article.slug})).content.decode()
    ).meta
    assert meta["og:title"] == article.title and meta["og:type"] == "article"
    assert meta["og:url"] == f"http://testserver/articles/{article.slug}/"
    assert meta["og:description"].startswith("1 claim in this article fact-checked")
    _image_checks(meta)
    home = _parse(client.get("/").content.decode()).meta
    assert home["og:type"] == "website" and home["og:url"] == "http://testserver/"
    _image_checks(home)
    about = _parse(client.get("/about/").content.decode()).meta
    assert about["og:url"] == "http://testserver/about/"
    assert about["og:description"].startswith("We are an independent fact-checking desk.")
    _image_checks(about)


def test_the_card_image_is_a_png_of_the_stated_size():
    path = finders.find(OG_IMAGE)
    assert path, f"static/{OG_IMAGE} is missing: run scripts/make-og-card.py"
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    assert struct.unpack(">II", head[16:24]) == OG_IMAGE_SIZE
