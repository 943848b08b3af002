"""Assigning claims to reviewers, one at a time or in bulk from the queue."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event, audit_record_many
from claims.models import Claim
from claims.services.common import (
    REVIEW_PERMISSION,
    claim_save,
    locked_claim,
    require,
    snapshot,
    who,
)
from factcheck.lib.versions import Version

__all__ = ["claim_assign", "claim_bulk_assign"]


# ------------------------------------------------------------------------- assignment


def _check_assignee(assignee) -> None:
    if assignee is not None and not (assignee.is_active and assignee.has_perm(REVIEW_PERMISSION)):
        raise ValidationError(
            {"assignee": _("%(who)s is not a reviewer.") % {"who": who(assignee)}}
        )


@transaction.atomic
def claim_assign(*, claim: Claim, assignee, user, version: Version) -> Claim:
    """Give the claim to a reviewer (``assignee=None`` unassigns it)."""
    require(user, REVIEW_PERMISSION, _("You may not assign claims."))
    _check_assignee(assignee)
    claim = locked_claim(user, claim, version)
    if claim.assignee_id == (assignee.pk if assignee else None):
        return claim
    before = snapshot(claim, "assignee")
    claim.assignee = assignee
    return claim_save(claim, before, user=user, action="claims.claim.assigned")


@transaction.atomic
def claim_bulk_assign(*, claim_ids: list[int], assignee, user) -> int:
    """Assign many claims at once (the queue's bulk action); returns how many changed.

    Claims the user may not see are refused as a whole, never skipped silently. A bulk
    action is made from a list, not from each claim's page: no version is checked, but every
    changed claim's version is bumped (pages built on the old one see a conflict).
    """
    require(user, REVIEW_PERMISSION, _("You may not assign claims."))
    _check_assignee(assignee)
    ids = sorted({int(pk) for pk in claim_ids})
    if not ids:
        raise ValidationError({"claims": _("Select at least one claim.")})
    if len(ids) > 500:
        raise ValidationError(
            {"claims": _("Assign at most %(max)s claims at once.") % {"max": 500}}
        )
    claims = list(
        Claim.objects.visible_to(user)
        .select_for_update(of=("self",))
        .select_related("assignee")
        .filter(pk__in=ids)
    )
    if len(claims) != len(ids):
        raise PermissionDenied(_("Some of these claims do not exist or you may not see them."))
    new_id = assignee.pk if assignee else None
    changed = [claim for claim in claims if claim.assignee_id != new_id]
    now = timezone.now()
    events = []
    for claim in changed:
        events.append(
            audit_event(
                actor=user,
                action="claims.claim.assigned",
                claim=claim,
                target=claim,
                changes={
                    "assignee": [
                        claim.assignee.get_username() if claim.assignee else None,
                        assignee.get_username() if assignee else None,
                    ]
                },
                message="Bulk assignment from the queue.",
            )
        )
        claim.assignee = assignee
        claim.version += 1
        claim.updated_at = now
    Claim.objects.bulk_update(changed, ["assignee", "version", "updated_at"], batch_size=500)
    audit_record_many(events)
    return len(changed)
