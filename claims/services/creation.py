"""Claims made by reviewers: a scored sentence promoted, or a passage selected in the text
(its offsets checked against the article). ``claim_from_span`` builds every new claim on a
span of an article's text (these and ingestion's automatic ones); ``claim_place`` also moves
a claim to a new revision."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from claims.models import Article, ArticleSentence, CitedLink, Claim
from claims.nlp.markers import claim_span
from claims.nlp.matching import context_around
from claims.services.claimants import primary_appearances_follow
from claims.text_search import search_config_for

__all__ = ["claim_create_from_selection", "claim_promote"]


# ------------------------------------------------------------- a claim on a span of text


def claim_place(claim: Claim, *, article: Article, start: int, end: int) -> Claim:
    """Put ``claim`` on ``article.text[start:end]``: its offsets, its text (the invariant
    ``text == article.text[start:end]``) and the context around it, to re-find it in a later
    revision, and the text search configuration of the article's language. Neither validated
    nor saved: a new claim, or one moved to a new revision."""
    claim.article = article
    claim.search_config = search_config_for(article.language)
    claim.start, claim.end = start, end
    claim.text = article.text[start:end]
    claim.prefix, claim.suffix = context_around(article.text, start, end)
    return claim


def claim_from_span(
    *,
    article: Article,
    start: int,
    end: int,
    origin: str,
    checkworthiness: float | None = None,
) -> Claim:
    """A new claim on ``article.text[start:end]`` (automatic at ingestion, a promoted
    sentence, a reviewer's selection), validated with ``full_clean()`` but not saved."""
    claim = claim_place(
        Claim(origin=origin, checkworthiness=checkworthiness), article=article, start=start, end=end
    )
    claim.full_clean()
    return claim


# ---------------------------------------------------------------- claims by reviewers


def _claim_created(claim: Claim, *, user, message: str) -> Claim:
    """After a reviewer's claim is saved: the cited links in its span that belong to no claim
    become its, it gets its primary appearance, and ``claims.claim.created`` is recorded."""
    primary_appearances_follow([claim])
    CitedLink.objects.filter(
        article=claim.article, claim__isnull=True, start__gte=claim.start, start__lt=claim.end
    ).update(claim=claim)
    audit_record(
        actor=user,
        action="claims.claim.created",
        claim=claim,
        target=claim,
        changes={"origin": claim.origin, "start": claim.start, "end": claim.end},
        message=message,
    )
    return claim


@transaction.atomic
def claim_promote(*, sentence: ArticleSentence, user) -> Claim:
    """Make a scored sentence a claim (reviewer's choice, below the threshold or not)."""
    sentence = (
        ArticleSentence.objects.select_for_update().select_related("article").get(pk=sentence.pk)
    )
    article = sentence.article
    if article.next_revisions.exists():
        raise ValidationError(
            _("A newer revision of this article exists: promote the sentence there instead.")
        )
    if sentence.claim_id is not None:
        raise ValidationError(
            _("This sentence is already claim #%(number)s.") % {"number": sentence.claim_id}
        )
    # A list marker, numbering or heading before the sentence is not part of the claim.
    start, end = claim_span(article.text, sentence.start, sentence.end)
    duplicate = Claim.objects.filter(article=article, start=start, end=end)
    if duplicate.exists():
        raise ValidationError(
            _("This sentence is already claim #%(number)s.") % {"number": duplicate.first().pk}
        )
    claim = claim_from_span(
        article=article,
        start=start,
        end=end,
        origin=Claim.Origin.PROMOTED,
        checkworthiness=sentence.score,
    )
    claim.save()
    sentence.claim = claim
    sentence.save(update_fields=["claim"])
    return _claim_created(claim, user=user, message="Promoted from a scored sentence.")


@transaction.atomic
def claim_create_from_selection(
    *, article: Article, start: int, end: int, text: str, user
) -> Claim:
    """A claim from a passage a reviewer selected: the offsets are checked against the text."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise ValidationError(
            _("The selection's position is missing; select the passage again.")
        ) from None
    if not 0 <= start < end <= len(article.text):
        raise ValidationError(_("The selection is outside the article's text; select it again."))
    if article.text[start:end] != text:
        raise ValidationError(
            _(
                "The selected text does not match the article at that position; reload the "
                "page and select the passage again."
            )
        )
    while start < end and article.text[start].isspace():
        start += 1
    while end > start and article.text[end - 1].isspace():
        end -= 1
    if end <= start:
        raise ValidationError(_("The selection is empty: select some words of the article."))
    start, end = claim_span(article.text, start, end)
    if article.next_revisions.exists():
        raise ValidationError(
            _("A newer revision of this article exists: select the passage there.")
        )
    duplicate = Claim.objects.filter(article=article, start=start, end=end).first()
    if duplicate is not None:
        raise ValidationError(
            _("This passage is already claim #%(number)s (%(status)s).")
            % {"number": duplicate.pk, "status": duplicate.get_status_display()}
        )
    claim = claim_from_span(article=article, start=start, end=end, origin=Claim.Origin.SELECTED)
    claim.save()
    ArticleSentence.objects.filter(
        article=article, claim__isnull=True, start__gte=start, end__lte=end
    ).update(claim=claim)
    return _claim_created(claim, user=user, message="Selected in the article's text.")
