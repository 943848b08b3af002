"""What the claims app's audit action codes mean (registered with ``audit.actions`` in
``ClaimsConfig.ready``). Codes are stored in histories: never rename one."""

LABELS = {
    "claims.article.ingested": "ingested the article",
    "claims.article.reader_details_changed": (
        "changed the article's topics, publisher or full-text permission"
    ),
    "claims.article.withdrawn": "withdrew the article (ingested by mistake)",
    # Written by the scheduled re-fetch (claims.services.refetch), with no actor.
    "claims.article.refetched_changed": "found the article changed on its site: a new revision",
    "claims.article.refetched_reverted": "found the article back to an earlier revision's text",
    "claims.claim.created": "created the claim",
    "claims.claim.assigned": "changed the assignee",
    "claims.claim.rated": "changed the draft rating",
    "claims.claim.review_started": "started the review",
    "claims.claim.submitted": "submitted the verdict for approval",
    "claims.claim.returned": "returned the claim to review",
    "claims.claim.published": "published the claim",
    "claims.claim.dismissed": "dismissed the claim",
    "claims.claim.entered": "entered the claim (not from an article)",
    "claims.claims_imported": "imported claims from a CSV file",
    "claims.cited_link.snapshot_requested": "asked for a snapshot of a cited page",
    "claims.claim.reopened": "reopened the claim",
    "claims.claim.merged": "merged a duplicate into the claim",
    "claims.claim.merged_into": "merged the claim into another",
    # Checked wording (claims.services.wording).
    "claims.claim.changed_since_checked": "found the claim's sentence changed since it was checked",
    "claims.claim.wording_restored": "found the checked wording back in a new revision",
    "claims.claim.change_acknowledged": "acknowledged the change since the claim was checked",
    "claims.claim.change_resolved": "checked the claim's new wording in a new verdict version",
    # Who said it and where (claims.services.claimants).
    "claims.claim.claimant_changed": "changed who made the claim",
    "claims.appearance.added": "added a place where the claim was made",
    "claims.appearance.removed": "removed a place where the claim was made",
    # "Another appearance of claim #N?" (claims.services.proposals).
    "claims.appearance_proposal.confirmed": "confirmed another appearance of the claim",
    "claims.appearance_proposal.kept_separate": (
        "kept the claim separate from a similar claim in another article"
    ),
    "claims.claimant.created": "added a claimant",
    "claims.claimant.merged": "merged a duplicate claimant into this one",
    "claims.claimant.edited": "edited the claimant in the admin",
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
    # Edits in the Django admin (each with the version it was made from).
    "claims.article.edited": "edited the article in the admin",
    "claims.claim.edited": "edited the claim in the admin",
    "claims.scale.edited": "edited a rating scale",
    "claims.rating_level.edited": "edited a rating level",
    "claims.topic.edited": "edited a topic",
    # Written when a link's health puts published evidence at risk (claims.services.risk); the
    # codes predate the move from the sources app and stay as histories store them.
    "sources.evidence.at_risk": "flagged evidence at risk: a link died or moved to another site",
    "sources.evidence.recovered": "cleared the evidence-at-risk flag",
    # Other organisations' fact-checks imported from ClaimReview (claims.services.factchecks).
    "claims.external_factcheck.imported": "imported another organisation's fact-check",
    "claims.external_factcheck.updated": "updated an imported fact-check from its publisher",
}

# One action writes the verdict's event and the claim's: the claim's is shown within the
# verdict's entry of a timeline (``audit.actions.register_parts``).
PARTS = {
    "claims.claim.submitted": "claims.verdict.submitted",
    "claims.claim.returned": "claims.verdict.returned",
    "claims.claim.published": "claims.verdict.published",
    "claims.claim.rated": ("claims.verdict.drafted", "claims.verdict.edited"),
}


def value_labels() -> dict[str, dict[str, str]]:
    """What the stored values of a claim's history mean, by change name: a history shows
    "In review → Awaiting approval", never ``in_review → awaiting_approval``."""
    from claims.models import Claim, Evidence, Verdict

    return {
        "status": dict(Claim.Status.choices),
        "state": dict(Verdict.State.choices),
        "stance": dict(Evidence.Stance.choices),
    }
