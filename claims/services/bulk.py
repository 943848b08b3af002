"""Bulk actions of the reviewer queue: dismiss, start review, assign or return many claims
at once, each through the same service as the claim page's button.

Every claim is its own transaction (the single-claim service's), locked, checked against
the version the user's queue page showed, audited as the single action audits it. What
may not be done to a claim (its state, the user's role, a version changed since the page
was shown, a claim the user may not see) is refused for that claim alone, with the
reason; the others are done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Claim
from claims.services.assignment import claim_assign
from claims.services.common import REVIEW_PERMISSION, require
from claims.services.errors import ConflictError
from claims.services.review import claim_dismiss, claim_return_to_review, claim_start_review

__all__ = ["BULK_ACTIONS", "BULK_MAX_CLAIMS", "BulkResult", "claim_bulk_action"]

#: The most claims one request may act on (a queue page holds at most 100).
BULK_MAX_CLAIMS = 200

#: The summary names at most this many refused claims, with their reasons.
SUMMARY_REASONS = 20

#: action -> (what the user does, what the summary says of the claims done)
BULK_ACTIONS = {
    "dismiss": ("dismiss claims", "dismissed"),
    "start_review": ("take claims into review", "taken into review"),
    "assign": ("assign claims", "assigned"),
    "return": ("return verdicts to review", "returned to review"),
}


@dataclass
class BulkResult:
    action: str
    done: list[int] = field(default_factory=list)
    # (claim number, why it was not done), in the order asked
    refused: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """The message shown: ``8 dismissed; 2 not: #12: ...; #40: ...``."""
        verb = BULK_ACTIONS[self.action][1]
        text = f"{len(self.done)} {verb}"
        if self.refused:
            shown = self.refused[:SUMMARY_REASONS]
            reasons = "; ".join(f"#{pk}: {why}" for pk, why in shown)
            if len(self.refused) > len(shown):
                reasons += f"; and {len(self.refused) - len(shown)} more"
            text += f"; {len(self.refused)} not: {reasons}"
        return text + "."


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConflictError):
        return "it changed since your page was shown (nothing done to it; reload and check)"
    if isinstance(exc, PermissionDenied):
        return str(exc) or "you may not act on this claim"
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    raise exc


def claim_bulk_action(
    *,
    action: str,
    claim_ids: list[int],
    versions: dict[int, int],
    user,
    reason: str = "",
    assignee=None,
) -> BulkResult:
    """Apply ``action`` (a key of :data:`BULK_ACTIONS`) to each claim of ``claim_ids``,
    from the ``versions`` the user's page showed (a claim without one is refused: the
    action names the version it was made from, as every edit does).

    Refused as a whole (``ValidationError``/``PermissionDenied``, nothing done): an unknown
    action, no claims, more than :data:`BULK_MAX_CLAIMS`, a dismissal without a reason, a
    user who may not review claims.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": "Choose what to do with the selected claims."})
    require(user, REVIEW_PERMISSION, BULK_ACTIONS[action][0])
    ids = list(dict.fromkeys(int(pk) for pk in claim_ids))
    if not ids:
        raise ValidationError({"claims": "Select at least one claim."})
    if len(ids) > BULK_MAX_CLAIMS:
        raise ValidationError(
            {
                "claims": f"Act on at most {BULK_MAX_CLAIMS} claims at once "
                f"({len(ids)} were selected): narrow the selection."
            }
        )
    reason = (reason or "").strip()
    if action == "dismiss" and not reason:
        raise ValidationError({"reason": "Say why the selected claims are dismissed."})
    claims = Claim.objects.visible_to(user).in_bulk(ids)
    result = BulkResult(action=action)
    for pk in ids:
        claim = claims.get(pk)
        if claim is None:
            result.refused.append((pk, "it does not exist or you may not see it"))
            continue
        version = versions.get(pk)
        if version is None:
            result.refused.append((pk, "it was not on the page you acted from"))
            continue
        try:
            if action == "dismiss":
                claim_dismiss(claim=claim, user=user, reason=reason, version=version)
            elif action == "start_review":
                claim_start_review(claim=claim, user=user, version=version)
            elif action == "assign":
                claim_assign(claim=claim, assignee=assignee, user=user, version=version)
            else:
                claim_return_to_review(claim=claim, user=user, reason=reason, version=version)
        except (ConflictError, PermissionDenied, ValidationError) as exc:
            result.refused.append((pk, _reason(exc)))
        else:
            result.done.append(pk)
    return result
