"""Audit events: every change to a claim, its evidence, notes or verdicts writes one."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models

from claims.models import Article, AuditEvent, Claim, RatingLevel

_FOREIGN_KEYS = ["actor", "claim", "article", "target_type"]

# What each action code means, as shown in the history timeline ("<who> <label>").
ACTION_LABELS = {
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
    # Written by the link checker (sources.services); the actor is empty for checks.
    "sources.evidence.at_risk": "flagged evidence at risk: a link died or moved to another site",
    "sources.evidence.recovered": "cleared the evidence-at-risk flag",
    "sources.link.state_changed": "recorded a change of link state",
    "sources.link.overridden": "overrode a link's state",
    "sources.link.override_cleared": "cleared a link's override",
    "sources.link.check_requested": "asked for a link check",
    "sources.link.archived_copy_found": "found an archived copy of a link",
    # The sources registry (sources.services.registry, .importing); target = the source.
    "sources.source.created": "registered a source",
    "sources.source.updated": "changed a source",
    "sources.source.domains_changed": "changed a source's domains",
    "sources.source.rating_changed": "changed a source's reliability rating",
    "sources.source.deleted": "deleted a source",
    "sources.source.imported": "imported sources from a CSV file",
    # Rating scales (claims.services.scales); the target is the scale or level.
    "claims.scale.activated": "made a rating scale the active one",
    "claims.scale.deleted": "deleted a rating scale",
    "claims.rating_level.deactivated": "deactivated a rating level",
    "claims.rating_level.reactivated": "reactivated a rating level",
    "claims.rating_level.deleted": "deleted a rating level",
    # The team (desk.services); the target is the user concerned.
    "desk.user.invited": "invited a user",
    "desk.user.invitation_resent": "sent a new invitation link",
    "desk.user.invitation_accepted": "accepted the invitation and chose a password",
    "desk.user.password_reset": "reset their password with an e-mailed link",
    "desk.user.role_changed": "changed a user's role",
    "desk.user.deactivated": "deactivated a user",
    "desk.user.reactivated": "reactivated a user",
}


def _plain(value):
    """A JSON-friendly form of a field value (model rows become their primary key)."""
    if isinstance(value, RatingLevel):
        return value.label
    if hasattr(value, "get_username"):
        return value.get_username()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in after
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def audit_record(
    *,
    actor,
    action: str,
    claim: Claim | None = None,
    article: Article | None = None,
    target: models.Model | None = None,
    changes: dict | None = None,
    message: str = "",
) -> AuditEvent:
    """Write one event (inside the caller's transaction: it commits or rolls back with it)."""
    event = AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        claim=claim,
        article_id=article.pk if article is not None else getattr(claim, "article_id", None),
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        changes={key: _plain(value) for key, value in (changes or {}).items()},
        message=message,
    )
    # The related rows exist (the database checks the keys): skip a query per foreign key.
    event.full_clean(exclude=_FOREIGN_KEYS)
    event.save()
    return event


def audit_record_many(events: list[AuditEvent]) -> None:
    """Bulk actions (bulk assign) write their events in one statement."""
    for event in events:
        event.full_clean(exclude=_FOREIGN_KEYS)
    AuditEvent.objects.bulk_create(events)
