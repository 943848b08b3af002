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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

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

#: action -> (the refusal of a user who may not do it, what the summary says of the claims
#: done: a lazy plural taking ``count``)
BULK_ACTIONS = {
    "dismiss": (
        gettext_lazy("You may not dismiss claims."),
        ngettext_lazy("%(count)s dismissed", "%(count)s dismissed", "count"),
    ),
    "start_review": (
        gettext_lazy("You may not take claims into review."),
        ngettext_lazy("%(count)s taken into review", "%(count)s taken into review", "count"),
    ),
    "assign": (
        gettext_lazy("You may not assign claims."),
        ngettext_lazy("%(count)s assigned", "%(count)s assigned", "count"),
    ),
    "return": (
        gettext_lazy("You may not return verdicts to review."),
        ngettext_lazy("%(count)s returned to review", "%(count)s returned to review", "count"),
    ),
}


@dataclass
class BulkResult:
    action: str
    done: list[int] = field(default_factory=list)
    # (claim number, why it was not done), in the order asked
    refused: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """The message shown: ``8 dismissed; 2 not: #12: ...; #40: ...``."""
        done = BULK_ACTIONS[self.action][1] % {"count": len(self.done)}
        if not self.refused:
            return _("%(done)s.") % {"done": done}
        shown = self.refused[:SUMMARY_REASONS]
        reasons = "; ".join(
            _("#%(number)s: %(reason)s") % {"number": pk, "reason": why} for pk, why in shown
        )
        more = len(self.refused) - len(shown)
        if more:
            reasons = ngettext(
                "%(reasons)s; and %(count)s more", "%(reasons)s; and %(count)s more", more
            ) % {"reasons": reasons, "count": more}
        return ngettext(
            "%(done)s; %(count)s not: %(reasons)s.",
            "%(done)s; %(count)s not: %(reasons)s.",
            len(self.refused),
        ) % {"done": done, "count": len(self.refused), "reasons": reasons}


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConflictError):
        return _("it changed since your page was shown (nothing done to it; reload and check)")
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("you may not act on this claim")
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
        raise ValidationError({"action": _("Choose what to do with the selected claims.")})
    require(user, REVIEW_PERMISSION, BULK_ACTIONS[action][0])
    ids = list(dict.fromkeys(int(pk) for pk in claim_ids))
    if not ids:
        raise ValidationError({"claims": _("Select at least one claim.")})
    if len(ids) > BULK_MAX_CLAIMS:
        raise ValidationError(
            {
                "claims": _(
                    "Act on at most %(max)s claims at once (%(count)s were selected): "
                    "narrow the selection."
                )
                % {"max": BULK_MAX_CLAIMS, "count": len(ids)}
            }
        )
    reason = (reason or "").strip()
    if action == "dismiss" and not reason:
        raise ValidationError({"reason": _("Say why the selected claims are dismissed.")})
    claims = Claim.objects.visible_to(user).in_bulk(ids)
    result = BulkResult(action=action)
    for pk in ids:
        claim = claims.get(pk)
        if claim is None:
            result.refused.append((pk, _("it does not exist or you may not see it")))
            continue
        version = versions.get(pk)
        if version is None:
            result.refused.append((pk, _("it was not on the page you acted from")))
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
