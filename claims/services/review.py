"""The claim workflow ``new -> in_review -> awaiting_approval -> published`` (plus
``dismissed``), and merging duplicates. Each transition is a service with its rules.

``claim_publish`` is the only way a verdict is published (the admin shows verdicts read-only;
``seed_demo`` publishes through it); its four-eyes rule is in ``contributors.py``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from claims.models import Article, Claim, Evidence, Verdict
from claims.services.common import (
    PUBLISH_PERMISSION,
    REVIEW_PERMISSION,
    claim_save,
    claim_touch,
    locked_claim,
    require,
    snapshot,
    verdict_change_record,
)
from claims.services.contributors import (
    four_eyes_refusal,
    verdict_contributions,
    verdict_contributors_refresh,
    verdict_contributors_store,
)
from claims.services.evidence import evidence_locked
from claims.services.reader import reader_pages_changed
from claims.services.verdicts import verdict_save
from factcheck.lib.versions import NO_VERSION_CHECK, Version

__all__ = [
    "claim_dismiss",
    "claim_merge",
    "claim_publish",
    "claim_reopen",
    "claim_return_to_review",
    "claim_start_review",
    "claim_submit_for_approval",
]

Status = Claim.Status


# --------------------------------------------------------------------------- workflow


def _open_verdict(claim: Claim) -> Verdict | None:
    return (
        claim.verdicts.select_for_update(of=("self",))
        .filter(state__in=Verdict.OPEN_STATES)
        .select_related("rating", "author")
        .first()
    )


@transaction.atomic
def claim_start_review(*, claim: Claim, user, version: Version) -> Claim:
    """``new -> in_review``; the claim is assigned to the user if it had nobody."""
    require(user, REVIEW_PERMISSION, _("You may not review claims."))
    claim = locked_claim(user, claim, version)
    if claim.status != Status.NEW:
        raise ValidationError(
            _("Only a new claim can be taken into review; this one is %(status)s.")
            % {"status": claim.get_status_display()}
        )
    before = snapshot(claim, "status", "assignee")
    claim.status = Status.IN_REVIEW
    if claim.assignee_id is None:
        claim.assignee = user
    return claim_save(claim, before, user=user, action="claims.claim.review_started")


def _quotes_not_found(claim: Claim) -> list[str]:
    """The links of the claim's evidence whose quoted passage is not on the page (or is
    gone since it was cited), by ``claims.quotes``."""
    from claims.quotes import quote_checks

    evidence = list(Evidence.objects.filter(claim=claim).select_related("link").order_by("id"))
    checks = quote_checks(evidence)
    return [ev.link.url for ev in evidence if ev.pk in checks and checks[ev.pk].is_problem]


@transaction.atomic
def claim_submit_for_approval(
    *, claim: Claim, user, version: Version, quote_reason: str = ""
) -> Claim:
    """``in_review -> awaiting_approval``: needs a drafted verdict, which goes with it.

    On a published claim the draft is a correction: it awaits approval while the published
    verdict stays public. Evidence whose quoted passage is not on its page (or no longer:
    ``claims.quotes``) refuses the submission unless ``quote_reason`` says why it stands
    (recorded in the ``claims.verdict.submitted`` event with the links concerned).
    """
    require(user, REVIEW_PERMISSION, _("You may not submit verdicts."))
    claim = locked_claim(user, claim, version)
    if claim.status not in {Status.IN_REVIEW, Status.PUBLISHED}:
        message = (
            _(
                "A claim that is %(status)s cannot be submitted for approval: take it into "
                "review first."
            )
            if claim.status == Status.NEW
            else _("A claim that is %(status)s cannot be submitted for approval.")
        )
        raise ValidationError(message % {"status": claim.get_status_display()})
    verdict = _open_verdict(claim)
    if verdict is None or verdict.state != Verdict.State.DRAFT:
        raise ValidationError(
            _(
                "Draft a verdict first: a claim goes to approval with its rating, summary and "
                "rationale."
            )
            if verdict is None
            else _("The verdict is already awaiting approval.")
        )
    unverified = _quotes_not_found(claim)
    quote_reason = (quote_reason or "").strip()
    if unverified and not quote_reason:
        raise ValidationError(
            {
                "quote_reason": ValidationError(
                    _(
                        "The quoted passage of the evidence from %(links)s was not found on its "
                        "page: correct the quote, or say why the verdict can go to approval as "
                        "it is."
                    )
                    % {"links": ", ".join(unverified)},
                    code="quote_not_found",
                )
            }
        )
    verdict.state = Verdict.State.AWAITING_APPROVAL
    verdict.submitted_at = timezone.now()
    changes = {"state": [Verdict.State.DRAFT, verdict.state], "number": verdict.number}
    if unverified:
        changes.update(quotes_not_found=unverified, quote_reason=quote_reason)
    verdict_change_record(
        verdict,
        user=user,
        claim=claim,
        action="claims.verdict.submitted",
        changes=changes,
    )
    if claim.status == Status.PUBLISHED:
        return claim_touch(claim)
    before = snapshot(claim, "status")
    claim.status = Status.AWAITING_APPROVAL
    return claim_save(claim, before, user=user, action="claims.claim.submitted")


@transaction.atomic
def claim_return_to_review(*, claim: Claim, user, reason: str = "", version: Version) -> Claim:
    """``awaiting_approval -> in_review``: the verdict goes back to draft for changes."""
    require(user, REVIEW_PERMISSION, _("You may not return verdicts to review."))
    claim = locked_claim(user, claim, version)
    verdict = _open_verdict(claim)
    if verdict is None or verdict.state != Verdict.State.AWAITING_APPROVAL:
        raise ValidationError(_("No verdict of this claim is awaiting approval."))
    verdict.state = Verdict.State.DRAFT
    verdict.submitted_at = None
    reason = (reason or "").strip()
    verdict_change_record(
        verdict,
        user=user,
        claim=claim,
        action="claims.verdict.returned",
        changes={"state": [Verdict.State.AWAITING_APPROVAL, Verdict.State.DRAFT]},
        message=reason,
    )
    if claim.status == Status.PUBLISHED:
        return claim_touch(claim)
    before = snapshot(claim, "status")
    claim.status = Status.IN_REVIEW
    return claim_save(claim, before, user=user, action="claims.claim.returned", message=reason)


@transaction.atomic
def claim_publish(*, claim: Claim, user, version: Version) -> Verdict:
    """Approve the verdict awaiting approval and publish it (``-> published``).

    Only editors may; with four-eyes on (the default) the approver must not be one of the
    version's contributors: its author, or anyone who changed its rating, summary, rationale
    or correction note, or the claim's evidence, since the claim was last published (derived
    again here from the audit log, under the claim's lock, and stored as the version's final
    contributors). A previously published verdict becomes ``superseded``: the new version is
    a correction and carries its public correction note.
    """
    require(user, PUBLISH_PERMISSION, _("You may not approve and publish verdicts."))
    claim = locked_claim(user, claim, version)
    verdict = _open_verdict(claim)
    if verdict is None or verdict.state != Verdict.State.AWAITING_APPROVAL:
        raise ValidationError(_("No verdict of this claim is awaiting approval."))
    if claim.status not in {Status.AWAITING_APPROVAL, Status.PUBLISHED}:
        raise ValidationError(
            _("A claim that is %(status)s cannot be published.")
            % {"status": claim.get_status_display()}
        )
    contributors = verdict_contributors_store(
        verdict, verdict_contributions(claim=claim, verdict=verdict)
    )
    refusal = four_eyes_refusal(verdict=verdict, user=user, contributors=contributors)
    if refusal:
        raise ValidationError(refusal, code="four_eyes")
    if not verdict.rating.scale.is_active:
        raise ValidationError(
            {"rating": _("The verdict's rating is not on the active scale: edit the draft.")}
        )
    now = timezone.now()
    previous = (
        claim.verdicts.select_for_update(of=("self",)).filter(state=Verdict.State.PUBLISHED).first()
    )
    if previous is not None:
        previous.state = Verdict.State.SUPERSEDED
        verdict_change_record(
            previous,
            user=user,
            claim=claim,
            action="claims.verdict.superseded",
            changes={
                "state": [Verdict.State.PUBLISHED, Verdict.State.SUPERSEDED],
                "superseded_by": verdict.number,
            },
        )
    verdict.state = Verdict.State.PUBLISHED
    verdict.approver = user
    verdict.published_at = now
    # Its checked wording is frozen with it (one stored without any checks the claim's text).
    verdict.checked_text = verdict.checked_text or claim.text
    verdict_change_record(
        verdict,
        user=user,
        claim=claim,
        action="claims.verdict.published",
        changes={
            "state": [Verdict.State.AWAITING_APPROVAL, Verdict.State.PUBLISHED],
            "approver": [None, user.get_username()],
            "author": verdict.author.get_username() if verdict.author else None,
            "contributors": sorted(
                get_user_model()
                .objects.filter(pk__in=list(contributors))
                .values_list(get_user_model().USERNAME_FIELD, flat=True)
            ),
            "number": verdict.number,
            "rating": verdict.rating.label,
        },
        message=verdict.correction_note,
    )
    before = snapshot(claim, "status", "rating")
    claim.status = Status.PUBLISHED
    claim.rating = verdict.rating
    claim_save(claim, before, user=user, action="claims.claim.published")
    # A first publication or a correction: readers get fresh pages once this commits.
    reader_pages_changed(claim=claim)
    return verdict


@transaction.atomic
def claim_dismiss(*, claim: Claim, user, reason: str, version: Version) -> Claim:
    """``new | in_review | awaiting_approval -> dismissed``, with a reason.

    A published claim is never dismissed: correct its verdict instead.
    """
    require(user, REVIEW_PERMISSION, _("You may not dismiss claims."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the claim is dismissed.")})
    claim = locked_claim(user, claim, version)
    if claim.status in {Status.PUBLISHED, Status.DISMISSED}:
        raise ValidationError(
            _("A published claim cannot be dismissed: publish a correction instead.")
            if claim.status == Status.PUBLISHED
            else _("The claim is already dismissed.")
        )
    verdict = _open_verdict(claim)
    if verdict is not None and verdict.state == Verdict.State.AWAITING_APPROVAL:
        verdict.state = Verdict.State.DRAFT
        verdict.submitted_at = None
        verdict.version += 1
        verdict.save()
    before = snapshot(claim, "status", "dismissed_reason")
    claim.status = Status.DISMISSED
    claim.dismissed_reason = reason[:2000]
    return claim_save(claim, before, user=user, action="claims.claim.dismissed", message=reason)


@transaction.atomic
def claim_reopen(*, claim: Claim, user, version: Version) -> Claim:
    """``dismissed -> in_review``."""
    require(user, REVIEW_PERMISSION, _("You may not reopen claims."))
    claim = locked_claim(user, claim, version)
    if claim.status != Status.DISMISSED:
        raise ValidationError(_("Only a dismissed claim can be reopened."))
    if Article.objects.filter(pk=claim.article_id, ingest_state=Article.IngestState.WITHDRAWN):
        raise ValidationError(
            _(
                "Its article was withdrawn: the claim stays dismissed (its evidence and notes "
                "are kept for the record)."
            )
        )
    before = snapshot(claim, "status", "dismissed_reason", "duplicate_of")
    claim.status = Status.IN_REVIEW
    claim.dismissed_reason = ""
    claim.duplicate_of = None
    return claim_save(claim, before, user=user, action="claims.claim.reopened")


@transaction.atomic
def claim_merge(*, duplicate: Claim, keep: Claim, user, reason: str, version: Version) -> Claim:
    """Merge ``duplicate`` into ``keep``: its evidence (unless ``keep`` already cites the
    same link) and notes move over, and it is dismissed as a duplicate with the reason.
    ``version`` is the duplicate's (the one edited); the kept claim is not checked.

    A merge into a claim with a published verdict changes a published check (§3a, "Merging
    into a published check"): only an editor may do it, and evidence moved onto it opens a
    correction, a new draft version (the published one's rating, summary and rationale,
    with a correction note the editor finishes) that goes through four-eyes like any other:
    the merging editor is one of its contributors. Until that correction is published,
    readers keep seeing the published version and its evidence (the reader leaves out
    evidence moved or added since the last publication). The returned claim's
    ``opened_correction`` is that draft (``None`` when none was opened)."""
    require(user, REVIEW_PERMISSION, _("You may not merge claims."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why these claims are duplicates.")})
    if duplicate.pk == keep.pk:
        raise ValidationError({"keep": _("A claim cannot be merged into itself.")})
    # Lock both rows in id order so two opposite merges cannot deadlock.
    first, second = sorted([duplicate, keep], key=lambda c: c.pk)
    locked = {
        c.pk: locked_claim(user, c, version if c.pk == duplicate.pk else NO_VERSION_CHECK)
        for c in (first, second)
    }
    duplicate, keep = locked[duplicate.pk], locked[keep.pk]
    if duplicate.status == Status.PUBLISHED:
        raise ValidationError(_("A published claim cannot be merged away: keep it instead."))
    if keep.status == Status.DISMISSED:
        raise ValidationError({"keep": _("The claim to keep is dismissed: reopen it first.")})
    if keep.duplicate_of_id == duplicate.pk:
        raise ValidationError({"keep": _("That claim was itself merged into this one.")})
    published = keep.verdicts.filter(state=Verdict.State.PUBLISHED).select_related("rating")
    published = published.first()
    if published is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise ValidationError(
            {
                "keep": _(
                    "Claim #%(number)s has a published verdict: merging into it changes a "
                    "published check, which only an editor may do (it opens a correction)."
                )
                % {"number": keep.pk}
            }
        )
    taken = set(keep.evidence.values_list("link_id", flat=True))
    movable = list(duplicate.evidence.exclude(link_id__in=taken).values_list("pk", flat=True))
    if movable and evidence_locked(keep):
        # The approver approves the evidence the verdict was submitted with (as evidence_add).
        raise ValidationError(
            {
                "keep": _(
                    "Claim #%(number)s's verdict is awaiting approval: return it to "
                    "review before merging evidence into it."
                )
                % {"number": keep.pk}
            }
        )
    moved_evidence = Evidence.objects.filter(pk__in=movable).update(
        claim=keep, updated_at=timezone.now(), version=F("version") + 1
    )
    moved_notes = duplicate.notes.update(claim=keep)
    if moved_evidence:
        audit_record(
            actor=user,
            action="claims.evidence.moved",
            claim=keep,
            changes={"from_claim": duplicate.pk, "evidence": movable},
        )
        # The kept claim's evidence changed: the merging user (and whoever wrote the moved
        # evidence) may not approve its open verdict, or the next one drafted.
        verdict_contributors_refresh(claim=keep)
    if moved_notes:
        audit_record(
            actor=user,
            action="claims.note.moved",
            claim=keep,
            changes={"from_claim": duplicate.pk, "count": moved_notes},
        )
    verdict = _open_verdict(duplicate)
    if verdict is not None and verdict.state == Verdict.State.AWAITING_APPROVAL:
        verdict.state = Verdict.State.DRAFT
        verdict.version += 1
        verdict.save()
    before = snapshot(duplicate, "status", "dismissed_reason", "duplicate_of")
    duplicate.status = Status.DISMISSED
    duplicate.dismissed_reason = f"Duplicate of claim #{keep.pk}: {reason}"[:2000]
    duplicate.duplicate_of = keep
    claim_save(duplicate, before, user=user, action="claims.claim.merged_into", message=reason)
    correction = None
    if published is not None and moved_evidence and _open_verdict(keep) is None:
        correction = _merge_correction(
            keep=keep, published=published, duplicate=duplicate, user=user
        )
    keep.refresh_from_db(fields=["version"])
    keep.version += 1
    keep.save(update_fields=["version", "updated_at"])
    if published is not None:
        # Nothing readers see changes until the correction is published, but the claim's
        # and article's pages are rendered again rather than trusted to be unaffected.
        reader_pages_changed(claim=keep)
    audit_record(
        actor=user,
        action="claims.claim.merged",
        claim=keep,
        target=keep,
        changes={
            "duplicate": duplicate.pk,
            "evidence_moved": moved_evidence,
            "notes_moved": moved_notes,
            **({"correction": correction.number} if correction is not None else {}),
        },
        message=reason,
    )
    keep.opened_correction = correction
    return keep


def _merge_correction(*, keep: Claim, published: Verdict, duplicate: Claim, user) -> Verdict:
    """The correction a merge opens on a published claim: a draft of the next version that
    says what the published one says, for the editor to revise before submitting it."""
    return verdict_save(
        claim=keep,
        user=user,
        rating=published.rating,
        summary=published.summary,
        rationale=published.rationale,
        correction_note=(
            _("Evidence gathered for a duplicate of this claim was added to this fact-check.")
        ),
        version=NO_VERSION_CHECK,
    )
