"""An article's language through the API (ingest with or without a language; the article
says its language and whether it is scored) and in ClaimReview (``inLanguage`` of the review
and of each article appearance), on the reader page and in the API's fact-check (issue 20)."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from claims import services
from claims.models import Article, Claim
from claims.nlp import checkworthiness
from factcheck.lib.versions import NO_VERSION_CHECK
from reader.selectors import claim_path
from tests.factories import ArticleFactory, ClaimFactory, rating_level

pytestmark = pytest.mark.django_db

ARTICLES = reverse("api:article-list")

# Original short news texts written for these tests.
ARABIC = (
    "أعلنت بلدية المدينة يوم الاثنين أنها افتتحت ثلاث مدارس جديدة في الأحياء الشرقية. "
    "وقال رئيس البلدية إن عدد الطلاب في المدارس الحكومية ارتفع بنسبة عشرين في المئة منذ عام 2020. "
    "وأضاف أن الميزانية المخصصة للتعليم تضاعفت خلال السنوات الخمس الماضية. "
    "لكن نقابة المعلمين قالت إن الأرقام الرسمية لا تشمل المدارس المغلقة. "
    "ويطالب أولياء الأمور بحافلات مدرسية إضافية قبل بداية فصل الشتاء. "
    "ولم تنشر البلدية تقرير المراجعة المالية حتى الآن."
)
SPANISH = (
    "El gobierno regional anunció el lunes que abrirá cuatro centros de salud en la costa. "
    "Según la consejera de Sanidad, las listas de espera se redujeron un 30 por ciento en 2024. "
    "Los sindicatos médicos aseguran que faltan más de doscientos profesionales. "
    "La oposición pidió que se publiquen los datos completos del informe. "
    "Los nuevos centros estarán abiertos también los fines de semana. "
    "El presupuesto total del plan es de 45 millones de euros."
)
_LD_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _publish(claim: Claim, reviewer, editor) -> Claim:
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="Not so.",
        rationale="Because.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    return Claim.objects.get(pk=claim.pk)


def _review_on_page(client, claim: Claim) -> dict:
    html = client.get(claim_path(claim)).content.decode()
    reviews = [json.loads(m) for m in _LD_RE.findall(html)]
    [review] = [r for r in reviews if r.get("@type") == "ClaimReview"]
    return review


def test_an_arabic_article_ingested_by_the_api_end_to_end(api_for, client, reviewer, editor):
    api = api_for("reviewer")
    response = api.post(ARTICLES, {"title": "مدارس جديدة", "text": ARABIC}, format="json")
    assert response.status_code == 201, response.content.decode()[:1000]
    data = response.json()
    assert data["language"] == "ar" and data["scored"] is True
    article = Article.objects.get(pk=data["id"])
    assert article.language == "ar"
    sentences = list(article.sentences.order_by("start"))
    assert len(sentences) == 6
    # Scored by the Arabic model: its claims are the sentences at or above its threshold.
    threshold = checkworthiness.model_for("ar").threshold
    for sentence in sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.score is not None
        assert (sentence.claim_id is not None) == (sentence.score >= threshold)
    for made in article.claims.all():
        assert article.text[made.start : made.end] == made.text

    # The review page shows the article scored, its claims in the text.
    client.force_login(reviewer)
    html = client.get(reverse("claims:article_detail", kwargs={"pk": article.pk})).content
    html = html.decode()
    assert "Not scored" not in html
    assert all(made.text in html for made in article.claims.all())
    client.logout()

    # The reviewer makes a claim of a sentence (the model's, or one it left out).
    second = sentences[1]
    if second.claim_id is None:
        claim = services.claim_create_from_selection(
            article=article, start=second.start, end=second.end, text=second.text, user=reviewer
        )
        assert claim.checkworthiness is None
    else:
        claim = Claim.objects.get(pk=second.claim_id)
        assert claim.checkworthiness == pytest.approx(second.score)
    claim = _publish(claim, reviewer, editor)

    review = _review_on_page(client, claim)
    assert review["inLanguage"] == "ar"
    [work] = review["itemReviewed"]["appearance"]
    assert work["inLanguage"] == "ar"

    # The API's fact-check carries the same ClaimReview.
    detail = api_for("anonymous").get(reverse("api:fact-check-detail", kwargs={"pk": claim.pk}))
    assert detail.json()["claim_review"]["inLanguage"] == "ar"

    # The reader's pages in Arabic: the interface right to left, the claim in its language.
    page = client.get(f"/ar{claim_path(claim)}")
    assert page.status_code == 200 and page["Content-Language"] == "ar"
    html = page.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert '<p lang="ar">' in html and second.text in html
    assert "التقييم" in html or "الحكم" in html  # interface words from the Arabic catalog
    article_page = client.get(f"/ar/articles/{article.slug}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in article_page
    assert '<h1 lang="ar">مدارس جديدة</h1>' in article_page


def test_a_spanish_article_review_is_in_spanish(client, reviewer, editor, settings):
    settings.FACTCHECK_CONTENT_LANGUAGE = "en"
    article = services.article_ingest(title="Centros de salud", text=SPANISH).article
    assert article.language == "es"
    # Scored by the Spanish model: its claims are the sentences at or above its threshold.
    assert services.article_scoring_note(article) == ""
    assert article.claims.exists() and None not in set(
        article.sentences.values_list("score", flat=True)
    )
    claim = article.claims.order_by("-checkworthiness", "start").first()
    sentence = article.sentences.get(claim=claim)
    claim = _publish(claim, reviewer, editor)
    review = _review_on_page(client, claim)
    assert review["inLanguage"] == "es"
    assert review["itemReviewed"]["appearance"][0]["inLanguage"] == "es"
    # The reader's page in Spanish, left to right; a Spanish browser is sent there first.
    reader = Client()
    first = reader.get(claim_path(claim), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert first.status_code == 302, (claim_path(claim), first.get("Content-Language"))
    assert first["Location"] == f"/es{claim_path(claim)}"
    page = reader.get(first["Location"])
    assert page["Content-Language"] == "es"
    html = page.content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert '<p lang="es">' in html and sentence.text in html
    assert "Verificaciones" in html  # the menu, from the Spanish catalog


def test_the_api_takes_the_language_at_ingestion_and_checks_it(api_for):
    api = api_for("reviewer")
    english = "The council said bus fares will rise by 12 percent next year, the mayor said."
    chosen = api.post(ARTICLES, {"text": english, "language": "PT_br"}, format="json")
    assert chosen.status_code == 201
    assert chosen.json()["language"] == "pt-br" and chosen.json()["scored"] is False
    wrong = api.post(ARTICLES, {"text": english + " Again.", "language": "nope-x"}, format="json")
    assert wrong.status_code == 400
    assert "language" in json.dumps(wrong.json())
    detected = api.post(ARTICLES, {"text": english + " Twice."}, format="json")
    assert detected.json()["language"] == "en" and detected.json()["scored"] is True


def test_a_claim_without_an_article_is_in_the_content_language(client, reviewer, editor, settings):
    settings.FACTCHECK_CONTENT_LANGUAGE = "fr"
    claim = services.claim_enter(
        user=reviewer,
        text="Le chômage a baissé de moitié depuis 2020.",
        kind="spoken",
        medium="tv",
        programme="Débat du soir",
        timestamp="00:12:30",
        said_on=datetime.date(2026, 11, 3),
    )
    claim = _publish(claim, reviewer, editor)
    review = _review_on_page(client, claim)
    assert review["inLanguage"] == "fr"
    assert all("inLanguage" not in work for work in review["itemReviewed"]["appearance"])


def test_an_article_of_unknown_language_falls_back_but_its_appearance_says_nothing(
    client, reviewer, editor, settings
):
    settings.FACTCHECK_CONTENT_LANGUAGE = "en"
    article = ArticleFactory(language="")
    claim = _publish(ClaimFactory(article=article), reviewer, editor)
    review = _review_on_page(client, claim)
    assert review["inLanguage"] == "en"
    assert "inLanguage" not in review["itemReviewed"]["appearance"][0]


def _article_url(article) -> str:
    return reverse("api:article-detail", kwargs={"pk": article.pk})


def test_the_api_corrects_an_articles_language_and_it_is_split_and_scored_again(api_for):
    from audit.models import AuditEvent

    api = api_for("reviewer")
    # Spanish text ingested as German: not scored, no claim.
    article = services.article_ingest(title="Salud", text=SPANISH, language="de").article
    assert not article.claims.exists()
    read = api.get(_article_url(article))
    assert read.json()["version"] == article.version and read.json()["scored"] is False

    response = api.patch(
        _article_url(article), {"language": "ES", "version": article.version}, format="json"
    )
    assert response.status_code == 200, response.content.decode()[:500]
    body = response.json()
    assert body["language"] == "es" and body["scored"] is True
    assert body["version"] == article.version + 1 and response["ETag"]
    article.refresh_from_db()
    assert article.language == "es"
    assert None not in set(article.sentences.values_list("score", flat=True))
    threshold = checkworthiness.model_for("es").threshold
    made = {s.start for s in article.sentences.all() if s.score >= threshold}
    assert set(article.claims.values_list("start", flat=True)) == made
    event = AuditEvent.objects.get(action="claims.article.language_changed")
    assert event.changes["language"] == ["de", "es"]

    # If-Match with the ETag of the last answer works; an older one is refused (412).
    again = api.patch(
        _article_url(article), {"language": "es-mx"}, format="json", HTTP_IF_MATCH=response["ETag"]
    )
    assert again.status_code == 200 and again.json()["language"] == "es-mx"
    stale = api.patch(
        _article_url(article), {"language": "fr"}, format="json", HTTP_IF_MATCH=response["ETag"]
    )
    assert stale.status_code == 412


def test_an_api_language_change_is_refused_when_stale_unversioned_or_not_a_language(api_for):
    api = api_for("reviewer")
    article = ArticleFactory(language="en")
    url = _article_url(article)
    stale = api.patch(url, {"language": "fr", "version": article.version - 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    unversioned = api.patch(url, {"language": "fr"}, format="json")
    assert unversioned.status_code == 428
    wrong = api.patch(url, {"language": "klingon", "version": article.version}, format="json")
    assert wrong.status_code == 400 and "language" in json.dumps(wrong.json())
    missing = api.patch(url, {"version": article.version}, format="json")
    assert missing.status_code == 400
    article.refresh_from_db()
    assert article.language == "en" and article.version == 1
    assert api_for("anonymous").patch(url, {"language": "fr", "version": 1}).status_code in (
        401,
        403,
    )
