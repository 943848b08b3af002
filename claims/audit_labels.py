"""What the claims app's audit action codes mean (registered with ``audit.actions`` in
``ClaimsConfig.ready``). Codes are stored in histories: never rename one."""

LABELS = {
    "claims.article.ingested": "ingested the article",
    "claims.claim.created": "created the claim",
    "claims.claim.assigned": "changed the assignee",
    "claims.claim.rated": "changed the draft rating",
    "claims.claim.review_started": "started the review",
    "claims.claim.submitted": "submitted the verdict for approval",
    "claims.claim.returned": "returned the claim to review",
    "claims.claim.published": "published the claim",
    "claims.claim.dismissed": "dismissed the claim",
    "claims.claim.reopened": "reopened the claim",
    "claims.claim.merged": "merged a duplicate into the claim",
    "claims.claim.merged_into": "merged the claim into another",
    "claims.evidence.added": "added evidence",
    "claims.evidence.moved": "moved evidence from a duplicate",
    "claims.evidence.removed": "removed evidence",
    "claims.evidence.edited": "edited evidence",
    "claims.note.added": "added a note",
    "claims.note.moved": "moved notes from a duplicate",
    "claims.verdict.drafted": "drafted a verdict",
    "claims.verdict.edited": "edited the verdict",
    "claims.verdict.submitted": "submitted the verdict for approval",
    "claims.verdict.returned": "returned the verdict to its author",
    "claims.verdict.published": "approved and published the verdict",
    "claims.verdict.superseded": "superseded the verdict with a correction",
    "claims.scale.activated": "made a rating scale the active one",
    "claims.scale.deleted": "deleted a rating scale",
    "claims.rating_level.deactivated": "deactivated a rating level",
    "claims.rating_level.reactivated": "reactivated a rating level",
    "claims.rating_level.deleted": "deleted a rating level",
    # Written when a link's health puts published evidence at risk (claims.services.risk); the
    # codes predate the move from the sources app and stay as histories store them.
    "sources.evidence.at_risk": "flagged evidence at risk: a link died or moved to another site",
    "sources.evidence.recovered": "cleared the evidence-at-risk flag",
}
