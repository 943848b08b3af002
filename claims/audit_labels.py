"""What the claims app's audit action codes mean (registered with ``audit.actions`` in
``ClaimsConfig.ready``). Codes are stored in histories: never rename one."""

from django.utils.translation import gettext_lazy

LABELS = {
    "claims.article.ingested": gettext_lazy("ingested the article"),
    "claims.article.reader_details_changed": gettext_lazy(
        "changed the article's topics, publisher or full-text permission"
    ),
    "claims.article.language_changed": gettext_lazy("changed the article's language"),
    "claims.article.withdrawn": gettext_lazy("withdrew the article (ingested by mistake)"),
    # Written by the scheduled re-fetch (claims.services.refetch), with no actor.
    "claims.article.refetched_changed": gettext_lazy(
        "found the article changed on its site: a new revision"
    ),
    "claims.article.refetched_reverted": gettext_lazy(
        "found the article back to an earlier revision's text"
    ),
    "claims.claim.created": gettext_lazy("created the claim"),
    "claims.claim.assigned": gettext_lazy("changed the assignee"),
    "claims.claim.rated": gettext_lazy("changed the draft rating"),
    "claims.claim.review_started": gettext_lazy("started the review"),
    "claims.claim.submitted": gettext_lazy("submitted the verdict for approval"),
    "claims.claim.returned": gettext_lazy("returned the claim to review"),
    "claims.claim.published": gettext_lazy("published the claim"),
    "claims.claim.dismissed": gettext_lazy("dismissed the claim"),
    "claims.claim.entered": gettext_lazy("entered the claim (not from an article)"),
    "claims.claims_imported": gettext_lazy("imported claims from a CSV file"),
    "claims.cited_link.snapshot_requested": gettext_lazy("asked for a snapshot of a cited page"),
    "claims.claim.reopened": gettext_lazy("reopened the claim"),
    "claims.claim.merged": gettext_lazy("merged a duplicate into the claim"),
    "claims.claim.merged_into": gettext_lazy("merged the claim into another"),
    # Checked wording (claims.services.wording).
    "claims.claim.changed_since_checked": gettext_lazy(
        "found the claim's sentence changed since it was checked"
    ),
    "claims.claim.wording_restored": gettext_lazy(
        "found the checked wording back in a new revision"
    ),
    "claims.claim.change_acknowledged": gettext_lazy(
        "acknowledged the change since the claim was checked"
    ),
    "claims.claim.change_resolved": gettext_lazy(
        "checked the claim's new wording in a new verdict version"
    ),
    # Who said it and where (claims.services.claimants).
    "claims.claim.claimant_changed": gettext_lazy("changed who made the claim"),
    "claims.appearance.added": gettext_lazy("added a place where the claim was made"),
    "claims.appearance.removed": gettext_lazy("removed a place where the claim was made"),
    # "Another appearance of claim #N?" (claims.services.proposals).
    "claims.appearance_proposal.confirmed": gettext_lazy(
        "confirmed another appearance of the claim"
    ),
    "claims.appearance_proposal.kept_separate": gettext_lazy(
        "kept the claim separate from a similar claim in another article"
    ),
    "claims.claimant.created": gettext_lazy("added a claimant"),
    "claims.claimant.merged": gettext_lazy("merged a duplicate claimant into this one"),
    "claims.claimant.edited": gettext_lazy("edited the claimant in the admin"),
    "claims.evidence.added": gettext_lazy("added evidence"),
    "claims.evidence.moved": gettext_lazy("moved evidence from a duplicate"),
    "claims.evidence.removed": gettext_lazy("removed evidence"),
    "claims.evidence.edited": gettext_lazy("edited evidence"),
    "claims.note.added": gettext_lazy("added a note"),
    "claims.note.moved": gettext_lazy("moved notes from a duplicate"),
    "claims.verdict.drafted": gettext_lazy("drafted a verdict"),
    "claims.verdict.edited": gettext_lazy("edited the verdict"),
    "claims.verdict.submitted": gettext_lazy("submitted the verdict for approval"),
    "claims.verdict.returned": gettext_lazy("returned the verdict to its author"),
    "claims.verdict.published": gettext_lazy("approved and published the verdict"),
    "claims.verdict.superseded": gettext_lazy("superseded the verdict with a correction"),
    "claims.scale.activated": gettext_lazy("made a rating scale the active one"),
    "claims.scale.deleted": gettext_lazy("deleted a rating scale"),
    "claims.rating_level.deactivated": gettext_lazy("deactivated a rating level"),
    "claims.rating_level.reactivated": gettext_lazy("reactivated a rating level"),
    "claims.rating_level.deleted": gettext_lazy("deleted a rating level"),
    # Edits in the Django admin (each with the version it was made from).
    "claims.article.edited": gettext_lazy("edited the article in the admin"),
    "claims.claim.edited": gettext_lazy("edited the claim in the admin"),
    "claims.scale.edited": gettext_lazy("edited a rating scale"),
    "claims.rating_level.edited": gettext_lazy("edited a rating level"),
    "claims.topic.edited": gettext_lazy("edited a topic"),
    # Written when a link's health puts published evidence at risk (claims.services.risk); the
    # codes predate the move from the sources app and stay as histories store them.
    "sources.evidence.at_risk": gettext_lazy(
        "flagged evidence at risk: a link died or moved to another site"
    ),
    "sources.evidence.recovered": gettext_lazy("cleared the evidence-at-risk flag"),
    # Other organisations' fact-checks imported from ClaimReview (claims.services.factchecks).
    "claims.external_factcheck.imported": gettext_lazy(
        "imported another organisation's fact-check"
    ),
    "claims.external_factcheck.updated": gettext_lazy(
        "updated an imported fact-check from its publisher"
    ),
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
