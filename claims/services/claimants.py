"""Who said a claim (``Claimant``) and where and when (``Appearance``).

- A claimant is found or created by name (the workbench's search box, or a plain name field
  without script), set on a claim or taken off, and merged into another by an editor (its
  claims move over, its name and aliases become aliases of the one kept).
- Appearances: a claim's primary appearance (kind article) mirrors ``Claim.article``/
  ``start``/``end`` and is kept in step by ingestion, re-anchoring and reviewers' claims
  (:func:`primary_appearances_follow`, in their transaction); reviewers add web, spoken and
  other appearances and remove them.

Changes to a claim name its version (the claim page's), lock the claim row, bump its
version and are audited. On a claim with a published verdict they change what readers see:
only editors may make them (the change is shown at once, the reader pages refreshed, and
the audit event is the record, listed in the claim's history).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from audit.services import audit_event, audit_record, audit_record_many
from claims.models import Appearance, Claim, Claimant, Verdict
from claims.services.common import PUBLISH_PERMISSION, REVIEW_PERMISSION, locked_claim, require
from claims.services.reader import reader_pages_changed
from factcheck.lib.bulk import rows_insert_select, rows_update
from factcheck.lib.versions import ConflictError, Version, version_check

# The longest wording a reviewer may enter for a claim (one statement, not an article).
CLAIM_TEXT_MAX = 2000

__all__ = [
    "CLAIM_TEXT_MAX",
    "appearance_add",
    "appearance_remove",
    "claim_claimant_set",
    "claim_enter",
    "claimant_create",
    "claimant_find",
    "claimant_find_or_create",
    "claimant_merge",
    "primary_appearances_follow",
    "primary_appearances_insert",
]


# ------------------------------------------------------ the primary (article) appearance


def primary_appearances_follow(claims: Iterable[Claim]) -> None:
    """The primary appearance of each saved claim follows its ``article``/``start``/``end``
    (created when missing): called by whatever places or moves claims, in its transaction."""
    claims = [c for c in claims if c.pk is not None]
    if not claims:
        return
    rows = {
        row.claim_id: row
        for row in Appearance.objects.filter(is_primary=True, claim_id__in=[c.pk for c in claims])
    }
    changed, new = [], []
    for claim in claims:
        row = rows.get(claim.pk)
        if row is None:
            new.append(
                Appearance(
                    claim_id=claim.pk,
                    kind=Appearance.Kind.ARTICLE,
                    is_primary=True,
                    article_id=claim.article_id,
                    start=claim.start,
                    end=claim.end,
                )
            )
        elif (row.article_id, row.start, row.end) != (claim.article_id, claim.start, claim.end):
            row.article_id, row.start, row.end = claim.article_id, claim.start, claim.end
            changed.append(row)
    Appearance.objects.bulk_create(new, batch_size=500)
    rows_update(Appearance, changed, ["article", "start", "end", "updated_at"])


def primary_appearances_insert(article) -> int:
    """Give every claim of ``article`` that has no primary appearance its own, in one
    statement (ingestion's last transaction: thousands of new claims at once). Returns how
    many were created."""
    quote = connection.ops.quote_name
    table = quote(Appearance._meta.db_table)
    return rows_insert_select(
        Appearance,
        source=Claim,
        columns={
            "claim": "s.id",
            "article": f"s.{quote('article_id')}",
            "start": f"s.{quote('start')}",
            "end": f"s.{quote('end')}",
        },
        values={"kind": Appearance.Kind.ARTICLE, "is_primary": True},
        where=(
            f"s.{quote('article_id')} = %s AND NOT EXISTS (SELECT 1 FROM {table} a "  # noqa: S608
            f"WHERE a.{quote('claim_id')} = s.id AND a.{quote('is_primary')} = %s)"
        ),
        where_params=[article.pk, True],
    )


# ------------------------------------------------------------------------- permissions


def _is_published(claim: Claim) -> bool:
    return (
        claim.status == Claim.Status.PUBLISHED
        or Verdict.objects.filter(claim=claim, state=Verdict.State.PUBLISHED).exists()
    )


def _may_change(user, claim: Claim) -> bool:
    """Reviewers change who said an unpublished claim and where; on a published one, what
    readers see changes: editors only. Returns whether the claim is published."""
    require(user, REVIEW_PERMISSION, _("You may not change who said a claim or where."))
    published = _is_published(claim)
    if published and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(
            _(
                "This claim's fact-check is published: only an editor may change who said it "
                "or where it appeared."
            )
        )
    return published


def _claim_changed(claim: Claim, *, user, action: str, changes: dict, published: bool) -> None:
    claim.version += 1
    claim.save(update_fields=["claimant", "version", "updated_at"])
    audit_record(actor=user, action=action, claim=claim, target=claim, changes=changes)
    if published:
        reader_pages_changed(claim=claim)


# --------------------------------------------------------------------------- claimants


def _clean_aliases(aliases: Iterable[str], *, name: str = "") -> list[str]:
    seen, out = {name.strip().casefold()}, []
    for alias in aliases:
        alias = " ".join(str(alias).split())
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            out.append(alias)
    return out


@transaction.atomic
def claimant_create(
    *,
    name: str,
    kind: str = Claimant.Kind.PERSON,
    user,
    description: str = "",
    aliases: Iterable[str] = (),
    url: str = "",
    wikidata_id: str = "",
) -> Claimant:
    require(user, REVIEW_PERMISSION, _("You may not add claimants."))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the claimant's name.")})
    claimant = Claimant(
        name=name,
        kind=kind,
        description=description.strip(),
        aliases=_clean_aliases(aliases, name=name),
        url=url.strip(),
        wikidata_id=wikidata_id.strip().upper(),
    )
    claimant.full_clean()
    claimant.save()
    audit_record(
        actor=user,
        action="claims.claimant.created",
        target=claimant,
        changes={"name": name, "kind": claimant.kind},
    )
    return claimant


def claimant_find(name: str) -> Claimant | None:
    """The claimant called ``name`` (any case), or known by it as an alias."""
    name = " ".join((name or "").split())
    if not name:
        return None
    found = Claimant.objects.filter(name__iexact=name).order_by("id").first()
    if found is None:
        folded = name.casefold()
        for claimant in Claimant.objects.search(name).order_by("id")[:50]:
            if any(a.casefold() == folded for a in claimant.aliases):
                return claimant
    return found


def claimant_find_or_create(
    *, name: str, kind: str = Claimant.Kind.PERSON, user
) -> tuple[Claimant, bool]:
    """A plain name field: the claimant known by ``name``, else a new one of ``kind``."""
    found = claimant_find(name)
    if found is not None:
        return found, False
    return claimant_create(name=name, kind=kind, user=user), True


@transaction.atomic
def claim_claimant_set(*, claim: Claim, claimant: Claimant | None, user, version: Version) -> Claim:
    """Who said ``claim`` (``None``: not known)."""
    claim = locked_claim(user, claim, version)
    published = _may_change(user, claim)
    before = claim.claimant
    if (before.pk if before else None) == (claimant.pk if claimant else None):
        return claim
    claim.claimant = claimant
    _claim_changed(
        claim,
        user=user,
        action="claims.claim.claimant_changed",
        changes={
            "claimant": [
                before.name if before else None,
                claimant.name if claimant else None,
            ],
            "claimant_id": [before.pk if before else None, claimant.pk if claimant else None],
        },
        published=published,
    )
    return claim


def _claimant_conflict(locked: Claimant) -> ConflictError:
    return ConflictError(
        message=_(
            "The claimant %(name)s changed since you opened the page. Nothing was saved; check "
            "it and try again."
        )
        % {"name": locked.name},
        current=locked,
    )


@transaction.atomic
def claimant_merge(
    *, keep: Claimant, remove: Claimant, user, keep_version: Version, remove_version: Version
) -> Claimant:
    """Editors: ``remove`` was the same person or organisation as ``keep``. Its claims move
    to ``keep`` (each claim's version bumped, each audited), its name and aliases become
    ``keep``'s aliases, and it is deleted."""
    require(user, PUBLISH_PERMISSION, _("You may not merge claimants."))
    if keep.pk == remove.pk:
        raise ValidationError(_("Choose two different claimants to merge."))
    locked = {
        c.pk: c for c in Claimant.objects.select_for_update().filter(pk__in=[keep.pk, remove.pk])
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the claimants no longer exists."))
    keep, remove = locked[keep.pk], locked[remove.pk]
    for row, version in ((keep, keep_version), (remove, remove_version)):
        version_check(
            version,
            stored=row.version,
            conflict=lambda row=row: _claimant_conflict(row),
            what=f"claimant #{row.pk}",
        )
    moved = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(claimant=remove)
        .values_list("pk", "article_id", "status")
    )
    Claim.objects.filter(pk__in=[pk for pk, _article, _status in moved]).update(
        claimant=keep, version=F("version") + 1
    )
    audit_record_many(
        [
            audit_event(
                actor=user,
                action="claims.claim.claimant_changed",
                claim=Claim(pk=pk, article_id=article_id),
                changes={
                    "claimant": [remove.name, keep.name],
                    "claimant_id": [remove.pk, keep.pk],
                },
                message=f"Claimant {remove.name} merged into {keep.name}.",
            )
            for pk, article_id, _status in moved
        ]
    )
    aliases_before = list(keep.aliases)
    keep.aliases = _clean_aliases([*keep.aliases, remove.name, *remove.aliases], name=keep.name)
    for name in ("description", "url", "wikidata_id"):
        if not getattr(keep, name) and getattr(remove, name):
            setattr(keep, name, getattr(remove, name))
    keep.version += 1
    keep.full_clean()
    keep.save()
    audit_record(
        actor=user,
        action="claims.claimant.merged",
        target=keep,
        changes={
            "merged": {"id": remove.pk, "name": remove.name},
            "aliases": [aliases_before, keep.aliases],
            "claims_moved": len(moved),
        },
    )
    remove.delete()
    published = [pk for pk, _article, status in moved if status == Claim.Status.PUBLISHED]
    for claim in Claim.objects.filter(pk__in=published):
        reader_pages_changed(claim=claim)
    return keep


# ------------------------------------------------------------------------- appearances

ADDABLE = (Appearance.Kind.WEB, Appearance.Kind.SPOKEN, Appearance.Kind.OTHER)


def _appearance_built(
    claim: Claim,
    *,
    user,
    kind: str,
    url: str = "",
    medium: str = "",
    programme: str = "",
    said_on=None,
    timestamp: str = "",
    description: str = "",
) -> Appearance:
    """A web, spoken or other appearance of ``claim``, checked (not saved)."""
    if kind not in ADDABLE:
        raise ValidationError(
            {"kind": _("Add a web page, something said, or another kind of appearance.")}
        )
    appearance = Appearance(
        claim=claim,
        kind=kind,
        url=url.strip() if kind == Appearance.Kind.WEB else "",
        medium=medium if kind == Appearance.Kind.SPOKEN else "",
        programme=programme.strip() if kind == Appearance.Kind.SPOKEN else "",
        timestamp=timestamp.strip() if kind == Appearance.Kind.SPOKEN else "",
        said_on=said_on,
        description=description.strip(),
        added_by=user,
    )
    if kind == Appearance.Kind.WEB and not appearance.url:
        raise ValidationError({"url": _("Give the page's web address.")})
    if kind == Appearance.Kind.SPOKEN and not appearance.medium:
        raise ValidationError({"medium": _("Say where it was said: TV, radio, a speech...")})
    if kind == Appearance.Kind.OTHER and not appearance.description:
        raise ValidationError({"description": _("Describe where the claim was made.")})
    appearance.full_clean(exclude=["claim"])
    return appearance


@transaction.atomic
def appearance_add(*, claim: Claim, user, version: Version, kind: str, **where) -> Appearance:
    """Another place the claim was made: a web page or post, something said (TV, radio, a
    speech, a debate), or described in words (``where``: url, medium, programme, said_on,
    timestamp, description). Article appearances come from ingestion."""
    claim = locked_claim(user, claim, version)
    published = _may_change(user, claim)
    appearance = _appearance_built(claim, user=user, kind=kind, **where)
    appearance.save()
    _claim_changed(
        claim,
        user=user,
        action="claims.appearance.added",
        changes={"appearance": _described(appearance)},
        published=published,
    )
    return appearance


@transaction.atomic
def claim_enter(*, text: str, user, claimant: Claimant | None = None, kind: str, **where) -> Claim:
    """A claim heard or seen outside the desk's articles (a speech, a broadcast, a post):
    its wording, who said it (optional) and where and when (``kind`` and ``where`` as for
    :func:`appearance_add`). The claim has no article; it starts in the queue as new."""
    require(user, REVIEW_PERMISSION, _("You may not add claims."))
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": _("Give the claim's wording.")})
    if len(text) > CLAIM_TEXT_MAX:
        raise ValidationError(
            {
                "text": _("A claim is one statement: at most %(max)s characters.")
                % {"max": CLAIM_TEXT_MAX}
            }
        )
    claim = Claim(text=text, claimant=claimant, origin=Claim.Origin.ENTERED)
    appearance = _appearance_built(claim, user=user, kind=kind, **where)
    claim.full_clean()
    claim.save()
    appearance.claim = claim
    appearance.save()
    audit_record(
        actor=user,
        action="claims.claim.entered",
        claim=claim,
        target=claim,
        changes={
            "text": text,
            "claimant": claimant.name if claimant else None,
            "appearance": _described(appearance),
        },
    )
    return claim


@transaction.atomic
def appearance_remove(*, appearance: Appearance, user, version: Version) -> Claim:
    """Take an added appearance off its claim (the primary, article one stays)."""
    claim = locked_claim(user, appearance.claim, version)
    published = _may_change(user, claim)
    try:
        appearance = Appearance.objects.get(pk=appearance.pk, claim=claim)
    except Appearance.DoesNotExist:
        raise ValidationError(_("That appearance was already removed.")) from None
    if appearance.is_primary:
        raise ValidationError(_("The article the claim was found in stays its first appearance."))
    if claim.article_id is None and not claim.appearances.exclude(pk=appearance.pk).exists():
        raise ValidationError(
            _("A claim without an article keeps at least one appearance: add another first.")
        )
    described = _described(appearance)
    appearance.delete()
    _claim_changed(
        claim,
        user=user,
        action="claims.appearance.removed",
        changes={"appearance": described},
        published=published,
    )
    return claim


def _described(appearance: Appearance) -> dict:
    """What the audit event keeps of an appearance."""
    data = {"kind": appearance.kind}
    for name in ("url", "medium", "programme", "timestamp", "description"):
        if getattr(appearance, name):
            data[name] = getattr(appearance, name)
    if appearance.said_on:
        data["date"] = appearance.said_on.isoformat()
    return data
