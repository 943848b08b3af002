"""What the claims app tells the apps above it (the reader site).

``published_changed``
    ``sender=Claim, claim_ids=[...], article_ids=[...]``: what readers see of these claims
    and articles changed (a verdict published or corrected, an article's topics or publisher
    changed, the health of a published claim's evidence). Sent inside the transaction of the
    change; the reader site refreshes those pages and the lists once it commits, and renders
    them ahead of readers.

Changes every public page may show (rating scales, topics, names) go through
``factcheck.lib.published.site_changed`` instead.
"""

from __future__ import annotations

from django.dispatch import Signal

published_changed = Signal()


def published_pages_changed(*, claim_ids=(), article_ids=()) -> None:
    """Tell the listeners (the reader site) that these claims' and articles' public pages,
    and the lists, changed."""
    published_changed.send(
        sender=None, claim_ids=sorted(set(claim_ids)), article_ids=sorted(set(article_ids))
    )
