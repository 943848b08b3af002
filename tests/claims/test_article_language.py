"""An article's language (issue 20): detected at ingestion, chosen or corrected by reviewers;
scored by the model of its language (English, Spanish); an article in a language with no
check-worthiness model is not scored and its sentences are all listed for manual triage."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from claims import languages, services
from claims.models import Article, ArticleSentence, Claim
from claims.nlp import checkworthiness
from claims.services import article_ingest, text_analyse
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import ArticleFactory, ClaimFactory, rating_level

INGEST = reverse("claims:article_ingest")

# Short original news texts (written for these tests).
SPANISH = (
    "El ayuntamiento de Villaverde aprobó ayer un presupuesto de 12 millones de euros para "
    "el próximo año. La alcaldesa aseguró que el gasto en transporte público crecerá un 15 por "
    "ciento. Según la oposición, la cifra de inversión en vivienda es la más baja desde 2015. "
    "Los vecinos del barrio norte llevan tres años esperando una nueva biblioteca. El concejal "
    "de Hacienda dijo que la deuda municipal se redujo a la mitad desde 2019. Nadie en el pleno "
    "presentó los datos de la auditoría. La votación terminó con 14 votos a favor y 11 en "
    "contra."
)
FRENCH = (
    "Le conseil régional a annoncé mardi que le nombre de trains régionaux augmentera de vingt "
    "pour cent l'an prochain, selon son président."
)
GERMAN = (
    "Die Stadtverwaltung teilte am Montag mit, dass die Zahl der Ladestationen für Elektroautos "
    "im vergangenen Jahr verdoppelt wurde."
)
GERMAN_ARTICLE = GERMAN + (
    " Der Bürgermeister sprach von einem Erfolg für die ganze Region. Kritiker verweisen "
    "darauf, dass viele Stationen am Stadtrand liegen und selten genutzt werden. Die nächste "
    "Sitzung des Stadtrats findet im März statt."
)
ARABIC = (
    "أعلنت وزارة الصحة يوم الأحد أن عدد المستشفيات الحكومية في المحافظة ارتفع إلى ثلاثين "
    "مستشفى خلال العام الماضي."
)
ENGLISH = (
    "The city council said on Tuesday that bus fares will rise by 12 percent next year. "
    "The mayor claimed that ridership doubled since 2019. Critics called the figures "
    "misleading."
)


@pytest.fixture
def content_language(settings):
    settings.FACTCHECK_CONTENT_LANGUAGE = "en"


# ----------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("text", "code"), [(SPANISH, "es"), (FRENCH, "fr"), (GERMAN, "de"), (ARABIC, "ar")]
)
def test_the_language_of_a_text_is_detected(text, code):
    assert languages.detect(text) == code
    assert languages.detect_or_default(text) == code


def test_an_english_text_stays_english():
    assert languages.detect(ENGLISH) == "en"


@pytest.mark.parametrize("text", ["Regards,", "Kay Mann 08/16/2000 12:05 PM", "   ", ""])
def test_too_short_a_text_is_not_detected_and_takes_the_setting(text, settings):
    assert languages.detect(text) == ""
    settings.FACTCHECK_CONTENT_LANGUAGE = "es"
    assert languages.detect_or_default(text) == "es"


def test_a_text_half_in_one_language_half_in_another_is_mixed():
    # About as many letters in each: three English sentences, two Spanish ones.
    mixed = ENGLISH + "\n\n" + SPANISH[: SPANISH.index("Según")]
    assert languages.detect(mixed) == ""
    # Mostly English with a short Spanish quote is English.
    assert languages.detect(ENGLISH * 3 + " «La cifra es falsa», dijo el concejal.") == "en"


def test_language_codes_are_normalised_and_checked():
    assert languages.language_normalize(" pt_BR ") == "pt-br"
    assert languages.language_normalize("ES") == "es"
    assert languages.language_normalize("es-ar") == "es-ar"  # a region of a known language
    assert languages.language_normalize("") == ""
    with pytest.raises(ValidationError):
        languages.language_normalize("klingon")
    assert languages.language_name("es") == "Spanish"
    assert languages.language_name("pt-br") == "Brazilian Portuguese"


def test_english_and_spanish_have_a_checkworthiness_model_other_languages_none():
    assert checkworthiness.has_model("en") and checkworthiness.has_model("en-gb")
    assert checkworthiness.has_model("es") and checkworthiness.has_model("es-ar")
    assert not checkworthiness.has_model("de") and not checkworthiness.has_model("")
    with pytest.raises(LookupError):
        checkworthiness.score_sentences(["Hallo."], language="de")
    assert checkworthiness.score_sentences(["It cost 4 dollars."], language="en-us")
    assert checkworthiness.score_sentences(["Costó 4 euros."], language="es")


# ----------------------------------------------------------------------------- ingestion


def test_a_german_text_is_split_but_not_scored():
    analysed = text_analyse(GERMAN_ARTICLE, language="de")
    assert len(analysed) == 4
    assert all(s.score is None and not s.is_claim for s in analysed)
    assert all(GERMAN_ARTICLE[s.start : s.end] == s.text for s in analysed)


def test_a_spanish_text_is_scored_by_the_spanish_model_at_its_own_threshold():
    analysed = text_analyse(SPANISH, language="es")
    assert len(analysed) == 7
    assert all(SPANISH[s.start : s.end] == s.text for s in analysed)
    threshold = checkworthiness.model_for("es").threshold
    expected = checkworthiness.score_sentences([s.text for s in analysed], language="es")
    assert [s.score for s in analysed] == pytest.approx(expected)
    assert [s.is_claim for s in analysed] == [score >= threshold for score in expected]
    by_text = {s.text: s.score for s in analysed}
    # A budget in figures ranks above residents waiting for a library.
    assert (
        by_text[SPANISH[: SPANISH.index(" La alcaldesa")]]
        > by_text["Los vecinos del barrio norte llevan tres años esperando una nueva biblioteca."]
    )


@pytest.mark.django_db
def test_an_english_article_is_detected_scored_and_gets_claims(keyword_scorer):
    article = article_ingest(title="Bus fares", text=ENGLISH).article
    assert article.language == "en"
    assert all(s.score is not None for s in article.sentences.all())
    assert article.claims.count() == 2  # the sentences with a figure (keyword_scorer)
    assert services.article_scoring_note(article) == ""


@pytest.mark.django_db
def test_the_language_given_at_ingestion_wins_over_detection(keyword_scorer):
    article = article_ingest(title="Fares", text=ENGLISH, language="DE").article
    assert article.language == "de"
    assert not article.claims.exists()
    assert set(article.sentences.values_list("score", flat=True)) == {None}
    with pytest.raises(services.IngestError, match="not a language"):
        article_ingest(title="Fares", text=ENGLISH + " Again.", language="xx-nope")


@pytest.mark.django_db
def test_a_spanish_article_end_to_end(client_for, reviewer, editor):
    client = client_for("reviewer")
    response = client.post(
        INGEST,
        {"mode": "paste", "text": SPANISH, "title": "Presupuesto municipal", "confirm": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.language == "es"
    sentences = list(article.sentences.order_by("start"))
    assert len(sentences) == 7
    # Scored by the Spanish model: the sentences at or above its threshold became claims.
    threshold = checkworthiness.model_for("es").threshold
    for sentence in sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.score is not None
        assert (sentence.claim_id is not None) == (sentence.score >= threshold)
    made = list(article.claims.order_by("start"))
    assert made and all(c.origin == Claim.Origin.AUTO for c in made)
    assert all(article.text[c.start : c.end] == c.text for c in made)

    page = client.get(reverse("claims:article_detail", kwargs={"pk": article.pk}))
    html = page.content.decode()
    assert "Not scored" not in html and 'id="not-scored"' not in html
    for claim in made:
        assert claim.text in html

    # The reviewer selects a sentence the model left out.
    left_out = next(s for s in sentences if s.claim_id is None)
    client.post(
        reverse("claims:claim_create", kwargs={"pk": article.pk}),
        {"text": left_out.text, "start": left_out.start, "end": left_out.end},
    )
    claim = Claim.objects.get(article=article, origin=Claim.Origin.SELECTED)
    assert (claim.start, claim.end) == (left_out.start, left_out.end)

    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="La deuda bajó un 20 por ciento, no a la mitad.",
        rationale="Cuentas municipales de 2019 y 2024.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    services.claim_publish(claim=claim, user=editor, version=NO_VERSION_CHECK)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED


@pytest.mark.django_db
def test_the_ingest_form_offers_the_language_and_the_preview_says_it(client_for):
    client = client_for("reviewer")
    assert 'name="language"' in client.get(INGEST).content.decode()
    preview = client.post(INGEST, {"mode": "paste", "text": SPANISH}).content.decode()
    assert 'id="preview-language"' in preview and "Spanish" in preview
    assert "no check-worthiness model" not in preview
    german = client.post(INGEST, {"mode": "paste", "text": GERMAN_ARTICLE}).content.decode()
    assert "no check-worthiness model for German" in german
    # The reviewer's choice travels to "Ingest".
    chosen = client.post(INGEST, {"mode": "paste", "text": SPANISH, "language": "pt"})
    assert '<input type="hidden" name="language" value="pt">' in chosen.content.decode()


@pytest.mark.django_db
def test_a_large_text_queued_as_a_job_keeps_the_chosen_language(settings, keyword_scorer):
    settings.FACTCHECK_INGEST_INLINE_MAX_BYTES = 100
    job = services.article_ingest_submit(title="Groß", text=ENGLISH, language="de")
    assert job.language == "de"
    services.ingest_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.article.language == "de" and not job.article.claims.exists()


@pytest.mark.django_db
def test_the_extract_claims_command_detects_and_does_not_score_german(tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "nachricht.txt"
    path.write_text(GERMAN_ARTICLE, encoding="utf-8")
    call_command("extract_claims", str(path), "--format", "json")
    out, err = capsys.readouterr()
    assert "language: de (detected" in err and "not scored" in err
    assert '"score": null' in out
    # Spanish is scored by its own model.
    path.write_text(SPANISH, encoding="utf-8")
    call_command("extract_claims", str(path), "--format", "json")
    out, err = capsys.readouterr()
    assert "language: es (detected" in err and "not scored" not in err
    assert '"score": null' not in out


# ----------------------------------------------------------------------- editing the language


def _details(client, article, **extra):
    data = {"version": article.version, **extra}
    return client.post(reverse("claims:article_reader_details", kwargs={"pk": article.pk}), data)


@pytest.mark.django_db
def test_changing_the_language_of_an_article_with_no_claims_splits_and_scores_again(
    client_for, keyword_scorer
):
    # English text ingested as "de": not scored. A reviewer decides it is English (the
    # scorer here scores any text) and it is split and scored again, with claims.
    article = article_ingest(title="Mixed", text=ENGLISH, language="de").article
    assert not article.claims.exists()
    client = client_for("reviewer")
    response = _details(client, article, language="en")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.language == "en" and article.version == 2
    assert article.claims.count() == 2
    assert all(s.score is not None for s in article.sentences.all())
    event = AuditEvent.objects.get(action="claims.article.language_changed")
    assert event.changes["language"] == ["de", "en"]
    assert event.changes["sentences"] == "split_again"


@pytest.mark.django_db
def test_changing_the_language_once_claims_exist_keeps_the_sentences(keyword_scorer, reviewer):
    article = article_ingest(title="Fares", text=ENGLISH).article
    before = list(article.sentences.order_by("start").values_list("pk", "start", "end"))
    claims = list(article.claims.order_by("start"))
    assert claims and all(c.checkworthiness == 0.9 for c in claims)

    services.article_reader_details_update(
        article=article, user=reviewer, topics=[], language="de", version=article.version
    )
    article.refresh_from_db()
    assert article.language == "de"
    assert list(article.sentences.order_by("start").values_list("pk", "start", "end")) == before
    assert set(article.sentences.values_list("score", flat=True)) == {None}
    assert set(article.claims.values_list("checkworthiness", flat=True)) == {None}
    assert services.article_scoring_note(article).startswith("Not scored")

    # And back: scored again, the claims take their sentence's score.
    services.article_reader_details_update(
        article=article, user=reviewer, topics=[], language="en", version=article.version
    )
    assert set(article.claims.values_list("checkworthiness", flat=True)) == {0.9}
    assert None not in set(article.sentences.values_list("score", flat=True))


@pytest.mark.django_db
def test_a_stale_language_change_is_refused(client_for):
    article = ArticleFactory(language="en")
    client = client_for("reviewer")
    stale = article.version
    assert _details(client, article, language="fr").status_code == 302
    article.version = stale
    response = _details(client, article, language="de")
    assert response.status_code == 409
    assert Article.objects.get(pk=article.pk).language == "fr"


@pytest.mark.django_db
def test_the_details_form_without_a_language_leaves_it_alone(client_for):
    article = ArticleFactory(language="es")
    response = _details(client_for("reviewer"), article, may_republish="on")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.language == "es" and article.may_republish


@pytest.mark.django_db
def test_a_wrong_language_is_refused_with_a_message(client_for):
    article = ArticleFactory(language="en")
    response = _details(client_for("reviewer"), article, language="xx-nope")
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).language == "en"


# ------------------------------------------------------------------------ the queue and NULL


@pytest.mark.django_db
def test_unscored_claims_sort_after_scored_ones_both_ways(client_for):
    low = ClaimFactory(checkworthiness=0.2)
    high = ClaimFactory(checkworthiness=0.8)
    unscored = ClaimFactory(checkworthiness=None)
    client = client_for("reviewer")
    queue = reverse("claims:claim_queue")

    def order(o):
        html = client.get(f"{queue}?o={o}&status=").content.decode()
        return sorted(
            (low, high, unscored), key=lambda c: html.index(f'href="/review/claims/{c.pk}/"')
        )

    assert order("-score") == [high, low, unscored]
    assert order("score") == [low, high, unscored]
    # A score range leaves the unscored ones out.
    html = client.get(f"{queue}?score_min=0.1&status=").content.decode()
    assert f'href="/review/claims/{unscored.pk}/"' not in html
    assert ArticleSentence.objects.count() == 0


@pytest.mark.django_db
def test_a_tag_off_the_list_is_shown_selected_and_saves_again(client_for):
    article = ArticleFactory(language="es-ar")  # a region given through the API
    client = client_for("reviewer")
    html = client.get(reverse("claims:article_detail", kwargs={"pk": article.pk})).content
    assert '<option value="es-ar" selected>Spanish (AR)</option>' in html.decode()
    assert _details(client, article, language="es-ar", may_republish="on").status_code == 302
    article.refresh_from_db()
    assert article.language == "es-ar" and article.may_republish


# ---------------------------------------------------------------------------- the migration


@pytest.mark.django_db(transaction=True)
def test_articles_stored_before_the_migration_are_english(at_latest):
    from tests.migrations import migrate_to

    old = migrate_to([("claims", "0022_claim_earlier_check")]).get_model("claims", "Article")
    row = old.objects.create(title="Old", slug="old", text="It rained.", content_hash="x" * 64)
    new = migrate_to([("claims", "0023_article_language")]).get_model("claims", "Article")
    assert new.objects.get(pk=row.pk).language == "en"
    assert new._meta.get_field("language").default == ""


@pytest.mark.django_db(transaction=True)
def test_migrating_back_refuses_while_sentences_are_unscored(at_latest):
    from tests.migrations import migrate_to

    article = article_ingest(title="Stadtrat", text=GERMAN_ARTICLE).article
    assert article.sentences.filter(score__isnull=True).exists()
    with pytest.raises(RuntimeError, match="not scored"):
        migrate_to([("claims", "0022_claim_earlier_check")])
