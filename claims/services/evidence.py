"""Evidence: a URL (normalised into a watched ``Link``, its ``Source`` found by domain in the
sources registry) with a stance, a quoted passage and a note.

Evidence on a domain no source owns has no source: the domain is listed among the
unregistered domains (``/review/sources/unregistered/``) until an admin registers it, which
attaches the evidence. Evidence records the source's rating current when it was added
(``source_rating``).

Adding, editing or removing evidence changes what the claim's verdict rests on: the acting
user becomes a contributor of the claim's open verdict (``contributors.py``), or of the next
one drafted when there is none, and so may not approve it (four-eyes)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.selectors import last_change
from audit.services import audit_record
from claims.models import Claim, Evidence, Verdict
from claims.services.common import REVIEW_PERMISSION, locked_claim, require, who
from claims.services.contributors import verdict_contributors_refresh
from factcheck.lib.versions import (
    NO_VERSION_CHECK,
    ConflictError,
    Version,
    changes_between,
    conflict_message,
    version_check,
)
from sources.models import Link

__all__ = [
    "EVIDENCE_LOCKED_MESSAGE",
    "evidence_add",
    "evidence_edit",
    "evidence_locked",
    "evidence_remove",
    "link_for_evidence",
]

# Evidence can be taken off a claim while its verdict is being worked on; once the claim
# is awaiting approval or published, what the editor approved (or readers read) stays.
REMOVABLE_WHILE = (Claim.Status.NEW, Claim.Status.IN_REVIEW)

# While a verdict awaits approval the editor approves it with the evidence it was submitted
# with: nothing is added, corrected or taken off until it is returned to review.
EVIDENCE_LOCKED_MESSAGE = gettext_lazy(
    "The verdict is awaiting approval: return it to review to change its evidence."
)


_LOOK_IT_UP = object()


def evidence_locked(claim: Claim, *, open_verdict=_LOOK_IT_UP) -> bool:
    """Whether the claim's evidence is locked: its verdict, or the correction of its published
    one, awaits approval. ``open_verdict``: the claim's open version (``None``: none) when the
    caller has it loaded; else it is looked up."""
    if claim.status == Claim.Status.AWAITING_APPROVAL:
        return True
    if claim.status != Claim.Status.PUBLISHED:
        return False
    if open_verdict is not _LOOK_IT_UP:
        return open_verdict is not None and open_verdict.state == Verdict.State.AWAITING_APPROVAL
    return claim.verdicts.filter(state=Verdict.State.AWAITING_APPROVAL).exists()


def _refuse_if_locked(claim: Claim) -> None:
    if evidence_locked(claim):
        raise ValidationError(EVIDENCE_LOCKED_MESSAGE, code="evidence_locked")


def link_for_evidence(url: str) -> Link:
    """The ``Link`` row for a URL given as evidence (created if new, so the link checker
    watches it). Raises ``ValidationError`` on the ``url`` field for an unusable address."""
    from sources.fetching import InvalidURL, web_address
    from sources.services import link_get_or_create, links_enqueue_on_commit

    if not (url or "").strip():
        raise ValidationError({"url": _("Give the evidence's web address.")})
    try:
        # The fetcher's check of a typed address (odd IP notations, userinfo, length).
        url = web_address(url)
    except InvalidURL as exc:
        raise ValidationError({"url": str(exc)}) from None
    link, created = link_get_or_create(url=url)
    if created:
        # A new link gets its first check soon after the evidence commits.
        links_enqueue_on_commit(link_ids=[link.pk])
    return link


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    user,
    url: str,
    stance: str,
    quote: str = "",
    note: str = "",
) -> Evidence:
    """Attach evidence to a claim. The same link twice on one claim is refused."""
    from sources.registry import source_for_url
    from sources.services.snapshots import snapshot_request

    require(user, REVIEW_PERMISSION, _("You may not add evidence."))
    claim = locked_claim(user, claim, NO_VERSION_CHECK)
    if claim.status == Claim.Status.DISMISSED:
        raise ValidationError(_("The claim is dismissed: reopen it to add evidence."))
    _refuse_if_locked(claim)
    if stance not in Evidence.Stance.values:
        raise ValidationError(
            {"stance": _("Choose whether the evidence supports, refutes or gives context.")}
        )
    link = link_for_evidence(url)
    existing = Evidence.objects.filter(claim=claim, link=link).select_related("added_by").first()
    if existing is not None:
        raise ValidationError(
            {
                "url": _(
                    "This link is already evidence for this claim (added by %(who)s on "
                    "%(date)s): %(url)s"
                )
                % {
                    "who": who(existing.added_by),
                    "date": date_format(timezone.localtime(existing.created_at), "d M Y"),
                    "url": link.url,
                }
            }
        )
    # The registry is the truth (the link's own source is kept equal to it by the registry
    # services; this also mends a link made before its domain was registered).
    source = source_for_url(link.url)
    if link.source_id != (source.pk if source else None):
        Link.objects.filter(pk=link.pk).update(source=source, updated_at=timezone.now())
    rating = source.ratings.order_by("-created_at", "-pk").first() if source else None
    evidence = Evidence(
        claim=claim,
        link=link,
        source=source,
        source_rating=rating,
        stance=stance,
        quote=(quote or "").strip(),
        note=(note or "").strip(),
        added_by=user,
    )
    evidence.full_clean()
    evidence.save()
    # What the page says now, kept: a pending snapshot (its own outbox, swept should the
    # broker be down) whose job is sent once this commits.
    snapshot_request(link=link)
    audit_record(
        actor=user,
        action="claims.evidence.added",
        claim=claim,
        target=evidence,
        changes={
            "url": link.url,
            "stance": stance,
            "source": source.name if source else None,
            "source_rating": rating.rating if rating else None,
        },
    )
    verdict_contributors_refresh(claim=claim)
    claim.version += 1
    claim.save(update_fields=["version", "updated_at"])
    return evidence


_LABELS = {
    "stance": gettext_lazy("Stance"),
    "quote": gettext_lazy("Quoted passage"),
    "note": gettext_lazy("Note"),
}


def _shown(evidence: Evidence) -> dict:
    return {
        "stance": evidence.get_stance_display(),
        "quote": evidence.quote,
        "note": evidence.note,
    }


def _evidence_conflict(evidence: Evidence, yours: dict) -> ConflictError:
    """What a stale evidence form is told: who changed it last and how it differs from the
    user's input (``yours``: the fields as the user submitted them)."""
    by, at = last_change(target=evidence)
    return ConflictError(
        message=conflict_message(what=_("this evidence"), by=by, at=at),
        current=evidence,
        changes=changes_between(yours, _shown(evidence), _LABELS),
        by=by,
        at=at,
    )


def _changeable(user, evidence: Evidence, version: Version, yours: dict) -> tuple[Claim, Evidence]:
    """The evidence's claim (locked), and the evidence as it is now (locked, its version
    checked against ``version``), if it may still change."""
    claim = locked_claim(user, evidence.claim, NO_VERSION_CHECK)
    current = (
        Evidence.objects.select_for_update(of=("self",))
        .select_related("link")
        .filter(pk=evidence.pk, claim=claim)
        .first()
    )
    if current is None:
        raise ValidationError(_("This evidence was removed from the claim meanwhile."))
    _refuse_if_locked(claim)
    version_check(
        version,
        stored=current.version,
        conflict=lambda: _evidence_conflict(current, yours),
        what="evidence",
    )
    if claim.status not in REMOVABLE_WHILE:
        raise ValidationError(
            _(
                "The claim is %(status)s: its evidence stays as it was approved. Return it to "
                "review (or, once published, correct the verdict) first."
            )
            % {"status": claim.get_status_display().lower()}
        )
    return claim, current


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user, reason: str, version: Version) -> Claim:
    """Take a piece of evidence off its claim (added by mistake, a better source found), with
    a reason. The audit event keeps what it was: link, stance, quoted passage and note.
    Refused once the claim is awaiting approval or published."""
    require(user, REVIEW_PERMISSION, _("You may not remove evidence."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the evidence is removed.")})
    claim, evidence = _changeable(
        user, evidence, version, {"stance": "(removed)", "quote": "(removed)", "note": "(removed)"}
    )
    audit_record(
        actor=user,
        action="claims.evidence.removed",
        claim=claim,
        changes={
            "url": evidence.link.url,
            "stance": evidence.stance,
            "quote": evidence.quote,
            "note": evidence.note,
            "added_by": who(evidence.added_by),
        },
        message=reason,
    )
    evidence.delete()
    verdict_contributors_refresh(claim=claim)
    claim.version += 1
    claim.save(update_fields=["version", "updated_at"])
    return claim


@transaction.atomic
def evidence_edit(
    *, evidence: Evidence, user, stance: str, quote: str = "", note: str = "", version: Version
) -> Evidence:
    """Correct a piece of evidence's stance, quoted passage or note (its link stays: remove
    it and add the right one instead). The ``claims.evidence.edited`` event records each
    changed field before and after. Refused once the claim is awaiting approval or published."""
    require(user, REVIEW_PERMISSION, _("You may not edit evidence."))
    if stance not in Evidence.Stance.values:
        raise ValidationError(
            {"stance": _("Choose whether the evidence supports, refutes or gives context.")}
        )
    after = {"stance": stance, "quote": (quote or "").strip(), "note": (note or "").strip()}
    yours = {**after, "stance": Evidence.Stance(stance).label}
    claim, evidence = _changeable(user, evidence, version, yours)
    changes = {
        field: [getattr(evidence, field), value]
        for field, value in after.items()
        if getattr(evidence, field) != value
    }
    if not changes:
        return evidence
    for field, (_before, value) in changes.items():
        setattr(evidence, field, value)
    evidence.version += 1
    evidence.full_clean()
    evidence.save(update_fields=[*changes, "version", "updated_at"])
    audit_record(
        actor=user,
        action="claims.evidence.edited",
        claim=claim,
        target=evidence,
        changes={
            "url": evidence.link.url,
            **changes,
            "version": [evidence.version - 1, evidence.version],
        },
    )
    verdict_contributors_refresh(claim=claim)
    claim.version += 1
    claim.save(update_fields=["version", "updated_at"])
    return evidence
