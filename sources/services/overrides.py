"""Editors' say over a link: an override asserts the state shown instead of the checker's
(with a reason, who and when) until it is cleared, and "check now" makes a link due at once
and sends it to a worker on commit. Only holders of ``OVERRIDE_PERMISSION`` may do either;
each is audited, and an override that changes whether the link's evidence is at risk flags
(or clears) the published verdicts resting on it.
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from factcheck.lib.versions import (
    ConflictError,
    Version,
    changes_between,
    conflict_message,
    version_check,
)
from sources.models import Link, LinkState
from sources.services._common import OVERRIDE_PERMISSION, _audit
from sources.services.queueing import _links_enqueue_quietly
from sources.services.risk import _at_risk, _links_changed

__all__ = ["link_check_request", "link_override_clear", "link_override_set"]

# States an editor may assert; "unchecked" is the absence of a check, not a judgement.
OVERRIDE_STATES = [state for state in LinkState.values if state != LinkState.UNCHECKED]


def _require_override(user) -> None:
    if user is None or not user.is_authenticated or not user.has_perm(OVERRIDE_PERMISSION):
        raise PermissionDenied("Only editors may override a link's state or request a check.")


_OVERRIDE_FIELDS = ["override_state", "override_reason", "override_by", "override_at"]


def _override_write(
    link: Link, *, user, state: str, reason: str, action: str, validate: bool
) -> Link:
    """Set (or, with ``state=""``, clear) the editor's override on the locked link, record it
    and tell the apps above: one helper for both, in the caller's transaction."""
    was_at_risk = _at_risk(link)
    before = link.override_state
    link.override_state = state
    link.override_reason = reason if state else ""
    link.override_by = user if state else None
    link.override_at = timezone.now() if state else None
    link.version += 1
    if validate:
        link.full_clean(exclude=["url", "final_url", "archive_url"], validate_unique=False)
    link.save(update_fields=[*_OVERRIDE_FIELDS, "version", "updated_at"])
    _audit(
        action=action,
        link=link,
        actor=user,
        changes={
            "override_state": [before, state],
            "state": link.state,
            "version": [link.version - 1, link.version],
        },
        message=reason,
    )
    _links_changed(link, was_at_risk=was_at_risk)
    return link


def _shown_state(value: str) -> str:
    return LinkState(value).label if value in LinkState.values else _("(none: the checker's)")


def _override_conflict(link: Link, *, state: str, reason: str) -> ConflictError:
    """What a stale override form is told: who changed the override meanwhile, and the
    override saved now next to the user's."""
    from audit.selectors import last_change

    by, at = last_change(target=link)
    return ConflictError(
        message=conflict_message(what=_("this link's override"), by=by, at=at),
        current=link,
        changes=changes_between(
            {"override_state": _shown_state(state), "override_reason": reason},
            {
                "override_state": _shown_state(link.override_state),
                "override_reason": link.override_reason,
            },
            {"override_state": _("Override"), "override_reason": _("Reason")},
        ),
        by=by,
        at=at,
    )


def _locked(link: Link, version: Version, *, state: str, reason: str) -> Link:
    locked = Link.objects.select_for_update().get(pk=link.pk)
    version_check(
        version,
        stored=locked.version,
        conflict=lambda: _override_conflict(locked, state=state, reason=reason),
        what="a link's override",
    )
    return locked


def link_override_set(*, link: Link, user, state: str, reason: str, version: Version) -> Link:
    """An editor asserts the link's state (shown instead of the checker's until cleared),
    from the link's ``version`` (a stale one raises :class:`ConflictError`)."""
    _require_override(user)
    reason = (reason or "").strip()
    if state not in OVERRIDE_STATES:
        raise ValidationError({"state": _("Choose the state to show for this link.")})
    if not reason:
        raise ValidationError({"reason": _("Say why: the reason is recorded with the override.")})
    with transaction.atomic():
        link = _locked(link, version, state=state, reason=reason)
        return _override_write(
            link,
            user=user,
            state=state,
            reason=reason,
            action="sources.link.overridden",
            validate=True,
        )


def link_override_clear(*, link: Link, user, reason: str = "", version: Version) -> Link:
    """Remove an editor's override: the checker's state is shown again (from the link's
    ``version``, as for setting one)."""
    _require_override(user)
    with transaction.atomic():
        link = _locked(link, version, state="", reason=(reason or "").strip())
        if not link.override_state:
            return link
        return _override_write(
            link,
            user=user,
            state="",
            reason=(reason or "").strip(),
            action="sources.link.override_cleared",
            validate=False,
        )


def link_check_request(*, link: Link, user) -> Link:
    """An editor's "check now": the link is due at once and sent to a worker on commit."""
    _require_override(user)
    now = timezone.now()
    with transaction.atomic():
        Link.objects.filter(pk=link.pk).update(next_check_at=now, updated_at=now)
        link.refresh_from_db()
        _audit(action="sources.link.check_requested", link=link, actor=user, changes={})
        transaction.on_commit(partial(_links_enqueue_quietly, [link.pk]), robust=True)
    return link
