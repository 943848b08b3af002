"""schema.org ClaimReview for published verdicts, as JSON-LD.

Embedded in every public claim page (``<script type="application/ld+json">``: data, not
script, so the CSP's ``script-src 'self'`` does not apply to crawlers reading it) and written
by ``manage.py export_claimreview`` for fact-check aggregators.

Ratings on the true/false line carry ``ratingValue`` with the scale's ``bestRating`` and
``worstRating``; a rating off that line (Unsupported, Satire/Opinion: their value sits below
the worst) has no place on it, so it is given by ``alternateName`` alone.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from claims.models import Claim, Verdict

# As Django's ``json_script``: nothing in the data can close the script element or start
# markup, whatever reviewers or articles wrote.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


def claim_review(
    *,
    claim: Claim,
    verdict: Verdict,
    first_published: datetime | None,
    claim_url: str,
    site_url: str,
    bounds: tuple[int, int] | None,
) -> dict:
    """The ClaimReview of ``claim``'s published ``verdict`` (absolute ``claim_url``)."""
    level = verdict.rating
    rating = {"@type": "Rating"}
    if bounds is not None and bounds[1] <= level.value <= bounds[0]:
        rating.update(ratingValue=level.value, bestRating=bounds[0], worstRating=bounds[1])
    rating.update(alternateName=level.label, ratingExplanation=verdict.summary)

    article = claim.article
    appearance = {"@type": "CreativeWork", "headline": article.title}
    if article.url:
        appearance["url"] = article.url
    if article.published_at:
        appearance["datePublished"] = _date(article.published_at)
    item = {"@type": "Claim", "appearance": appearance}
    if article.author:
        item["author"] = {"@type": "Person", "name": article.author}
    elif article.publisher_id:
        item["author"] = {"@type": "Organization", "name": article.publisher.name}
    if article.published_at:
        item["datePublished"] = _date(article.published_at)

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
    }
    if verdict.number > 1:
        review["dateModified"] = _date(verdict.published_at)
    return review


def json_ld(data) -> SafeString:
    """``data`` as JSON safe to place between ``<script type="application/ld+json">`` tags."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None)
    return mark_safe(text.translate(_ESCAPES))  # noqa: S308 - <, > and & escaped just above
