"""Rating scales and their levels, as admins change them.

The rules (the Django admin and the desk's scales page both come here):

- exactly one scale is active: new verdicts are drafted on it. Activating a scale
  deactivates the other in the same transaction; a scale is only activated with at least one
  active level and a best and a worst level (ClaimReview's ``bestRating``/``worstRating``);
- a level that a published verdict (or a superseded one, part of the public correction
  history) uses is never deleted: it is deactivated instead, so it is no longer offered for
  new verdicts but still shows on the verdicts that use it. A level a draft uses is not
  deleted either (change the draft's rating first);
- the active scale keeps at least one active level.

Every change writes an audit event (``claims.scale.*``, ``claims.rating_level.*``) and
refreshes the cached reader pages once it commits (they show the scales' levels).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.selectors import last_change
from audit.services import audit_record
from claims.models import Claim, RatingLevel, RatingScale, Verdict
from claims.services.common import require
from claims.services.reader import reader_site_changed
from factcheck.lib.versions import (
    ConflictError,
    Version,
    changes_between,
    conflict_message,
    version_check,
)

__all__ = [
    "MANAGE_SCALES",
    "level_deletion_refusal",
    "rating_level_deactivate",
    "rating_level_delete",
    "rating_level_reactivate",
    "rating_scale_activate",
    "rating_scale_delete",
    "scale_deletion_refusal",
]

MANAGE_SCALES = "claims.change_ratingscale"
_PUBLISHED = (Verdict.State.PUBLISHED, Verdict.State.SUPERSEDED)


def level_deletion_refusal(level: RatingLevel) -> str:
    """Why ``level`` may not be deleted, or ``""`` if it may."""
    uses = Verdict.objects.filter(rating=level).aggregate(
        published=Count("pk", filter=Q(state__in=_PUBLISHED)),
        other=Count("pk", filter=~Q(state__in=_PUBLISHED)),
    )
    if uses["published"]:
        return ngettext(
            "“%(label)s” is the rating of %(count)s published verdict: it cannot be deleted. "
            "Deactivate it instead: it will no longer be offered for new verdicts, and the "
            "verdicts that use it keep it.",
            "“%(label)s” is the rating of %(count)s published verdicts: it cannot be deleted. "
            "Deactivate it instead: it will no longer be offered for new verdicts, and the "
            "verdicts that use it keep it.",
            uses["published"],
        ) % {"label": level.label, "count": uses["published"]}
    if uses["other"] or Claim.objects.filter(rating=level).exists():
        drafts = max(1, uses["other"])
        return ngettext(
            "“%(label)s” is the rating of %(count)s draft verdict: change their rating first, "
            "or deactivate the level instead of deleting it.",
            "“%(label)s” is the rating of %(count)s draft verdicts: change their rating first, "
            "or deactivate the level instead of deleting it.",
            drafts,
        ) % {"label": level.label, "count": drafts}
    scale = level.scale
    if scale.is_active and level.is_active:
        others = scale.levels.filter(is_active=True).exclude(pk=level.pk).count()
        if not others:
            return _(
                "“%(label)s” is the last active level of the active scale: add another level first."
            ) % {"label": level.label}
    if scale.is_active and (level.is_best or level.is_worst):
        if level.is_best:
            message = _(
                "“%(label)s” is the best level of the active scale: mark another level as the "
                "best one first."
            )
        else:
            message = _(
                "“%(label)s” is the worst level of the active scale: mark another level as the "
                "worst one first."
            )
        return message % {"label": level.label}
    return ""


def scale_deletion_refusal(scale: RatingScale) -> str:
    """Why ``scale`` may not be deleted, or ``""`` if it may."""
    if scale.is_active:
        return _(
            "“%(name)s” is the active scale: make another scale active before deleting it."
        ) % {"name": scale.name}
    published = Verdict.objects.filter(rating__scale=scale, state__in=_PUBLISHED).count()
    if published:
        return ngettext(
            "“%(name)s” rates %(count)s published verdict: it cannot be deleted. It stays, "
            "inactive, so those verdicts keep their rating.",
            "“%(name)s” rates %(count)s published verdicts: it cannot be deleted. It stays, "
            "inactive, so those verdicts keep their rating.",
            published,
        ) % {"name": scale.name, "count": published}
    if (
        Verdict.objects.filter(rating__scale=scale).exists()
        or Claim.objects.filter(rating__scale=scale).exists()
    ):
        return _("“%(name)s” rates draft verdicts: change their rating first.") % {
            "name": scale.name
        }
    return ""


def _conflict(row, *, what: str, yours: dict, labels: dict) -> ConflictError:
    """What a stale scales page is told: who changed ``row`` last, and its saved values
    next to what the user asked for."""
    by, at = last_change(target=row)
    theirs = {name: _yes_no(getattr(row, name)) for name in yours}
    return ConflictError(
        message=conflict_message(what=what, by=by, at=at, kept=False),
        current=row,
        changes=changes_between({k: _yes_no(v) for k, v in yours.items()}, theirs, labels),
        by=by,
        at=at,
    )


def _yes_no(value):
    return (_("yes") if value else _("no")) if isinstance(value, bool) else value


@transaction.atomic
def rating_scale_activate(*, actor, scale: RatingScale, version: Version) -> RatingScale:
    """Make ``scale`` the one active scale (the previous one is deactivated), from the
    scale's ``version``; every scale whose state changes gets a new version."""
    require(actor, MANAGE_SCALES, _("You may not change rating scales."))
    # Lock every scale: two admins activating different scales at once end with one.
    scales = {s.pk: s for s in RatingScale.objects.select_for_update().order_by("pk")}
    scale = scales[scale.pk]
    version_check(
        version,
        stored=scale.version,
        conflict=lambda: _conflict(
            scale,
            what=_("the scale “%(name)s”") % {"name": scale.name},
            yours={"is_active": True},
            labels={"is_active": _("Active")},
        ),
        what="a rating scale",
    )
    if scale.is_active:
        return scale
    levels = list(scale.levels.all())
    problems = []
    if not any(level.is_active for level in levels):
        problems.append(_("it has no active level"))
    if not any(level.is_best for level in levels):
        problems.append(_("no level is marked best"))
    if not any(level.is_worst for level in levels):
        problems.append(_("no level is marked worst"))
    if problems:
        raise ValidationError(
            _("“%(name)s” cannot become the active scale: %(problems)s. Edit its levels first.")
            % {"name": scale.name, "problems": "; ".join(problems)}
        )
    previous = [s for s in scales.values() if s.is_active]
    RatingScale.objects.filter(pk__in=[s.pk for s in previous]).update(
        is_active=False, version=F("version") + 1, updated_at=timezone.now()
    )
    scale.is_active = True
    scale.version += 1
    scale.full_clean()
    scale.save()
    audit_record(
        actor=actor,
        action="claims.scale.activated",
        target=scale,
        changes={"active scale": [previous[0].name if previous else None, scale.name]},
    )
    reader_site_changed()
    return scale


@transaction.atomic
def rating_scale_delete(*, actor, scale: RatingScale, version: Version) -> None:
    require(actor, MANAGE_SCALES, _("You may not change rating scales."))
    scale = RatingScale.objects.select_for_update().get(pk=scale.pk)
    version_check(
        version,
        stored=scale.version,
        conflict=lambda: _conflict(
            scale,
            what=_("the scale “%(name)s”") % {"name": scale.name},
            yours={"name": _("(deleted)")},
            labels={},
        ),
        what="a rating scale",
    )
    refusal = scale_deletion_refusal(scale)
    if refusal:
        raise ValidationError(refusal)
    audit_record(
        actor=actor,
        action="claims.scale.deleted",
        target=scale,
        changes={"name": scale.name, "levels": scale.levels.count()},
    )
    try:
        scale.delete()
    except ProtectedError as exc:  # a draft rated on it since the check
        raise ValidationError(
            _("“%(name)s” is in use: %(error)s") % {"name": scale.name, "error": exc.args[0]}
        ) from exc
    reader_site_changed()


def _locked_level(level: RatingLevel) -> RatingLevel:
    return RatingLevel.objects.select_for_update().select_related("scale").get(pk=level.pk)


def _level_conflict(level: RatingLevel, yours: dict) -> ConflictError:
    return _conflict(
        level,
        what=_("the rating level “%(label)s”") % {"label": level.label},
        yours=yours,
        labels={"is_active": _("Offered for new verdicts"), "label": _("Label")},
    )


def _level_set_active(*, actor, level: RatingLevel, active: bool, version: Version):
    require(actor, MANAGE_SCALES, _("You may not change rating scales."))
    level = _locked_level(level)
    version_check(
        version,
        stored=level.version,
        conflict=lambda: _level_conflict(level, {"is_active": active}),
        what="a rating level",
    )
    if level.is_active == active:
        message = (
            _("“%(label)s” is already active.")
            if active
            else _("“%(label)s” is already deactivated.")
        )
        raise ValidationError(message % {"label": level.label})
    if (
        not active
        and level.scale.is_active
        and not level.scale.levels.filter(is_active=True).exclude(pk=level.pk).exists()
    ):
        raise ValidationError(
            _(
                "“%(label)s” is the last active level of the active scale: new verdicts "
                "need at least one rating."
            )
            % {"label": level.label}
        )
    level.is_active = active
    level.version += 1
    level.full_clean()
    level.save(update_fields=["is_active", "version"])
    audit_record(
        actor=actor,
        action=f"claims.rating_level.{'reactivated' if active else 'deactivated'}",
        target=level,
        changes={
            "scale": level.scale.name,
            "label": level.label,
            "is_active": [not active, active],
            "version": [level.version - 1, level.version],
        },
    )
    reader_site_changed()
    return level


@transaction.atomic
def rating_level_deactivate(*, actor, level: RatingLevel, version: Version) -> RatingLevel:
    """Stop offering ``level`` for new verdicts; the verdicts that use it keep it."""
    return _level_set_active(actor=actor, level=level, active=False, version=version)


@transaction.atomic
def rating_level_reactivate(*, actor, level: RatingLevel, version: Version) -> RatingLevel:
    """Offer ``level`` for new verdicts again."""
    return _level_set_active(actor=actor, level=level, active=True, version=version)


@transaction.atomic
def rating_level_delete(*, actor, level: RatingLevel, version: Version) -> None:
    """Delete a level no verdict uses (see :func:`level_deletion_refusal`)."""
    require(actor, MANAGE_SCALES, _("You may not change rating scales."))
    level = _locked_level(level)
    version_check(
        version,
        stored=level.version,
        conflict=lambda: _level_conflict(level, {"label": _("(deleted)")}),
        what="a rating level",
    )
    refusal = level_deletion_refusal(level)
    if refusal:
        raise ValidationError(refusal)
    audit_record(
        actor=actor,
        action="claims.rating_level.deleted",
        target=level.scale,
        changes={"label": level.label, "slug": level.slug, "value": level.value},
    )
    try:
        level.delete()
    except ProtectedError as exc:  # a verdict rated with it since the check
        raise ValidationError(
            _("“%(label)s” is in use: %(error)s") % {"label": level.label, "error": exc.args[0]}
        ) from exc
    reader_site_changed()
