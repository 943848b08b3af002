"""``{% checked_before claim as candidates %}``: the claim page's "Checked before" panel
(``claims/_checked_before.html``): earlier checks of the claim's wording, the desk's own and
other organisations' (``claims.matching``), each marked ``is_evidence`` when it is already
evidence on the claim; ``warming`` while this process builds its index.
"""

from __future__ import annotations

import logging

from django import template
from django.db import DatabaseError

from claims.matching import matches_for_claim

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def checked_before(claim, limit: int = 5):
    try:
        candidates = matches_for_claim(claim, limit=limit)
    except DatabaseError:  # the panel is help, never the reason the page fails
        logger.exception("checked-before candidates for claim %s", claim.pk)
        return {"candidates": [], "warming": False}
    if candidates is None:  # the index is being built (a large collection, first use)
        return {"candidates": [], "warming": True}
    used = set(claim.evidence.values_list("link__url", flat=True))
    for candidate in candidates:
        candidate.is_evidence = candidate.url in used or candidate.url.rstrip("/") in {
            url.rstrip("/") for url in used
        }
    return {"candidates": candidates, "warming": False}
