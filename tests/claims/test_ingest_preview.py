"""Pasting an article shows a preview first; nothing is stored until "Ingest" (uploads and
fetched addresses: ``test_ingest_preview_sources.py``)."""

from __future__ import annotations

import html
import re

import pytest
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from audit.models import AuditEvent
from claims.models import Article, ArticleSentence, CitedLink, Claim, IngestJob
from claims.services import article_ingest, claim_create_from_selection, claim_promote

pytestmark = pytest.mark.django_db

INGEST = reverse("claims:article_ingest")
PAGE = """<!doctype html><html><head><title>Roads cost more (page title)</title></head>
<body><article><h1>Roads cost more</h1>
<p>The city spent 4.2 million dollars on roads in 2023, according to
<a href="https://example.org/budget-2023">the budget</a>.</p>
<p>Residents were unhappy about the noise.</p>
<p>Repairs took 800 thousand dollars, <a href="https://news.example.com/repairs">a report</a>
says.</p>
</article></body></html>"""


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


def test_pasting_shows_a_preview_and_stores_nothing(client_for, keyword_scorer):
    response = client_for("reviewer").post(
        INGEST,
        {
            "mode": "paste",
            "title": "Roads",
            "text": "The city spent 4.2 million dollars on roads. Residents were unhappy.",
        },
    )
    assert response.status_code == 200
    assert response.templates[0].name == "claims/article_ingest_preview.html"
    page = response.content.decode()
    assert '<h2 id="preview-title">Roads</h2>' in page
    assert "1 would become claim " not in page and "1 would become claim" in page
    assert "<strong>The city spent 4.2 million dollars on roads.</strong>" in page
    assert "<td>0.90</td>" in page and "<td>0.10</td>" in page
    assert "Residents were unhappy." in page
    assert ">Ingest</button>" in page and ">Discard</a>" in page
    assert 'id="preview-format">Plain text<' in page and "(detected from the content)" in page
    _nothing_stored()


def test_pasted_html_is_detected_and_previewed_with_its_title_and_links(client_for, keyword_scorer):
    response = client_for("reviewer").post(INGEST, {"mode": "paste", "text": PAGE})
    preview = response.context["preview"]
    assert preview.text_format == preview.detected_format == "html"
    assert preview.title in {"Roads cost more", "Roads cost more (page title)"}
    assert "<h1>" not in preview.excerpt and "<p>" not in preview.excerpt
    assert [link.url for link in preview.links] == [
        "https://example.org/budget-2023",
        "https://news.example.com/repairs",
    ]
    assert all("<" not in s.text for s in preview.sentences)
    page = response.content.decode()
    assert 'id="preview-format">HTML<' in page
    assert "https://example.org/budget-2023</a>" in page
    _nothing_stored()


def test_an_explicit_format_wins_and_the_preview_can_switch_it(client_for, keyword_scorer):
    client = client_for("reviewer")
    first = client.post(INGEST, {"mode": "paste", "text": PAGE, "text_format": "text"})
    assert first.context["preview"].text_format == "text"
    assert first.context["preview"].detected_format == "html"
    page = first.content.decode()
    assert "you chose it; the content looks like HTML" in page
    assert first.context["preview"].links == []
    # "Preview again" in HTML: the carried fields plus the chosen format.
    again = client.post(INGEST, {**_hidden_fields(page, "Preview again"), "text_format": "html"})
    assert again.context["preview"].text_format == "html"
    assert len(again.context["preview"].links) == 2
    _nothing_stored()


def test_ingest_stores_exactly_what_was_previewed(client_for, keyword_scorer):
    client = client_for("reviewer")
    text = "  # Budget\n\nThe city spent 4 million dollars.\r\n\n- Taxes rose 2 percent.\n"
    preview = client.post(
        INGEST, {"mode": "paste", "text": text, "title": "Budget <b>", "url": "https://n.org/a"}
    )
    shown = preview.context["preview"]
    assert shown.text_format == "markdown"
    assert [s.claim_text for s in shown.sentences if s.is_claim] == [
        "The city spent 4 million dollars.",
        "Taxes rose 2 percent.",
    ]
    carried = _hidden_fields(preview.content.decode(), "Ingest")
    assert carried["text"] == text and carried["confirm"] == "on"
    assert carried["text_format"] == "markdown" and carried["title"] == "Budget <b>"
    response = client.post(INGEST, carried)
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:article_detail", kwargs={"pk": article.pk})
    assert article.title == "Budget <b>" and article.url == "https://n.org/a"
    assert article.source_format == "markdown"
    claims = list(article.claims.order_by("start"))
    assert [c.text for c in claims] == [s.claim_text for s in shown.sentences if s.is_claim]
    for claim in claims:
        assert article.text[claim.start : claim.end] == claim.text


def test_the_preview_says_when_the_text_was_already_ingested(client_for, keyword_scorer):
    article = article_ingest(title="Earlier", text="It cost 4 dollars.").article
    response = client_for("reviewer").post(
        INGEST, {"mode": "paste", "text": "It cost 4 dollars.", "text_format": "text"}
    )
    assert response.context["preview"].existing == article
    assert "This text was already ingested" in response.content.decode()
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "   \n "}, "text", "The article is empty"),
        ({"text": "Fine. It cost 4.", "url": "ftp://x.org/"}, "url", "not a web address"),
        ({"text": "<html><body>   </body></html>"}, "text", ""),
    ],
)
def test_bad_input_gets_the_form_back_with_its_error(data, field, message, client_for):
    response = client_for("reviewer").post(INGEST, {"mode": "paste", **data})
    assert response.status_code == 200
    assert response.templates[0].name == "claims/article_ingest.html"
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    _nothing_stored()


def test_invalid_utf8_is_refused_before_the_preview(client_for):
    body = encode_multipart(BOUNDARY, {"mode": "paste", "text": "Caf\u00e9 @@ bar"})
    response = client_for("reviewer").post(
        INGEST,
        body.replace(b"@@", b"\xff\xfe"),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 200
    assert "not valid UTF-8" in response.context["form"].errors["text"][0]
    _nothing_stored()


def test_oversize_text_is_refused_before_the_preview(client_for, settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 100
    response = client_for("reviewer").post(INGEST, {"mode": "paste", "text": "x. " * 100})
    assert "the limit is 100 bytes" in response.context["form"].errors["text"][0]
    _nothing_stored()


def test_hostile_html_is_previewed_without_anything_executable(client_for, keyword_scorer):
    hostile = (
        "<html><head><script>alert(1)</script></head><body><p>It cost 4 dollars, said "
        '<a href="javascript:alert(2)">the mayor</a> <img src=x onerror="alert(3)">.</p>'
        '<p onclick="alert(4)">Nobody <a href="https://ok.example.org/x">agreed</a>.</p>'
        "</body></html>"
    )
    response = client_for("reviewer").post(INGEST, {"mode": "paste", "text": hostile})
    # The pasted text is carried in a hidden field, escaped inside its quoted value.
    page = re.sub(r'value="[^"]*"', 'value=""', response.content.decode())
    assert "&lt;script&gt;alert(1)" in response.content.decode()
    preview = response.context["preview"]
    assert preview.text_format == "html"
    assert [link.url for link in preview.links] == ["https://ok.example.org/x"]
    assert "<img" not in page and "<iframe" not in page
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page, re.I)
    for tag in re.findall(r"<script[^>]*>", page):
        assert re.search(
            r'src="(/static/(js/[a-z]+|vendor/htmx/htmx\.min)\.js|/jsi18n/[a-z-]+/)"', tag
        ), tag
    assert 'href="javascript:' not in page
    _nothing_stored()


def test_a_large_text_previews_its_first_part_then_goes_to_the_job(
    client_for, keyword_scorer, settings, monkeypatch
):
    monkeypatch.setattr("claims.tasks.article_fetch_and_ingest.apply_async", lambda **kw: None)
    settings.FACTCHECK_INGEST_INLINE_MAX_BYTES = 2000
    text = "\n\n".join(f"Claim {n} cost {n} dollars. Nobody cared." for n in range(200))
    client = client_for("reviewer")
    preview = client.post(INGEST, {"mode": "paste", "text": text, "title": "Big"})
    shown = preview.context["preview"]
    assert shown.partial and shown.previewed_bytes <= 2000 < shown.total_bytes
    assert "the preview shows its first" in preview.content.decode()
    _nothing_stored()
    response = client.post(INGEST, _hidden_fields(preview.content.decode(), "Ingest"))
    job = IngestJob.objects.get()
    assert response["Location"] == reverse("claims:ingest_job", kwargs={"pk": job.pk})
    assert job.text == text and job.title == "Big"


def test_discard_goes_back_to_an_empty_form(client_for, keyword_scorer):
    client = client_for("reviewer")
    preview = client.post(INGEST, {"mode": "paste", "text": "It cost 4 dollars."})
    assert f'<a class="button" href="{INGEST}">Discard</a>' in preview.content.decode()
    form = client.get(INGEST)
    assert form.status_code == 200 and "It cost 4 dollars." not in form.content.decode()
    _nothing_stored()


def test_uploads_are_previewed_too_unless_confirmed_at_once(client_for, keyword_scorer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("reviewer")
    response = client.post(
        INGEST, {"mode": "upload", "file": SimpleUploadedFile("a.txt", b"It cost 4 dollars.")}
    )
    assert response.templates[0].name == "claims/article_ingest_preview.html"
    _nothing_stored()
    response = client.post(
        INGEST,
        {
            "mode": "upload",
            "file": SimpleUploadedFile("a.txt", b"It cost 4 dollars."),
            "confirm": "on",
        },
    )
    assert response.status_code == 302 and Article.objects.count() == 1


# ------------------------------------------------- markers out of claims, offsets exact


def test_ingestion_leaves_markers_and_headings_out_of_automatic_claims(keyword_scorer):
    text = (
        "## Roads\n\n"
        "1. Budget Cuts: The council cut 4 million dollars from roads.\n\n"
        "- Taxes rose by 2 percent.\n\n"
        "2020 was a record year for 3 schools.\n\n"
        "The report says: crime fell 10 percent."
    )
    article = article_ingest(title="Markers", text=text, text_format="markdown").article
    claims = list(article.claims.order_by("start"))
    assert [c.text for c in claims] == [
        "The council cut 4 million dollars from roads.",
        "Taxes rose by 2 percent.",
        "2020 was a record year for 3 schools.",
        "The report says: crime fell 10 percent.",
    ]
    for claim in claims:
        assert article.text[claim.start : claim.end] == claim.text
        claim.full_clean()
    # The sentence rows keep the whole sentence and point at their claim.
    first = article.sentences.get(start__lte=claims[0].start, end__gte=claims[0].end)
    assert first.text.startswith("1. Budget Cuts:") and first.claim_id == claims[0].pk


def test_promoting_a_sentence_leaves_its_marker_out(keyword_scorer, reviewer):
    article = article_ingest(title="P", text="- Residents were unhappy.\n\nOk fine.").article
    sentence = article.sentences.get(text="- Residents were unhappy.")
    claim = claim_promote(sentence=sentence, user=reviewer)
    assert claim.text == "Residents were unhappy."
    assert article.text[claim.start : claim.end] == claim.text


def test_a_selection_starting_with_numbering_leaves_it_out(keyword_scorer, reviewer):
    article = article_ingest(title="S", text="Intro here.\n\nc) Residents were unhappy.").article
    start = article.text.index("c)")
    end = len(article.text)
    claim = claim_create_from_selection(
        article=article, start=start, end=end, text=article.text[start:end], user=reviewer
    )
    assert claim.text == "Residents were unhappy."
    assert article.text[claim.start : claim.end] == claim.text


def test_ingesting_at_once_detects_the_format_unless_one_is_chosen(client_for, keyword_scorer):
    client = client_for("reviewer")
    client.post(INGEST, {"mode": "paste", "text": PAGE, "confirm": "on"})
    article = Article.objects.get()
    assert article.source_format == "html" and article.cited_links.count() == 2
    assert article.title in {"Roads cost more", "Roads cost more (page title)"}
    text = "Plain words: [not a link](https://x.org) cost 4 dollars."
    client.post(INGEST, {"mode": "paste", "text": text, "text_format": "text", "confirm": "on"})
    plain = Article.objects.exclude(pk=article.pk).get()
    assert plain.source_format == "text" and not plain.cited_links.exists()
