"""Proposals of "another appearance of claim #N?" on the reviewer pages
(``claims/_appearance_proposal.html``).

- ``{% appearance_proposals_attach claims %}`` (the article page's claims table): sets
  ``claim.open_proposal`` on each claim of the page, from one query;
- ``{% open_appearance_proposal claim as proposal %}`` (the claim page): the claim's open
  proposal, or ``None``.
"""

from __future__ import annotations

from django import template

from claims.services.proposals import appearance_proposals_open

register = template.Library()


@register.simple_tag
def appearance_proposals_attach(claims) -> str:
    claims = list(claims)
    found = appearance_proposals_open(c.pk for c in claims) if claims else {}
    for claim in claims:
        claim.open_proposal = found.get(claim.pk)
    return ""


@register.simple_tag
def open_appearance_proposal(claim):
    if claim is None or claim.pk is None:
        return None
    return appearance_proposals_open([claim.pk]).get(claim.pk)
