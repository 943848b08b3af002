"""The desk's pages about itself (about, methodology, corrections policy): their addresses
and the starting text a new site shows until an admin rewrites it (``reader.SitePage``,
seeded by migration ``reader.0001``; a page whose row is missing shows this text too).

The methodology page's body may hold the line ``{rating-scale}``: the active scale's levels
and their definitions, read live from the claims app's ``RatingLevel``, are shown there (at
the end of the page when the line is missing), under the ``#rating-scale`` anchor that every
fact-check's "How we rate claims" link points to.
"""

from __future__ import annotations

ABOUT, METHODOLOGY, CORRECTIONS_POLICY = "about", "methodology", "corrections-policy"
SLUGS = (ABOUT, METHODOLOGY, CORRECTIONS_POLICY)
RATING_SCALE_MARKER = "{rating-scale}"
RATING_SCALE_ANCHOR = "rating-scale"

_DRAFT_NOTE = (
    "> **Starting text: the desk's to edit.** This page was written when the site was set up "
    "and has not been rewritten by the desk yet. Admins edit it in the admin "
    "(Reader site, Site pages)."
)

DEFAULTS: dict[str, dict[str, str]] = {
    ABOUT: {
        "title": "About us",
        "body": f"""{_DRAFT_NOTE}

We are an independent fact-checking desk. We check claims made in published articles
and public statements, show the evidence we relied on, and say plainly how sure we are.

## What we do

We read articles and statements of public interest, pick out claims that can be checked
against evidence, and publish a rating for each claim we check, with a summary, our
reasoning and every source we used. Each fact-check links back to where the claim
appeared.

## Ownership and funding

Say here who owns the desk, who funds it (every funder giving more than a small share of
the yearly budget, by name), and how editorial independence from owners and funders is
protected. No funder sees a fact-check before it is published or has any say in what we
check.

## Contact and right of reply

If we checked something you said or published, you may reply: write to the desk with the
address of the fact-check and what you think we got wrong, with your evidence. We answer
every reply, and a reply that changes our rating is published as a correction (see our
corrections policy).

Contact: write the desk's e-mail address and postal address here.
""",
    },
    METHODOLOGY: {
        "title": "How we check claims",
        "body": f"""{_DRAFT_NOTE}

## How claims are chosen

We look for statements of fact that matter to the public and can be checked against
evidence: figures, events, quotes, records. We do not rate opinions, predictions or
matters of taste. Software suggests which sentences of an article look checkable; a
reviewer decides. We check claims whoever made them, and try to balance what we check
across the people and parties in the news.

## How evidence is weighed

We prefer primary sources (official statistics, court records, the original document or
recording) to reports about them, and several independent sources to one. Each piece of
evidence is shown with the passage we relied on and whether it supports the claim,
refutes it or gives context. We say when the evidence is thin. When a page we cite
disappears, we link to an archived copy.

## How we rate claims

Every verdict uses one rating from the scale below. The rating is about the claim as it
was made, in its context, not about the person who made it.

{RATING_SCALE_MARKER}

## The four-eyes rule

No fact-check is published by the person who wrote it. A reviewer drafts the verdict and
gathers the evidence; a second, senior editor who did not write or change it must approve
it before it appears here. Every step is recorded, and each fact-check shows when it was
checked, approved and published.
""",
    },
    CORRECTIONS_POLICY: {
        "title": "Corrections policy",
        "body": f"""{_DRAFT_NOTE}

We make mistakes, and we correct them openly.

## How we correct

A published fact-check is never edited quietly. When we change a rating, a summary or the
evidence, we publish a new version of the fact-check with a note saying what changed and
why; the earlier versions stay visible on the fact-check's page. Every correction is
listed on our corrections page and in the corrections feed.

## Asking for a correction

Anyone may ask for a correction: write to the desk with the address of the fact-check,
what you believe is wrong, and your evidence. A reviewer who did not write the
fact-check looks at the request, and a correction goes through the same four-eyes
approval as the original. We aim to answer within five working days.

## Small fixes

Spelling and typing errors that change no fact may be fixed without a correction note.
""",
    },
}
