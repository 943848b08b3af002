"""Checked wording: the wording a verdict version checked never changes without a new
version (docs/architecture.md §3a, "Checked wording").

Each version stores the claim's wording it checks (``Verdict.checked_text``: set when it is
drafted or edited by ``verdict_save``, frozen once published). When a new revision of the
article changes the sentence of a claim that has a published or open verdict, ingestion
(``ingest._reanchor``) moves the claim to the new sentence as before (its ``text`` is the
article's) but the verdicts keep their wording, and the claim is marked "changed since
checked" (:func:`claim_wording_check`, :func:`claim_wording_record`): it is listed for
editors (``/review/changed/``, the daily digest) and readers are told the article was edited
after the check. An editor resolves the mark by acknowledging it
(:func:`claim_change_acknowledge`) or by a new version that checks the new wording (a
correction drafted, or the open draft saved: :func:`claim_change_resolved`, from
``verdict_save``). A revision that restores the checked wording clears it.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from claims.models import Claim, Verdict
from claims.services.common import (
    PUBLISH_PERMISSION,
    claim_save,
    locked_claim,
    require,
    snapshot,
)
from factcheck.lib.versions import Version

__all__ = [
    "CHANGED",
    "RESTORED",
    "checked_wording",
    "claim_change_acknowledge",
    "claim_change_resolved",
    "claim_wording_check",
    "claim_wording_record",
]

# What a revision did to a checked claim's wording (:func:`claim_wording_check`).
CHANGED, RESTORED = "changed", "restored"
# The versions whose wording is kept: published, or in progress (draft, awaiting approval).
CHECKED_STATES = (Verdict.State.PUBLISHED, *Verdict.OPEN_STATES)


def _newest_checked_version(claim: Claim) -> Verdict | None:
    return (
        claim.verdicts.filter(state__in=CHECKED_STATES)
        .order_by("-number")
        .only("checked_text", "claim_id", "number")
        .first()
    )


def checked_wording(claim: Claim) -> str | None:
    """The wording the claim's newest published or open version checks, or ``None`` if it
    has none (a claim never checked: re-anchoring rewrites it freely)."""
    verdict = _newest_checked_version(claim)
    if verdict is None:
        return None
    return verdict.checked_text or claim.text


def claim_wording_check(
    claim: Claim, *, previous_text: str, now: datetime | None = None
) -> str | None:
    """After ingestion placed ``claim`` on a new revision (its ``text`` is the new
    sentence, ``previous_text`` what it said before; not saved yet): mark it changed since
    checked, or clear the mark when the checked wording is back. Returns :data:`CHANGED`,
    :data:`RESTORED` or ``None`` (same words, or nothing checked)."""
    if claim.text == previous_text:
        return None  # found as it was (context or exact match): nothing to tell
    verdict = _newest_checked_version(claim)
    if verdict is None:
        return None
    checked = verdict.checked_text or previous_text
    if claim.text == checked:
        if claim.changed_since_checked_at is None:
            return None
        claim.changed_since_checked_at = None
        claim.changed_from_text = ""
        return RESTORED
    if claim.changed_since_checked_at is None:
        claim.changed_since_checked_at = now or timezone.now()
    claim.changed_from_text = checked
    return CHANGED


def claim_wording_record(claim: Claim, *, outcome: str, previous_text: str, user=None) -> None:
    """The audit event of :func:`claim_wording_check`'s outcome, once the claim is saved."""
    if outcome == CHANGED:
        audit_record(
            actor=user,
            action="claims.claim.changed_since_checked",
            claim=claim,
            target=claim,
            changes={"text": [previous_text, claim.text], "checked_text": claim.changed_from_text},
            message="A new revision of the article changed the claim's sentence after it was "
            "checked: the verdict keeps the wording it checked.",
        )
    elif outcome == RESTORED:
        audit_record(
            actor=user,
            action="claims.claim.wording_restored",
            claim=claim,
            target=claim,
            changes={"text": [previous_text, claim.text]},
            message="A new revision of the article says again what was checked.",
        )


@transaction.atomic
def claim_change_acknowledge(*, claim: Claim, user, version: Version, note: str = "") -> Claim:
    """An editor saw that the claim's sentence changed since it was checked and keeps the
    verdict as it is (readers are still told the article was edited after the check): the
    claim leaves the editors' list. ``note`` says why (kept in the audit event)."""
    require(user, PUBLISH_PERMISSION, _("You may not acknowledge changed claims."))
    claim = locked_claim(user, claim, version)
    if claim.changed_since_checked_at is None:
        raise ValidationError(_("This claim is not marked as changed since it was checked."))
    before = snapshot(claim, "changed_since_checked_at", "changed_from_text")
    claim.changed_since_checked_at = None
    claim.changed_from_text = ""
    return claim_save(
        claim,
        before,
        user=user,
        action="claims.claim.change_acknowledged",
        message=(note or "").strip()[:2000],
        text=claim.text,
    )


def claim_change_resolved(*, claim: Claim, verdict: Verdict, user) -> bool:
    """Called by ``verdict_save`` (claim row locked) once ``verdict``, an open version,
    checks the claim's current wording: a claim marked changed since checked is resolved
    by it (audited). Returns whether it was."""
    if claim.changed_since_checked_at is None or verdict.checked_text != claim.text:
        return False
    audit_record(
        actor=user,
        action="claims.claim.change_resolved",
        claim=claim,
        target=verdict,
        changes={
            "changed_since_checked_at": [claim.changed_since_checked_at.isoformat(), None],
            "checked_text": [claim.changed_from_text, verdict.checked_text],
            "number": verdict.number,
        },
    )
    claim.changed_since_checked_at = None
    claim.changed_from_text = ""
    claim.version += 1
    claim.full_clean()
    claim.save(
        update_fields=["changed_since_checked_at", "changed_from_text", "version", "updated_at"]
    )
    return True
