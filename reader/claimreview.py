"""schema.org ClaimReview for published verdicts, as JSON-LD.

Embedded in every public claim page (``<script type="application/ld+json">``: data, not
script, so the CSP's ``script-src 'self'`` does not apply to crawlers reading it) and written
by ``manage.py export_claimreview`` for fact-check aggregators.

Ratings on the true/false line carry ``ratingValue`` with the scale's ``bestRating`` and
``worstRating``; a rating off that line (Unsupported, Satire/Opinion: their value sits below
the worst) has no place on it, so it is given by ``alternateName`` alone.

The reviewed ``Claim`` names its claimant as ``author`` (a Person or Organization, with
``sameAs`` its own page and Wikidata entry) and never the reporter of the article it was
found in; its ``appearance`` lists every place it was made (an article by its original
address, else its page here, with the article's ``inLanguage`` when known),
``firstAppearance`` the earliest dated, and ``datePublished`` that date. The review's
``inLanguage`` is the language of the claim's article (``review_language``).

Every published review at once (``published_reviews``) is what the site-wide feed
(``/feeds/claimreview.json``, a schema.org ``DataFeed``: ``claim_review_feed``) and
``manage.py export_claimreview`` write: the same objects the claim pages embed, read
``CHUNK`` claims at a time in three queries each (the claims, their public versions, their
appearances), plus one for the scales' bounds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from claims.languages import content_language
from claims.models import Appearance, Claim, Claimant, Verdict
from reader.selectors import (
    article_path,
    claim_appearances,
    claim_path,
    claim_review_rows,
    first_appearance,
    scale_bounds,
)

# As Django's ``json_script``: nothing in the data can close the script element or start
# markup, whatever reviewers or articles wrote.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


def _claimant(claimant: Claimant) -> dict:
    kind = "Person" if claimant.kind == Claimant.Kind.PERSON else "Organization"
    author = {"@type": kind, "name": claimant.name}
    if claimant.description:
        author["description"] = claimant.description
    same_as = claimant.same_as
    if same_as:
        author["sameAs"] = same_as[0] if len(same_as) == 1 else same_as
    return author


def review_language(claim: Claim) -> str:
    """The review's ``inLanguage``: the language of the claim's article (as a reviewer set or
    ingestion detected it), else FACTCHECK_CONTENT_LANGUAGE (a claim entered without an
    article, or an article whose language is unknown)."""
    article = claim.article if claim.article_id else None
    return (article.language if article is not None else "") or content_language()


def _creative_work(appearance: Appearance, base: str) -> dict:
    """One appearance as a ``CreativeWork`` (an article's original address when it has one,
    else its public page here; a web page's address; what was said, described)."""
    work = {"@type": "CreativeWork"}
    if appearance.kind == Appearance.Kind.ARTICLE:
        article = appearance.article
        work["headline"] = article.title
        work["url"] = article.url or f"{base}{article_path(article)}"
        if article.language:
            work["inLanguage"] = article.language
    elif appearance.kind == Appearance.Kind.WEB:
        work["url"] = appearance.url
    elif appearance.kind == Appearance.Kind.SPOKEN:
        said = appearance.get_medium_display()
        if appearance.programme:
            said += f": {appearance.programme}"
        if appearance.timestamp:
            said += f" ({appearance.timestamp})"
        work["name"] = said
    if appearance.description:
        work["description"] = appearance.description
    if appearance.date is not None:
        work["datePublished"] = appearance.date.isoformat()
    return work


def claim_review(
    *,
    claim: Claim,
    verdict: Verdict,
    first_published: datetime | None,
    claim_url: str,
    site_url: str,
    bounds: tuple[int, int] | None,
    appearances: list[Appearance] | None = None,
) -> dict:
    """The ClaimReview of ``claim``'s published ``verdict`` (absolute ``claim_url``)."""
    level = verdict.rating
    rating = {"@type": "Rating"}
    if bounds is not None and bounds[1] <= level.value <= bounds[0]:
        rating.update(ratingValue=level.value, bestRating=bounds[0], worstRating=bounds[1])
    # ``alternateName`` is what aggregators show; ``name`` repeats it (Google lists both).
    rating.update(alternateName=level.label, name=level.label, ratingExplanation=verdict.summary)

    if appearances is None:
        appearances = claim_appearances(claim)
    base = site_url.rstrip("/")
    works = [_creative_work(a, base) for a in appearances]
    item = {"@type": "Claim"}
    # Who made the claim: its claimant. The article's reporter reported it and is not named
    # as its author; with no claimant known, there is no author (issue 15).
    if claim.claimant_id:
        item["author"] = _claimant(claim.claimant)
    item["appearance"] = works
    first = first_appearance(appearances)
    if first is not None:
        item["firstAppearance"] = works[appearances.index(first)]
        item["datePublished"] = first.date.isoformat()
    elif works:
        item["firstAppearance"] = works[0]

    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": claim_url,
        # The wording this version checked, not the article's current sentence: a later
        # revision of the article never rewords a published review (docs §3a).
        "claimReviewed": verdict.checked_text or claim.text,
        "itemReviewed": item,
        "reviewRating": rating,
        "author": {
            "@type": "Organization",
            "name": settings.FACTCHECK_ORGANISATION,
            "url": site_url.rstrip("/") + "/",
        },
        "datePublished": _date(first_published or verdict.published_at),
        "inLanguage": review_language(claim),
    }
    if verdict.number > 1:
        review["dateModified"] = _date(verdict.published_at)
    return review


def json_ld(data) -> SafeString:
    """``data`` as JSON safe to place between ``<script type="application/ld+json">`` tags."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None)
    return mark_safe(text.translate(_ESCAPES))  # noqa: S308 - <, > and & escaped just above


# Claims read per round of queries when every published review is written.
CHUNK = 1000


def published_reviews(*, user, base_url: str) -> Iterator[tuple[dict, datetime]]:
    """Every published review (each claim's current version, as its page embeds it, at
    ``base_url``), in claim order, with when the claim's latest version was published."""
    base = base_url.rstrip("/")
    bounds = scale_bounds(user=user)
    for claim in claim_review_rows(user=user).iterator(chunk_size=CHUNK):
        versions = claim.public_versions
        current = next((v for v in versions if v.state == Verdict.State.PUBLISHED), None)
        if current is None:
            continue
        review = claim_review(
            claim=claim,
            verdict=current,
            first_published=min(v.published_at for v in versions),
            claim_url=f"{base}{claim_path(claim)}",
            site_url=f"{base}/",
            bounds=bounds.get(current.rating.scale_id),
        )
        yield review, max(v.published_at for v in versions)


def _json(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


def claim_review_feed(*, user, base_url: str) -> str:
    """Every published review as one schema.org ``DataFeed`` (JSON-LD text): its
    ``dataFeedElement`` the ClaimReviews, its ``dateModified`` the latest publication (none
    while nothing is published: an empty feed). Written piece by piece, never as one tree."""
    parts: list[str] = []
    latest: datetime | None = None
    for review, published in published_reviews(user=user, base_url=base_url):
        parts.append(_json(review))
        latest = published if latest is None or published > latest else latest
    head = '{"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": ['
    tail = "]"
    if latest is not None:
        tail += ', "dateModified": ' + _json(latest.astimezone(UTC).isoformat(timespec="seconds"))
    return head + ",\n".join(parts) + tail + "}\n"
