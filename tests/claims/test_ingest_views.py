"""The reviewer area's ingest form, job page and article page, and what readers see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from claims.models import Article, ArticleSentence, Claim, IngestJob, Verdict
from claims.services import article_ingest
from tests.factories import (
    ArticleFactory,
    ArticleSentenceFactory,
    IngestJobFactory,
    UserFactory,
    VerdictFactory,
    rating_level,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
INGEST = reverse("claims:article_ingest")
HOSTILE_HTML = """<!doctype html><html><head><title>Hostile page</title>
<script>alert('head-script')</script>
<style>body { background: url(javascript:alert(2)) }</style>
</head><body><article>
<h1>The budget grew by 12 percent in 2023</h1>
<p>The city spent 4.2 million dollars on roads in 2023, said the
<a href="javascript:alert('link')">mayor</a>, and <img src=x onerror="alert('img')">
the council agreed on the figures after a long debate.</p>
<p onclick="alert('click')">Critics say the 4.2 million figure hides 800 thousand dollars
of repairs <script>alert('body-script')</script> that were paid for
<a href="https://example.org/x" onmouseover="alert(3)">last year</a>.</p>
<p>Nobody expected the <iframe src="javascript:alert(4)"></iframe> report to cause much
debate in the chamber.</p>
</article></body></html>"""


def _assert_nothing_hostile(html: str) -> None:
    assert "alert(" not in html
    assert "javascript:" not in html.lower()
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I), "an on*= handler in a tag"
    assert "<iframe" not in html and "<img" not in html
    # Our only script is the page's own static file.
    for tag in re.findall(r"<script[^>]*>", html):
        assert re.search(
            r'src="(/static/(js/[a-z-]+|vendor/htmx/htmx\.min)\.js|/jsi18n/[a-z-]+/)"', tag
        ), tag


def _page(client, name, **kwargs) -> str:
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------------------------ ingest form


def test_pasting_an_article_creates_it_and_opens_its_reviewer_page(client_for, keyword_scorer):
    client = client_for("reviewer")
    response = client.post(
        INGEST,
        {
            "mode": "paste",
            "title": "Roads",
            "text": "The city spent 4.2 million dollars on roads. Residents were unhappy.",
            "text_format": "text",
            "confirm": "on",  # as the preview's "Ingest" button sends it
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:article_detail", kwargs={"pk": article.pk})
    claim = article.claims.get()
    page = client.get(response["Location"]).content.decode()
    assert "Article added: 1 claim found." in page
    # The claim is highlighted at its offsets and labelled with its number and status in words.
    assert (
        f'<mark class="claim claim-new" data-start="0" title="Claim #{claim.pk}: New">'
        "The city spent 4.2 million dollars on roads.</mark>"
    ) in page
    assert f'href="#claim-{claim.pk}">#{claim.pk} New</a>' in page
    assert "Residents were unhappy." in page and "Promote to claim" in page


def test_pasting_the_same_text_again_opens_the_existing_article(client_for, keyword_scorer):
    client = client_for("reviewer")
    data = {"mode": "paste", "text": "It cost 4 dollars.", "text_format": "text", "confirm": "on"}
    first = client.post(INGEST, data)
    second = client.post(INGEST, data, follow=True)
    assert Article.objects.count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "already ingested" in second.content.decode()


@pytest.mark.parametrize(
    ("filename", "content", "fmt"),
    [
        ("story.md", b"# Roads\n\nThe city spent [4 million](https://example.org/r).", "markdown"),
        ("story.html", (DATA / "city-budget.html").read_bytes(), "html"),
        ("story.txt", "Il a coûté 4 euros, très cher.".encode("cp1252"), "text"),
    ],
)
def test_uploading_a_file_creates_the_article(filename, content, fmt, client_for, keyword_scorer):
    response = client_for("reviewer").post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile(filename, content), "confirm": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.source_format == fmt
    # The French text is not scored (no French model): its sentences wait for triage.
    assert article.claims.exists() if article.language == "en" else article.sentences.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"mode": "paste", "text": "   \n  "}, "text", "The article is empty"),
        ({"mode": "upload"}, "file", "Choose a file"),
        ({"mode": "fetch"}, "url", "web address"),
        ({"mode": "fetch", "url": "javascript:alert(1)"}, "url", "not a web address"),
        ({"mode": "paste", "text": "Fine.", "url": "ftp://x.org/"}, "url", "not a web address"),
        ({"mode": "teleport"}, "mode", "Select a valid choice"),
    ],
)
def test_bad_form_input_is_shown_on_its_field(data, field, message, client_for):
    response = client_for("reviewer").post(INGEST, {"text_format": "text", **data})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Article.objects.count() == IngestJob.objects.count() == 0


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "upload a .txt, .md, .html"),
        ("logo.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
        ("nul.txt", b"text\x00\x00\x00more", "NUL bytes"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_a_bad_file_is_refused_on_the_file_field(filename, content, message, client_for):
    response = client_for("reviewer").post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile(filename, content), "confirm": "on"}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert message in errors or (message == "empty" and "empty" in errors.lower())
    assert Article.objects.count() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(client_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 50
    response = client_for("reviewer").post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile("big.txt", b"x" * 51)}
    )
    assert "The file is 51 bytes; the limit is 50 bytes." in response.context["form"].errors["file"]


def test_fetching_by_url_queues_a_job_and_shows_its_page(client_for, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "claims.tasks.article_fetch_and_ingest.apply_async",
        lambda **kw: queued.append(kw["args"][0]),
    )
    client = client_for("reviewer")
    response = client.post(
        INGEST,
        {
            "mode": "fetch",
            "url": "https://news.example.org/a",
            "text_format": "text",
            "confirm": "on",
        },
    )
    job = IngestJob.objects.get()
    assert response["Location"] == reverse("claims:ingest_job", kwargs={"pk": job.pk})
    page = client.get(response["Location"]).content.decode()
    assert "Queued" in page
    assert 'data-refresh-seconds="3"' in page


def test_a_failed_job_shows_its_error_and_stops_refreshing(client_for):
    job = IngestJobFactory(
        state=IngestJob.State.FAILED, error="Could not fetch http://127.0.0.1/: refused: loopback"
    )
    page = _page(client_for("editor"), "claims:ingest_job", pk=job.pk)
    assert "Failed" in page and "refused: loopback" in page
    assert "data-refresh-seconds" not in page


def test_a_finished_job_links_to_its_article(client_for):
    article = ArticleFactory()
    job = IngestJobFactory(state=IngestJob.State.DONE, article=article, article_created=True)
    page = _page(client_for("reviewer"), "claims:ingest_job", pk=job.pk)
    assert reverse("claims:article_detail", kwargs={"pk": article.pk}) in page


# ------------------------------------------------------------------- hostile content


def test_hostile_html_never_reaches_any_rendered_page(client_for, keyword_scorer):
    client = client_for("reviewer")
    response = client.post(
        INGEST,
        {"mode": "paste", "text": HOSTILE_HTML, "text_format": "html", "confirm": "on"},
        follow=True,
    )
    article = Article.objects.get()
    assert article.raw_html == HOSTILE_HTML
    assert "4.2 million dollars" in article.text
    assert article.cited_links.count() == 1
    job = IngestJobFactory(state=IngestJob.State.DONE, article=article)
    _publish_one_claim(article)
    pages = [
        response.content.decode(),
        _page(client, "claims:article_detail", pk=article.pk),
        _page(client, "claims:home"),
        _page(client, "claims:ingest_job", pk=job.pk),
        _page(client_for("anonymous"), "reader:article_detail", key=article.slug),
        _page(client_for("anonymous"), "reader:home"),
    ]
    for page in pages:
        _assert_nothing_hostile(page)


def test_hostile_markup_pasted_as_plain_text_is_shown_escaped(client_for, keyword_scorer):
    text = "In 2023 the page said <img src=x onerror=alert(1)> and <script>alert(2)</script>."
    article = article_ingest(title="<b>Title</b>", text=text).article
    page = _page(client_for("reviewer"), "claims:article_detail", pk=article.pk)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in page and "<script>alert" not in page and "<b>Title" not in page


# ------------------------------------------------------------------ reviewer article page


def test_the_reviewer_page_lists_sentences_cited_links_and_orphaned_claims(
    client_for, keyword_scorer
):
    url = "https://news.example.org/2023/roads"
    html = (DATA / "city-budget.html").read_text(encoding="utf-8")
    v1 = article_ingest(html=html, url=url).article
    v2 = article_ingest(
        html=html.replace("Unemployment fell to 3.4 percent.", "Jobs news follows."), url=url
    ).article
    page = _page(client_for("reviewer"), "claims:article_detail", pk=v2.pk)
    assert "“Statistics office”" in page and "https://news.example.org/stats/unemployment" in page
    assert "written as <code>/stats/unemployment</code>" in page
    assert "Orphaned claims (1)" in page and "Unemployment fell to 3.4 percent." in page
    assert "Residents who use the bus lanes" in page and "Promote to claim" in page
    old_page = _page(client_for("reviewer"), "claims:article_detail", pk=v1.pk)
    assert "A newer revision of this article exists" in old_page
    assert "Promote to claim" not in old_page


def test_the_reviewer_page_needs_few_queries_whatever_the_number_of_claims(
    client_for, keyword_scorer, django_assert_max_num_queries
):
    text = "\n\n".join(f"Item {n} cost {n} dollars. It was fine." for n in range(60))
    article = article_ingest(title="Many", text=text).article
    assert article.claims.count() == 60
    client = client_for("reviewer")
    # 16: one is the open "another appearance?" proposals of the page's claims.
    with django_assert_max_num_queries(16):
        client.get(reverse("claims:article_detail", kwargs={"pk": article.pk}))


def test_an_ingested_article_is_not_public_until_a_verdict_on_it_is(client_for, keyword_scorer):
    article = article_ingest(title="T", text="It cost 4 dollars. It was fine.").article
    url = reverse("reader:article_detail", kwargs={"key": article.slug})
    for persona in ("anonymous", "reader", "reviewer"):
        assert client_for(persona).get(url).status_code == 404
    _publish_one_claim(article)
    for persona in ("anonymous", "reader", "reviewer"):
        page = _page(client_for(persona), "reader:article_detail", key=article.slug)
        assert "It cost 4 dollars." in page and "Promote" not in page


def _publish_one_claim(article) -> Claim:
    """Give one of the article's claims a published verdict (directly, not through the
    workflow), so that its public page exists."""
    claim = article.claims.order_by("start").first()
    level = rating_level("false")
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.PUBLISHED, rating=level)
    VerdictFactory(
        claim=claim,
        rating=level,
        state=Verdict.State.PUBLISHED,
        published_at=timezone.now(),
        approver=UserFactory(),
    )
    return claim


# ------------------------------------------------------------ promote and select (POST)


def test_promoting_a_sentence_makes_it_a_claim(client_for, keyword_scorer):
    article = article_ingest(title="T", text="It cost 4 dollars. It was fine.").article
    sentence = article.sentences.get(claim__isnull=True)
    client = client_for("reviewer")
    url = reverse("claims:sentence_promote", kwargs={"pk": sentence.pk})
    response = client.post(url)
    claim = Claim.objects.get(origin=Claim.Origin.PROMOTED)
    assert response["Location"].endswith(f"#claim-{claim.pk}")
    again = client.post(url, follow=True)
    assert f"already claim #{claim.pk}" in again.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 302), ("editor", 302)],
)
def test_promoting_is_for_reviewers_only(persona, status, client_for):
    sentence = ArticleSentenceFactory()
    url = reverse("claims:sentence_promote", kwargs={"pk": sentence.pk})
    response = client_for(persona).post(url)
    assert response.status_code == status
    if persona == "anonymous":
        assert "login" in response["Location"]
    promoted = ArticleSentence.objects.get(pk=sentence.pk).claim_id is not None
    assert promoted == (persona in {"reviewer", "editor"})


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 302), ("admin", 302)],
)
def test_selecting_a_passage_is_for_reviewers_only(persona, status, client_for):
    article = ArticleFactory()
    url = reverse("claims:claim_create", kwargs={"pk": article.pk})
    response = client_for(persona).post(url, {"text": "Officials said"})
    assert response.status_code == status
    assert Claim.objects.exists() == (persona in {"reviewer", "admin"})


def test_post_only_pages_refuse_get(client_for):
    client = client_for("reviewer")
    sentence = ArticleSentenceFactory()
    assert (
        client.get(reverse("claims:sentence_promote", kwargs={"pk": sentence.pk})).status_code
        == 405
    )
    assert (
        client.get(reverse("claims:claim_create", kwargs={"pk": sentence.article.pk})).status_code
        == 405
    )


def test_a_selected_passage_with_offsets_becomes_a_claim(client_for):
    article = ArticleFactory()
    start = article.text.index("Officials")
    end = len(article.text)
    response = client_for("reviewer").post(
        reverse("claims:claim_create", kwargs={"pk": article.pk}),
        {"text": article.text[start:end], "start": start, "end": end},
    )
    claim = Claim.objects.get()
    assert (claim.start, claim.end, claim.origin) == (start, end, Claim.Origin.SELECTED)
    assert response["Location"].endswith(f"#claim-{claim.pk}")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "not in the article"}, "not in the article"),
        ({"text": "dollars"}, "occurs 2 times"),
        ({"text": "Officials", "start": 0, "end": 9}, "does not match"),
    ],
)
def test_a_bad_selection_is_explained(data, message, client_for):
    article = ArticleFactory(text="It cost 4 dollars, and 5 dollars later. Officials agreed.")
    response = client_for("reviewer").post(
        reverse("claims:claim_create", kwargs={"pk": article.pk}), data, follow=True
    )
    assert message in response.content.decode()
    assert not Claim.objects.exists()
