"""Verdicts: drafted on the active rating scale, edited under optimistic locking, and
published by ``claim_publish`` (in ``review.py``) after four-eyes approval.

Whoever drafts or edits a version becomes one of its contributors (with the fields they
changed; ``contributors.py``), and so may not approve it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from audit.services import audit_record, diff
from claims.models import Claim, RatingLevel, Verdict
from claims.services.common import (
    REVIEW_PERMISSION,
    claim_save,
    locked_claim,
    require,
    snapshot,
    verdict_change_record,
    who,
)
from claims.services.contributors import verdict_contributors_refresh
from claims.services.errors import Change, ConflictError
from claims.services.wording import claim_change_resolved
from factcheck.lib.versions import NO_VERSION_CHECK, Version, VersionMissing

__all__ = ["active_levels", "offered_levels", "verdict_save"]

_FIELDS = ("rating", "summary", "rationale", "correction_note")
_LABELS = {
    "rating": gettext_lazy("Rating"),
    "summary": gettext_lazy("Summary"),
    "rationale": gettext_lazy("Rationale"),
    "correction_note": gettext_lazy("Correction note"),
}


def active_levels():
    """Every level of the active scale, deactivated ones too (the queue filters by them)."""
    return RatingLevel.objects.filter(scale__is_active=True).order_by("position", "id")


def offered_levels():
    """The levels a verdict may be given: the active scale's active levels."""
    return RatingLevel.objects.offered().order_by("position", "id")


def _shown(name: str, value) -> str:
    if name == "rating":
        return value.label if value is not None else "(none)"
    return str(value or "")


def _verdict_conflict(current: Verdict, submitted: dict) -> ConflictError:
    last = (
        AuditEvent.objects.filter(target_id=current.pk, action__startswith="claims.verdict.")
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    changes = [
        Change(
            name, _LABELS[name], _shown(name, submitted[name]), _shown(name, getattr(current, name))
        )
        for name in _FIELDS
        if _shown(name, submitted[name]) != _shown(name, getattr(current, name))
    ]
    author = who(last.actor) if last is not None else _("Someone")
    when = timezone.localtime(last.created_at) if last is not None else None
    if when:
        message = _(
            "%(author)s saved this verdict at %(time)s after you opened it, so your changes "
            "were not saved. Your text is kept in the form below; compare it with the saved "
            "version, then save again to replace it."
        ) % {"author": author, "time": f"{when:%H:%M:%S}"}
    else:
        message = _(
            "%(author)s saved this verdict after you opened it, so your changes were not "
            "saved. Your text is kept in the form below; compare it with the saved version, "
            "then save again to replace it."
        ) % {"author": author}
    return ConflictError(
        message=message,
        current=current,
        changes=changes,
        by=author,
        at=when,
    )


@transaction.atomic
def verdict_save(
    *,
    claim: Claim,
    user,
    rating: RatingLevel | None,
    summary: str,
    rationale: str,
    correction_note: str = "",
    version: Version,
) -> Verdict:
    """Create the claim's draft verdict, or edit it.

    ``version`` is the draft's lock version the user's form was built from (``0`` for a
    new draft; ``NO_VERSION_CHECK`` for system callers, which edit or draft as they find
    it): if someone saved in between, :class:`ConflictError` says what changed and
    nothing is written. A draft on a claim with a published verdict is a correction: it gets
    the next version number and needs a public correction note. A verdict awaiting approval is
    not edited: it is returned to review first.
    """
    require(user, REVIEW_PERMISSION, _("You may not draft verdicts."))
    if version is None:
        raise VersionMissing("verdict_save needs the draft's version (0 for a new draft).")
    claim = locked_claim(user, claim, NO_VERSION_CHECK)
    if claim.status == Claim.Status.DISMISSED:
        raise ValidationError(_("The claim is dismissed: reopen it to draft a verdict."))
    summary, rationale = (summary or "").strip(), (rationale or "").strip()
    correction_note = (correction_note or "").strip()
    errors = {}
    if rating is None:
        errors["rating"] = _("Choose a rating.")
    elif not RatingLevel.objects.filter(pk=rating.pk, scale__is_active=True).exists():
        errors["rating"] = _("This rating is not on the active rating scale.")
    elif not RatingLevel.objects.offered().filter(pk=rating.pk).exists():
        errors["rating"] = _(
            "“%(rating)s” is no longer offered for verdicts (an admin deactivated it): "
            "choose another rating."
        ) % {"rating": rating.label}
    if errors:
        raise ValidationError(errors)
    submitted = {
        "rating": rating,
        "summary": summary,
        "rationale": rationale,
        "correction_note": correction_note,
    }
    verdict = (
        claim.verdicts.select_for_update(of=("self",))
        .filter(state__in=Verdict.OPEN_STATES)
        .select_related("rating")
        .first()
    )
    if verdict is not None:
        if version is not NO_VERSION_CHECK and int(version) != verdict.version:
            raise _verdict_conflict(verdict, submitted)
        if verdict.state == Verdict.State.AWAITING_APPROVAL:
            raise ValidationError(
                _(
                    "This verdict is awaiting approval and cannot be edited: return it to review "
                    "first."
                )
            )
        before = snapshot(verdict, *_FIELDS, "checked_text")
        for name, value in submitted.items():
            setattr(verdict, name, value)
        if verdict.supersedes_id is not None and not correction_note:
            raise ValidationError(
                {"correction_note": _("Say publicly what this correction changes.")}
            )
        # The version checks the claim's wording as it is now (§3a "Checked wording").
        verdict.checked_text = claim.text
        changes = diff(before, {**submitted, "checked_text": claim.text})
        if not changes:
            return verdict
        verdict_change_record(
            verdict,
            user=user,
            claim=claim,
            action="claims.verdict.edited",
            changes={**changes, "version": [verdict.version, verdict.version + 1]},
        )
    else:
        if version is not NO_VERSION_CHECK and int(version) != 0:
            latest = claim.verdicts.select_related("rating").order_by("-number").first()
            if latest is not None:
                raise _verdict_conflict(latest, submitted)
        published = claim.verdicts.filter(state=Verdict.State.PUBLISHED).first()
        if published is not None and not correction_note:
            raise ValidationError(
                {
                    "correction_note": _(
                        "This claim has a published verdict: a new version is a "
                        "correction, and readers are told what it changes."
                    )
                }
            )
        if published is None:
            correction_note = ""
        number = (claim.verdicts.aggregate(n=Max("number"))["n"] or 0) + 1
        verdict = Verdict(
            claim=claim,
            number=number,
            author=user,
            supersedes=published,
            state=Verdict.State.DRAFT,
            checked_text=claim.text,
            **{**submitted, "correction_note": correction_note},
        )
        verdict.full_clean()
        verdict.save()
        audit_record(
            actor=user,
            action="claims.verdict.drafted",
            claim=claim,
            target=verdict,
            changes={
                **diff({}, {k: getattr(verdict, k) for k in _FIELDS if getattr(verdict, k)}),
                "number": number,
            },
        )
    # The drafter or editor (and, for a new draft, whoever changed the evidence since the
    # last publication) are the version's contributors: none of them may approve it.
    verdict_contributors_refresh(claim=claim, verdict=verdict)
    # A claim changed since checked is resolved by a version that checks its new wording.
    claim_change_resolved(claim=claim, verdict=verdict, user=user)
    if claim.status != Claim.Status.PUBLISHED:
        before = snapshot(claim, "status", "rating")
        if claim.status == Claim.Status.NEW:
            claim.status = Claim.Status.IN_REVIEW
            if claim.assignee_id is None:
                claim.assignee = user
                before["assignee"] = None
        claim.rating = verdict.rating
        if diff(before, snapshot(claim, *before)):
            action = (
                "claims.claim.review_started"
                if before["status"] != claim.status
                else "claims.claim.rated"
            )
            claim_save(claim, before, user=user, action=action)
    return verdict
