"""Articles in, claims out: the ingest service, its inputs, its invariants and revisions."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.extraction import decode_bytes, resolve_href
from claims.models import Article, ArticleSentence, CitedLink, Claim
from claims.services import IngestError, article_ingest
from sources.models import Link
from tests.factories import SourceFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "claims" / "fixtures" / "demo" / "nato-troops-in-ukraine.txt"
DATA = Path(__file__).resolve().parent / "data"
CITY_URL = "https://news.example.org/2023/roads"


def _assert_offsets_slice_exactly(article: Article) -> None:
    for row in [*article.claims.all(), *article.sentences.all()]:
        assert article.text[row.start : row.end] == row.text, row
        row.full_clean()
    for cited in article.cited_links.all():
        assert article.text[cited.start : cited.end] == cited.anchor_text, cited
        cited.full_clean()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Article, Claim, ArticleSentence, CitedLink, Link)
    }


# --------------------------------------------------------------------- the example article


def test_the_example_article_ingests_into_claims_whose_offsets_slice_the_text_exactly():
    result = article_ingest(
        title="NATO troops", file_bytes=DEMO.read_bytes(), filename=DEMO.name, is_demo=True
    )
    article = result.article
    assert result.created is True
    assert article.source_format == Article.Format.TEXT
    assert article.text == services.canonical_text(DEMO.read_text(encoding="utf-8"))
    assert article.claims.count() == result.claims_created >= 1
    sentences = list(article.sentences.all())
    assert len(sentences) > article.claims.count()
    # Every sentence at or above the threshold is a claim, every other one waits for promotion.
    threshold = services.checkworthiness_threshold()
    for sentence in sentences:
        assert (sentence.claim_id is not None) == (sentence.score >= threshold)
    _assert_offsets_slice_exactly(article)


def test_claims_carry_up_to_32_characters_of_context_on_each_side(keyword_scorer):
    text = "Intro words here. " * 5 + "The city spent 4.2 million dollars. " + "Outro. " * 8
    claim = article_ingest(title="Context", text=text).article.claims.get()
    assert claim.prefix == claim.article.text[claim.start - 32 : claim.start]
    assert claim.suffix == claim.article.text[claim.end : claim.end + 32]
    assert len(claim.prefix) == len(claim.suffix) == 32


def test_the_threshold_setting_decides_which_sentences_become_claims(keyword_scorer, patch_setting):
    patch_setting("FACTCHECK_CHECKWORTHINESS_THRESHOLD", 0.95)
    article = article_ingest(title="T", text="It cost 4 dollars. It was fine.").article
    assert article.claims.count() == 0
    assert article.sentences.count() == 2


# ---------------------------------------------------------------------------------- HTML


def test_an_html_article_keeps_the_main_text_and_its_cited_links(keyword_scorer):
    html = (DATA / "city-budget.html").read_text(encoding="utf-8")
    article = article_ingest(html=html, url=CITY_URL).article

    assert article.source_format == Article.Format.HTML
    assert article.raw_html == html
    assert article.title == "City spent 4.2 million dollars on roads"
    for boilerplate in ("SCRIPT-TEXT", "STYLE-TEXT", "NAV-TEXT", "SIDEBAR-TEXT", "FOOTER-TEXT"):
        assert boilerplate not in article.text
    assert "Residents who use the bus lanes" in article.text
    # Blocks (heading, paragraphs) are separated by blank lines.
    assert article.text.startswith("City spent 4.2 million dollars on roads\n\nThe city spent")

    cited = list(article.cited_links.select_related("link", "claim"))
    assert [(c.anchor_text, c.href, c.link.url) for c in cited] == [
        (
            "4.2 million dollars",
            "https://example.org/reports/roads-2023.pdf",
            "https://example.org/reports/roads-2023.pdf",
        ),
        (
            "Statistics office",
            "/stats/unemployment",
            "https://news.example.org/stats/unemployment",
        ),
    ]
    assert cited[0].link.host == "example.org"
    assert cited[1].link.host == "news.example.org"
    # The first link sits inside its claim; the second directly follows its claim.
    assert cited[0].claim.text.startswith("The city spent 4.2 million dollars on roads in 2023")
    assert cited[1].claim.text == "Unemployment fell to 3.4 percent."
    # javascript: and data: hrefs are never stored.
    assert not Link.objects.filter(url__startswith="javascript").exists()
    assert not CitedLink.objects.filter(href__startswith="javascript").exists()
    assert not CitedLink.objects.filter(href__startswith="data").exists()
    assert Link.objects.count() == 2
    _assert_offsets_slice_exactly(article)


def test_relative_links_are_skipped_when_the_article_url_is_unknown(keyword_scorer):
    html = (DATA / "city-budget.html").read_text(encoding="utf-8")
    article = article_ingest(html=html).article
    assert list(article.cited_links.values_list("href", flat=True)) == [
        "https://example.org/reports/roads-2023.pdf"
    ]


def test_an_html_file_is_ingested_like_pasted_html(keyword_scorer):
    data = (DATA / "city-budget.html").read_bytes()
    article = article_ingest(file_bytes=data, filename="story.HTM", url=CITY_URL).article
    assert article.source_format == Article.Format.HTML
    assert article.cited_links.count() == 2


def test_a_link_cited_right_after_a_claim_in_another_paragraph_is_not_attached(keyword_scorer):
    html = (
        "<html><body><article><p>The city spent 4.2 million dollars on roads in 2023 and "
        "the year before, officials told the council on Monday evening.</p>"
        "<p>(<a href='https://stats.example.org/'>Statistics office</a>) Critics disagreed "
        "with the figures and asked for another independent audit of the works.</p>"
        "</article></body></html>"
    )
    cited = article_ingest(html=html).article.cited_links.get()
    assert cited.claim is None


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("javascript:alert(1)", None),
        ("  JaVa\tScript:alert(1)", None),
        ("data:text/html,x", None),
        ("mailto:desk@example.org", None),
        ("ftp://example.org/file", None),
        ("#notes", None),
        ("/relative", "https://news.example.org/relative"),
        ("https://example.org/a", "https://example.org/a"),
    ],
)
def test_only_http_links_are_kept(href, expected):
    assert resolve_href(href, "https://news.example.org/story") == expected


def test_markdown_links_become_cited_links_and_the_text_is_kept_as_written(keyword_scorer):
    text = (
        "# Roads\n\nThe city spent [4.2 million dollars](https://example.org/report) in 2023.\n\n"
        "Code like `[x](https://example.org/code)` is not a link, nor is "
        "[this](javascript:alert(1))."
    )
    article = article_ingest(title="Roads", text=text, text_format="markdown").article
    assert article.text == text
    cited = article.cited_links.get()
    assert cited.anchor_text == "4.2 million dollars"
    assert cited.link.url == "https://example.org/report"
    assert cited.claim is not None and cited.claim.start <= cited.start < cited.claim.end


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": ""}, "empty"),
        ({"text": "  \n\t \r\n "}, "empty"),
        ({"file_bytes": b"", "filename": "a.txt"}, "empty"),
        ({"file_bytes": b"\n \n", "filename": "a.md"}, "empty"),
        (
            {"file_bytes": b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "filename": "a.txt"},
            "PNG image",
        ),
        ({"file_bytes": b"Some text\x00with NUL bytes", "filename": "a.txt"}, "NUL bytes"),
        ({"file_bytes": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "filename": "a.txt"}, "PDF"),
        ({"file_bytes": b"Hello", "filename": "report.pdf"}, "upload a .txt, .md, .html"),
        ({"file_bytes": b"Hello", "filename": "README"}, "without an extension"),
        (
            {"html": "<html><head><script>var a = 1;</script><style>p {}</style></head></html>"},
            "No readable",
        ),
        ({"text": "Fine text.", "url": "javascript:alert(1)"}, "not a web address"),
    ],
)
def test_bad_input_is_refused_with_a_message_for_the_reviewer(kwargs, message):
    before = _counts()
    with pytest.raises(IngestError, match=message):
        article_ingest(title="Bad", **kwargs)
    assert _counts() == before


def test_bytes_no_encoding_explains_are_refused():
    undecodable = bytes(range(1, 256)) * 40
    with pytest.raises(IngestError, match=r"could not be decoded|control characters"):
        article_ingest(title="Noise", file_bytes=undecodable, filename="noise.txt")
    assert Article.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.FACTCHECK_INGEST_MAX_BYTES = 100
    with pytest.raises(IngestError, match="The file is 101 bytes; the limit is 100 bytes"):
        article_ingest(title="Big", file_bytes=b"a" * 101, filename="big.txt")
    with pytest.raises(IngestError, match="limit is 100 bytes"):
        article_ingest(title="Big", text="b" * 101)
    assert Article.objects.count() == 0


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("cp1252", b""),
        ("latin-1", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-8", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
    ],
)
def test_files_in_other_encodings_are_decoded(encoding, prefix, keyword_scorer):
    text = (
        "Le conseil municipal a dépensé 4,2 millions pour les routes en 2023. "
        "Le maire a déclaré que le chiffre était vérifié. Les élèves ont reçu des cadeaux."
    )
    data = prefix + text.encode(encoding)
    article = article_ingest(title="Routes", file_bytes=data, filename="routes.txt").article
    assert article.text == text
    # French: detected, and not scored (no check-worthiness model for French).
    assert article.language == "fr"
    assert article.sentences.first().text.startswith("Le conseil municipal a dépensé 4,2")


def test_short_western_text_in_cp1252_is_not_mistaken_for_central_european():
    assert decode_bytes("Café crème coûte 3 € — très cher.".encode("cp1252")) == (
        "Café crème coûte 3 € — très cher."
    )


# ------------------------------------------------------------------- one transaction


def test_a_failure_while_scoring_stores_nothing(monkeypatch):
    def broken(sentences):
        raise RuntimeError("model exploded")

    monkeypatch.setattr("claims.nlp.score_sentences", broken)
    with pytest.raises(RuntimeError):
        article_ingest(title="T", text="The city spent 4 dollars. Nobody cared.")
    assert _counts() == dict.fromkeys(_counts(), 0)


def test_a_failure_half_way_through_storing_leaves_no_article_claims_or_links(
    keyword_scorer, monkeypatch
):
    stored = {}

    def broken_cited_links(*args, **kwargs):
        # By now the article, its sentences (committed in batches) and its claims (in the
        # last transaction) are written.
        stored.update(_counts())
        raise RuntimeError("link table on fire")

    monkeypatch.setattr("claims.services.ingest._store_cited_links", broken_cited_links)
    html = (DATA / "city-budget.html").read_text(encoding="utf-8")
    with pytest.raises(RuntimeError):
        article_ingest(html=html, url=CITY_URL)
    assert stored["Article"] == 1 and stored["Claim"] >= 1 and stored["ArticleSentence"] >= 1
    assert _counts() == dict.fromkeys(_counts(), 0)


# ---------------------------------------------------------------------- idempotence


def test_reingesting_identical_content_returns_the_same_article(keyword_scorer):
    first = article_ingest(title="T", text="It cost 4 dollars.\r\nIt was fine.  ")
    before = _counts()
    again = article_ingest(title="Other title", text="It cost 4 dollars.\nIt was fine.")
    assert again.created is False
    assert again.article.pk == first.article.pk
    assert _counts() == before


def test_an_article_stored_before_sentences_were_kept_is_filled_in_once(keyword_scorer):
    text = "It cost 4 dollars. It was fine."
    legacy = Article.objects.create(
        title="Old", slug="old", text=text, content_hash=services.content_hash(text)
    )
    result = article_ingest(title="Old", text=text)
    assert result.created is False and result.article.pk == legacy.pk
    assert legacy.sentences.count() == 2 and legacy.claims.count() == 1
    article_ingest(title="Old", text=text)
    assert legacy.sentences.count() == 2 and legacy.claims.count() == 1


# ------------------------------------------------------------------------- revisions

URL = "https://news.example.org/budget"
V1 = (
    "Budget special.\n\n"
    "The city spent 4.2 million dollars on roads in 2023. Residents were unhappy.\n\n"
    "The mayor said 12 new buses will arrive next spring. Nobody believed it.\n\n"
    "Unemployment fell to 3.4 percent last year, the council said. That was welcome.\n\n"
    "Parks received 900 thousand dollars for new benches. Children liked them."
)
# The roads claim is unchanged, the buses claim moved to another paragraph, the unemployment
# claim was edited slightly, the parks claim was removed.
V2 = (
    "Budget special.\n\n"
    "The city spent 4.2 million dollars on roads in 2023. Residents were unhappy.\n\n"
    "The main road was closed in May for the works, the editors added.\n\n"
    "Unemployment fell to 3.5 percent last year, the council said. That was welcome.\n\n"
    "Later, and separately. The mayor said 12 new buses will arrive next spring. Nobody cared."
)


def _v1_claims():
    article = article_ingest(title="Budget", text=V1, url=URL).article
    by_start = {c.text.split(" ")[1]: c for c in article.claims.all()}
    return article, by_start


def test_a_revision_reanchors_claims_and_orphans_the_one_that_was_removed(keyword_scorer):
    v1, claims = _v1_claims()
    assert set(claims) == {"city", "mayor", "fell", "received"}
    reviewer = UserFactory(username="reviewer-r")
    Claim.objects.filter(pk=claims["city"].pk).update(
        status=Claim.Status.IN_REVIEW, assignee=reviewer
    )
    Claim.objects.filter(pk=claims["fell"].pk).update(status=Claim.Status.PUBLISHED)

    result = article_ingest(title="Budget", text=V2, url=URL)
    v2 = result.article
    assert result.created is True
    assert v2.previous_revision == v1
    assert (result.reanchored, result.orphaned) == (3, 1)

    city, mayor, fell, parks = (
        Claim.objects.get(pk=claims[key].pk) for key in ("city", "mayor", "fell", "received")
    )
    assert city.article == v2 and city.anchor_match == Claim.AnchorMatch.CONTEXT
    assert city.status == Claim.Status.IN_REVIEW and city.assignee == reviewer
    assert mayor.article == v2 and mayor.anchor_match == Claim.AnchorMatch.EXACT
    assert mayor.text == "The mayor said 12 new buses will arrive next spring."
    assert mayor.start > v2.text.index("Later")
    assert fell.article == v2 and fell.anchor_match == Claim.AnchorMatch.FUZZY
    assert fell.text == "Unemployment fell to 3.5 percent last year, the council said."
    assert fell.status == Claim.Status.PUBLISHED
    assert fell.version == 2
    # The removed claim stays on the old revision, marked orphaned, never dropped.
    assert parks.article == v1 and parks.is_orphaned is True
    _assert_offsets_slice_exactly(v1)
    _assert_offsets_slice_exactly(v2)
    # Carried claims are not duplicated by new automatic claims on the same sentences.
    assert v2.claims.filter(start=city.start, end=city.end).count() == 1
    assert not v1.sentences.filter(claim__in=[city, mayor, fell]).exists()


def test_a_revision_keeps_the_publisher_topics_and_republishing_permission(keyword_scorer):
    v1, _ = _v1_claims()
    publisher = SourceFactory(name="The Budget Gazette")
    topics = [TopicFactory(name="Budget"), TopicFactory(name="Transport")]
    Article.objects.filter(pk=v1.pk).update(publisher=publisher, may_republish=True)
    v1.topics.set(topics)
    v2 = article_ingest(title="Budget", text=V2, url=URL).article
    assert v2.previous_revision_id == v1.pk
    v2.refresh_from_db()
    assert (v2.publisher, v2.may_republish) == (publisher, True)
    assert set(v2.topics.all()) == set(topics)
    # An article at another address starts with none of it.
    other = article_ingest(title="Other", text=V2 + " More.", url=URL + "-other").article
    other.refresh_from_db()
    assert (other.publisher, other.may_republish, other.topics.count()) == (None, False, 0)


def test_a_third_revision_keeps_orphans_where_they_were(keyword_scorer):
    v1, claims = _v1_claims()
    v2 = article_ingest(title="Budget", text=V2, url=URL).article
    v3 = article_ingest(title="Budget", text=V2 + "\n\nOne more line.", url=URL).article
    assert v3.previous_revision == v2
    assert Claim.objects.get(pk=claims["received"].pk).article == v1
    assert Claim.objects.get(pk=claims["city"].pk).article == v3


def test_a_changed_text_at_another_url_is_a_new_article_not_a_revision(keyword_scorer):
    article_ingest(title="Budget", text=V1, url=URL)
    other = article_ingest(title="Budget", text=V2, url=URL + "-other").article
    assert other.previous_revision is None


# ------------------------------------------------------------------ reviewer choices


def test_a_sentence_below_the_threshold_can_be_promoted_to_a_claim(keyword_scorer):
    article = article_ingest(title="T", text="It cost 4 dollars. Roads were (mostly) fine.").article
    sentence = article.sentences.get(claim__isnull=True)
    claim = services.claim_promote(sentence=sentence, user=None)
    assert claim.origin == Claim.Origin.PROMOTED
    assert (claim.start, claim.end, claim.text) == (sentence.start, sentence.end, sentence.text)
    assert claim.checkworthiness == pytest.approx(0.1)
    sentence.refresh_from_db()
    assert sentence.claim == claim
    with pytest.raises(ValidationError, match="already claim"):
        services.claim_promote(sentence=sentence, user=None)


def test_a_selection_becomes_a_claim_with_its_whitespace_trimmed(keyword_scorer):
    article = article_ingest(title="T", text="Roads were fine. Parks were lovely too.").article
    start = article.text.index(" Parks")
    end = len(article.text)
    claim = services.claim_create_from_selection(
        article=article, start=start, end=end, text=article.text[start:end], user=None
    )
    assert claim.text == "Parks were lovely too."
    assert claim.origin == Claim.Origin.SELECTED
    assert article.text[claim.start : claim.end] == claim.text
    assert article.sentences.get(start=claim.start).claim == claim


@pytest.mark.parametrize(
    ("start", "end", "text", "message"),
    [
        (0, 5, "Parks", "does not match"),
        (10, 400, "x", "outside the article"),
        (5, 5, "", "outside the article"),
        (5, 6, " ", "empty"),
        ("a", 3, "Roa", "missing"),
    ],
)
def test_a_bad_selection_is_refused(start, end, text, message, keyword_scorer):
    article = article_ingest(title="T", text="Roads were fine. Parks were lovely too.").article
    with pytest.raises(ValidationError, match=message):
        services.claim_create_from_selection(
            article=article, start=start, end=end, text=text, user=None
        )


def test_selecting_a_passage_that_is_already_a_claim_says_which(keyword_scorer):
    article = article_ingest(title="T", text="It cost 4 dollars. Fine.").article
    claim = article.claims.get()
    with pytest.raises(ValidationError, match=f"already claim #{claim.pk}"):
        services.claim_create_from_selection(
            article=article, start=claim.start, end=claim.end, text=claim.text, user=None
        )


# ------------------------------------------------------------------------- invariants


def test_every_offset_bearing_row_refuses_text_that_does_not_match_its_offsets(keyword_scorer):
    html = (DATA / "city-budget.html").read_text(encoding="utf-8")
    article = article_ingest(html=html, url=CITY_URL).article
    claim = article.claims.first()
    claim.text = claim.text + "!"
    sentence = article.sentences.first()
    sentence.end += 1
    cited = article.cited_links.first()
    cited.anchor_text = "something else"
    for row in (claim, sentence, cited):
        with pytest.raises(ValidationError, match="does not match"):
            row.full_clean()


def test_a_url_ingest_job_is_queued_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(
        "claims.tasks.article_fetch_and_ingest.apply_async",
        lambda **kw: queued.append(kw["args"][0]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = services.article_ingest_url(url="HTTPS://News.Example.org/a#top", title=" T ")
        assert queued == []
    assert queued == [job.pk]
    assert job.url == "https://news.example.org/a"
    assert job.state == job.State.QUEUED and job.title == "T"


def test_a_url_that_is_not_a_web_address_is_refused_before_queueing():
    with pytest.raises(services.ArticleURLError, match="not a web address"):
        services.article_ingest_url(url="file:///etc/passwd")
