"""An article's language after ingestion: whether it is scored, and changing it.

Ingestion detects the language (``claims.services.ingest``); a reviewer may correct it on the
article's page (the reader-details form, with the article's version) or choose it when
ingesting. An article whose language has no check-worthiness model (English, Spanish and
Arabic have one: ``claims.nlp.checkworthiness.MODEL_PATHS``) is **not scored**: its sentences
have no score, no automatic claim is made, and the review page lists every sentence for
manual triage.

What a change of language does (:func:`article_language_apply`):

* **No claim on the article yet** (none automatic, promoted or selected): the text is split
  again with the new language's rules and scored with its model, as ingestion would have
  done: the sentences are replaced, and with a model the sentences at or above the threshold
  become automatic claims (capped as at ingestion) and the cited links are given to them.
* **Claims exist**: reviewers may have worked on them, so the sentences and claims stay as
  they are; only the scoring follows the language: with a model the sentences are scored
  again (and the automatic and promoted claims take the new score of their sentence),
  without one every score is cleared (NULL: the article is "not scored").
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from claims import languages
from claims.models import Article, ArticleSentence, CitedLink, Claim
from claims.nlp.markers import claim_span
from claims.text_search import claims_follow_language
from factcheck.lib.bulk import rows_insert, rows_update

__all__ = [
    "article_is_scored",
    "article_language_apply",
    "article_scoring_note",
]


def article_is_scored(article: Article) -> bool:
    """Whether the article's sentences are scored: a check-worthiness model covers its
    language."""
    from claims import nlp

    return nlp.has_model(article.language)


def article_scoring_note(article: Article) -> str:
    """Why the article is not scored ("Not scored: no check-worthiness model for Spanish"),
    or ``""`` when it is."""
    if article_is_scored(article):
        return ""
    if not article.language:
        return str(
            gettext_lazy(
                "Not scored: the article's language is unknown, so no check-worthiness "
                "model applies"
            )
        )
    return str(
        gettext_lazy("Not scored: no check-worthiness model for %(language)s")
        % {"language": languages.language_name(article.language)}
    )


def article_language_apply(*, article: Article, language: str, user) -> dict:
    """Set ``article.language`` and bring its sentences in line (see the module's doc).

    Called inside the caller's transaction with ``article`` locked (``select_for_update``)
    and its version checked; saves the language but not the version. Returns the changes to
    record (``{}`` when the language is the same); raises ``ValidationError`` for a language
    that is not one."""
    from claims.services.ingest import text_analyse

    try:
        language = languages.language_normalize(language)
    except ValidationError as exc:
        raise ValidationError({"language": exc.messages}) from None
    before = article.language
    if language == before:
        return {}
    article.language = language
    article.save(update_fields=["language", "updated_at"])
    claims_follow_language(article)  # their text search configuration (claims.text_search)
    has_claims = Claim.objects.filter(article=article).exists()
    if not has_claims:
        analysed = text_analyse(article.text, language=language)
        created = _resplit(article, analysed, user=user)
        effect = "split_again"
        extra = {"claims_created": created} if created else {}
    else:
        effect = _rescore(article, language)
        extra = {}
    changes = {"language": [before, language], "sentences": effect, **extra}
    audit_record(
        actor=user,
        action="claims.article.language_changed",
        article=article,
        target=article,
        changes=changes,
    )
    return changes


def _resplit(article: Article, analysed: list, *, user) -> int:
    """Replace the sentences of an article that has no claim; make the automatic claims
    (with a model). Returns how many claims were made."""
    from claims.services.claimants import primary_appearances_insert
    from claims.services.creation import claim_place
    from claims.services.ingest import (
        _claim_for_link,
        _sentence_rows,
        _validated_claim,
        ingest_batch_rows,
        max_claims_per_article,
    )

    ArticleSentence.objects.filter(article=article).delete()
    rows = _sentence_rows(article, analysed)
    wanted = [i for i, sentence in enumerate(analysed) if sentence.is_claim]
    chosen = sorted(wanted, key=lambda i: (-analysed[i].score, analysed[i].start))
    chosen = set(chosen[: max_claims_per_article()])
    new_claims = []
    for i in sorted(chosen):
        sentence = analysed[i]
        claim = claim_place(
            Claim(origin=Claim.Origin.AUTO, checkworthiness=sentence.score),
            article=article,
            start=claim_span(article.text, sentence.start, sentence.end)[0],
            end=sentence.end,
        )
        rows[i].claim = _validated_claim(claim, article)
        new_claims.append(claim)
    rows_insert(Claim, new_claims)
    for row in rows:
        if row.claim is not None:
            row.claim_id = row.claim.pk
    ArticleSentence.objects.bulk_create(rows, batch_size=ingest_batch_rows())
    Article.objects.filter(pk=article.pk).update(sentences_over_cap=len(wanted) - len(chosen))
    article.sentences_over_cap = len(wanted) - len(chosen)
    if not new_claims:
        return 0
    primary_appearances_insert(article)
    # The cited links sitting in (or citing) a new claim become its, as at ingestion.
    starts = [row.start for row in rows]
    claims = sorted(new_claims, key=lambda c: (c.start, c.pk))
    cited = list(CitedLink.objects.filter(article=article, claim__isnull=True))
    for link in cited:
        link.claim = _claim_for_link(article.text, link.start, link.end, rows, starts, claims)
    rows_update(CitedLink, [link for link in cited if link.claim is not None], ["claim"])
    from claims.services.proposals import appearance_proposals_enqueue_on_commit

    appearance_proposals_enqueue_on_commit(article_id=article.pk)
    return len(new_claims)


def _rescore(article: Article, language: str) -> str:
    """Score the kept sentences with the model of ``language``, or clear their scores when
    it has none; automatic and promoted claims follow their sentence. Returns what was done
    (``"scored_again"`` or ``"scores_cleared"``)."""
    from claims import nlp

    scored = (Claim.Origin.AUTO, Claim.Origin.PROMOTED)
    if not nlp.has_model(language):
        ArticleSentence.objects.filter(article=article).update(score=None)
        Claim.objects.filter(article=article, origin__in=scored).update(checkworthiness=None)
        return "scores_cleared"
    from claims.services.ingest import sentences_score

    sentences = list(ArticleSentence.objects.filter(article=article).order_by("start"))
    scores = sentences_score([s.text for s in sentences], language=language)
    for sentence, score in zip(sentences, scores, strict=True):
        sentence.score = min(1.0, max(0.0, float(score)))
    rows_update(ArticleSentence, sentences, ["score"])
    # A claim's score is that of the first sentence it covers (as when it was made).
    first_score: dict[int, float] = {}
    for sentence in sentences:
        if sentence.claim_id is not None:
            first_score.setdefault(sentence.claim_id, sentence.score)
    claims = list(Claim.objects.filter(article=article, origin__in=scored, pk__in=first_score))
    for claim in claims:
        claim.checkworthiness = first_score[claim.pk]
    rows_update(Claim, claims, ["checkworthiness"])
    return "scored_again"
