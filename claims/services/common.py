"""What the reviewer services share: permissions, the locked claim row with its
optimistic-lock check, and saving a claim with its audit event.

Every service locks the claim row, checks the caller's optimistic-lock ``version`` (required;
``NO_VERSION_CHECK`` for system callers), applies its rule, bumps the version and writes an
audit event, in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import actions
from audit.models import AuditEvent
from audit.services import audit_record, diff
from claims.models import Claim
from claims.services.errors import ConflictError
from factcheck.lib.versions import Version, version_check

__all__ = ["PUBLISH_PERMISSION", "REVIEW_PERMISSION", "four_eyes_required", "reviewers"]

REVIEW_PERMISSION = "claims.review_claim"
PUBLISH_PERMISSION = "claims.publish_claim"
Status = Claim.Status


def four_eyes_required() -> bool:
    """Publishing needs an editor who is none of the verdict's contributors (its author and
    whoever changed its content or the claim's evidence since the last publication; see
    ``contributors.py``), unless a one-person desk relaxed it (``FACTCHECK_FOUR_EYES``)."""
    return bool(getattr(settings, "FACTCHECK_FOUR_EYES", True))


def reviewers():
    """Users who may be assigned claims (reviewers, editors, admins), by username."""
    app_label, codename = REVIEW_PERMISSION.split(".", 1)
    by_group = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    )
    direct = Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    ids = get_user_model().objects.filter(Q(is_superuser=True) | by_group | direct).values("pk")
    return get_user_model().objects.filter(is_active=True, pk__in=ids).order_by("username")


def require(user, perm: str, refusal: str) -> None:
    """Refuse (``PermissionDenied`` with ``refusal``, a whole translated sentence such as
    "You may not review claims.") a user without ``perm``. A bare action phrase ("invite
    users", the older form other apps still pass) is put in "You may not ... ."."""
    if user is None or not user.is_authenticated or not user.has_perm(perm):
        text = str(refusal)
        if not text.endswith((".", "!", "?")):
            text = _("You may not %(action)s.") % {"action": text}
        raise PermissionDenied(text)


def who(user) -> str:
    return user.get_username() if user is not None else _("someone")


def locked_claim(user, claim: Claim, version: Version) -> Claim:
    """The claim row, locked for this transaction, if ``user`` may see it; a stale
    ``version`` (the one the user's page was built from) raises :class:`ConflictError`.
    ``NO_VERSION_CHECK`` is the explicit bypass of system callers and of services whose
    own row carries the lock (evidence, verdicts); ``None`` raises ``VersionMissing``."""
    try:
        locked = (
            Claim.objects.visible_to(user)
            .select_for_update(of=("self",))
            .select_related("article")
            .get(pk=claim.pk)
        )
    except Claim.DoesNotExist:
        raise PermissionDenied(_("You may not act on this claim.")) from None
    version_check(
        version,
        stored=locked.version,
        conflict=lambda: _claim_conflict(locked),
        what=f"claim #{locked.pk}",
    )
    return locked


def _claim_conflict(locked: Claim) -> ConflictError:
    """What a stale claim page is told: who changed the claim last, with what, and when."""
    last = (
        AuditEvent.objects.filter(claim_id=locked.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None:
        when = timezone.localtime(last.created_at)
        message = _(
            "Claim #%(number)s changed since you opened it: %(who)s %(action)s at %(time)s. "
            "Nothing was saved; check the page and try again."
        ) % {
            "number": locked.pk,
            "who": who(last.actor),
            "action": describe(last),
            "time": f"{when:%H:%M:%S}",
        }
    else:
        message = _(
            "Claim #%(number)s changed since you opened it. Nothing was saved; check the page "
            "and try again."
        ) % {"number": locked.pk}
    return ConflictError(
        message=message,
        current=locked,
        by=who(last.actor) if last is not None else "",
        at=last.created_at if last is not None else None,
    )


def describe(event: AuditEvent) -> str:
    return actions.label(event.action)


def claim_save(
    claim: Claim, before: dict, *, user, action: str, message: str = "", **extra
) -> Claim:
    """Bump the version, validate, save, and record what changed."""
    after = {name: getattr(claim, name) for name in before}
    claim.version += 1
    claim.full_clean()
    claim.save()
    audit_record(
        actor=user,
        action=action,
        claim=claim,
        target=claim,
        changes={**diff(before, after), **extra},
        message=message,
    )
    return claim


def verdict_change_record(
    verdict, *, user, claim: Claim, action: str, changes: dict, message: str = ""
):
    """One audited step of a verdict: bump its version, validate, save, and record what
    changed (the state changes of submit, return, supersede, publish; an edit)."""
    verdict.version += 1
    verdict.full_clean()
    verdict.save()
    audit_record(
        actor=user, action=action, claim=claim, target=verdict, changes=changes, message=message
    )
    return verdict


def claim_touch(claim: Claim) -> Claim:
    """A change to a published claim's verdict that leaves its status: only its version
    moves (so pages built from the old one see a conflict)."""
    claim.version += 1
    claim.save(update_fields=["version", "updated_at"])
    return claim


def snapshot(claim: Claim, *names: str) -> dict:
    return {name: getattr(claim, name) for name in names}
