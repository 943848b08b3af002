"""Writes of the sources registry: sources, their domains and reliability ratings.

Every change is audited (the claims app's ``AuditEvent``, target = the source) with the codes
``sources.source.created``, ``.updated``, ``.domains_changed``, ``.rating_changed``,
``.deleted`` (and ``.imported`` for a CSV import, ``sources.services.importing``).

Links follow the registry: whenever domains are added or removed, the links on the hosts
concerned are attached again to the source owning them now (longest registered domain), and
their evidence follows (``Evidence.source`` equals ``Link.source``). Evidence keeps the rating
it was added under (``Evidence.source_rating``): that is a record, not a live value.

``user=None`` is the system (a management command run by an operator); otherwise the user
needs ``sources.add_source`` to create and ``sources.change_source`` to change (admins).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from factcheck.lib.published import site_changed
from factcheck.lib.versions import (
    ConflictError,
    Version,
    changes_between,
    conflict_message,
    version_check,
)
from sources import locales
from sources.models import Link, Reliability, Source, SourceDomain, SourceKind, SourceRating
from sources.registry import display_domain, normalize_domain, resolve_hosts
from sources.signals import links_attached

__all__ = [
    "AttachReport",
    "domains_parse",
    "links_attach_by_domains",
    "source_create",
    "source_delete",
    "source_domains_set",
    "source_links_reattach",
    "source_rate",
    "source_register_domain",
    "source_update",
]

ADD_PERMISSION = "sources.add_source"
CHANGE_PERMISSION = "sources.change_source"
DELETE_PERMISSION = "sources.delete_source"
_DOMAINS_PER_QUERY = 100
_HOSTS_PER_UPDATE = 500


def _require(user, permission: str, doing: str) -> None:
    if user is None:  # the system: a management command
        return
    if not user.is_authenticated or not user.has_perm(permission):
        raise PermissionDenied(f"Only admins may {doing}.")


def _audit(*, action: str, source: Source, user, changes: dict, message: str = ""):
    from audit.services import audit_record

    return audit_record(actor=user, action=action, target=source, changes=changes, message=message)


# ------------------------------------------------------------------------ domains


def domains_parse(value: str | Iterable[str]) -> list[str]:
    """Normalised, de-duplicated domains from text (separated by spaces, new lines, ``;`` or
    ``,``) or a list. Raises one ``ValidationError`` listing every bad entry."""
    if isinstance(value, str):
        items = value.replace(";", " ").replace(",", " ").split()
    else:
        items = [item for item in value if item and str(item).strip()]
    found: list[str] = []
    errors: list[str] = []
    for item in items:
        try:
            domain = normalize_domain(str(item))
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if domain not in found:
            found.append(domain)
    if errors:
        raise ValidationError(errors)
    return found


def _owned_elsewhere(domains: list[str], source: Source | None) -> dict[str, Source]:
    rows = SourceDomain.objects.filter(domain__in=domains).select_related("source")
    if source is not None and source.pk:
        rows = rows.exclude(source=source)
    return {row.domain: row.source for row in rows}


def _check_free(domains: list[str], source: Source | None) -> None:
    taken = _owned_elsewhere(domains, source)
    if taken:
        raise ValidationError(
            {
                "domains": [
                    _("%(domain)s already belongs to %(source)s.")
                    % {"domain": domain, "source": owner.name}
                    for domain, owner in taken.items()
                ]
            }
        )


@dataclasses.dataclass
class AttachReport:
    links: int = 0
    evidence: int = 0


def links_attach_by_domains(*, domains: Iterable[str]) -> AttachReport:
    """Attach the links on these domains (and their subdomains) to the source owning each
    host now; the apps above attach their rows again (``sources.signals.links_attached``:
    the claims app moves the links' evidence). Runs in the caller's transaction."""

    domains = sorted(set(domains))
    hosts: set[str] = set()
    for start in range(0, len(domains), _DOMAINS_PER_QUERY):
        condition = Q()
        for domain in domains[start : start + _DOMAINS_PER_QUERY]:
            condition |= Q(host=domain) | Q(host__endswith=f".{domain}")
        hosts.update(Link.objects.filter(condition).values_list("host", flat=True).distinct())
    by_owner: dict[int | None, list[str]] = defaultdict(list)
    for host, owner in resolve_hosts(hosts).items():
        by_owner[owner].append(host)
    report = AttachReport()
    now = timezone.now()
    for owner, owner_hosts in by_owner.items():
        for start in range(0, len(owner_hosts), _HOSTS_PER_UPDATE):
            chunk = owner_hosts[start : start + _HOSTS_PER_UPDATE]
            report.links += (
                Link.objects.filter(host__in=chunk)
                .exclude(source_id=owner)
                .update(source_id=owner, updated_at=now)
            )
            for _receiver, moved in links_attached.send(sender=Link, hosts=chunk, source_id=owner):
                report.evidence += moved or 0
    return report


def _reader_site_changed() -> None:
    """Publishers' names show on reader pages (evidence, filters): tell the listeners (the
    reader site refreshes every page on commit)."""
    site_changed(sender=Source)


def _set_domains(source: Source, domains: list[str]) -> tuple[list[str], list[str], AttachReport]:
    """Make ``domains`` exactly the source's domains; returns (added, removed, what was
    attached again)."""
    current = set(source.domains.values_list("domain", flat=True))
    wanted = set(domains)
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if not added and not removed:
        return [], [], AttachReport()
    _check_free(added, source)
    SourceDomain.objects.filter(source=source, domain__in=removed).delete()
    rows = [SourceDomain(source=source, domain=domain) for domain in added]
    for row in rows:
        row.full_clean(exclude=["source"], validate_unique=False)
    try:
        with transaction.atomic():
            SourceDomain.objects.bulk_create(rows)
    except IntegrityError:  # registered meanwhile by someone else
        _check_free(added, source)
        raise
    report = links_attach_by_domains(domains=added + removed)
    return added, removed, report


# ------------------------------------------------------------------------ ratings


def _clean_rating(rating: str, rationale: str) -> tuple[str, str]:
    rating = (rating or "").strip() or Reliability.UNRATED
    rationale = (rationale or "").strip()
    if rating not in Reliability.values:
        raise ValidationError(
            {
                "rating": _("Choose a rating: %(ratings)s.")
                % {"ratings": ", ".join(str(label) for label in Reliability.labels)}
            },
            code="rating",
        )
    if rating != Reliability.UNRATED and not rationale:
        raise ValidationError(
            {"rating_rationale": _("Say why: a rating is recorded with its rationale.")},
            code="rationale",
        )
    return rating, rationale


def _record_rating(
    source: Source, user, rating: str, rationale: str, message: str
) -> SourceRating | None:
    """Store a rating change (history row, current values, audit); ``None`` if unchanged."""
    before = (source.rating, source.rating_rationale)
    if before == (rating, rationale):
        return None
    row = SourceRating(
        source=source,
        rating=rating,
        rating_rationale=rationale,
        rated_by=user if getattr(user, "is_authenticated", False) else None,
    )
    row.full_clean(exclude=["source", "rated_by"])
    row.save()
    source.rating, source.rating_rationale = rating, rationale
    source.save(update_fields=["rating", "rating_rationale", "updated_at"])
    changes = {"rating": [before[0], rating]}
    if before[1] != rationale:
        changes["rating_rationale"] = [before[1], rationale]
    _audit(
        action="sources.source.rating_changed",
        source=source,
        user=user,
        changes=changes,
        message=f"{message} {rationale}".strip() if message else rationale,
    )
    return row


@transaction.atomic
def source_rate(
    *, source: Source, user, rating: str, rationale: str, message: str = "", version: Version
) -> SourceRating | None:
    """Change a source's reliability rating: a new ``SourceRating`` row (who, when, rating,
    rationale), from the source's ``version``. Returns it, or ``None`` when rating and
    rationale are as they were."""
    _require(user, CHANGE_PERMISSION, "rate sources")
    rating, rationale = _clean_rating(rating, rationale)
    source = Source.objects.select_for_update().get(pk=source.pk)
    version_check(
        version,
        stored=source.version,
        conflict=lambda: _source_conflict(
            source, {"rating": rating, "rating_rationale": rationale}
        ),
        what="a source",
    )
    row = _record_rating(source, user, rating, rationale, message)
    if row is not None:
        _bump(source)
    return row


# ------------------------------------------------------------------------ sources


def _clean_fields(fields: dict) -> dict:
    """Strip text and turn country/language names into codes (field errors on failure)."""
    cleaned = {
        key: (value.strip() if isinstance(value, str) else value) for key, value in fields.items()
    }
    errors: dict[str, list[str]] = {}
    for key, convert in (("country", locales.country_code), ("language", locales.language_code)):
        if key in cleaned:
            try:
                cleaned[key] = convert(cleaned[key] or "")
            except ValidationError as exc:
                errors[key] = exc.messages
    if "kind" in cleaned and cleaned["kind"] not in SourceKind.values:
        errors["kind"] = [
            _("Choose a kind: %(kinds)s.")
            % {"kinds": ", ".join(str(label) for label in SourceKind.labels)}
        ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _domains_or_error(domains: Iterable[str] | str) -> list[str]:
    try:
        return domains_parse(domains)
    except ValidationError as exc:
        raise ValidationError({"domains": exc.messages}) from None


def _name_free(name: str, source: Source | None) -> None:
    others = Source.objects.filter(name__iexact=name)
    if source is not None and source.pk:
        others = others.exclude(pk=source.pk)
    other = others.first()
    if other is not None:
        raise ValidationError(
            {"name": _("There is already a source named %(name)s.") % {"name": other.name}}
        )


@transaction.atomic
def _raise_collected(errors: dict[str, list[str]], *checks) -> None:
    """Run every check, adding its errors to ``errors``; raise them all together, if any."""
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _save_named(source: Source, **save_options) -> None:
    """Save the source; the same name taken meanwhile (the unique index) is a form error."""
    try:
        with transaction.atomic():
            source.save(**save_options)
    except IntegrityError:
        raise ValidationError(
            {"name": _("There is already a source named %(name)s.") % {"name": source.name}}
        ) from None


def source_create(
    *,
    user,
    name: str,
    kind: str = SourceKind.OTHER,
    home_url: str = "",
    domains: Iterable[str] | str = (),
    country: str = "",
    language: str = "",
    rating: str = Reliability.UNRATED,
    rating_rationale: str = "",
    notes: str = "",
    message: str = "",
) -> Source:
    """Register a source with its domains (links and evidence on them are attached to it)
    and its first rating (unless not rated)."""
    _require(user, ADD_PERMISSION, "add sources")
    fields = _clean_fields(
        {
            "name": name,
            "kind": kind,
            "home_url": home_url,
            "country": country,
            "language": language,
            "notes": notes,
        }
    )
    domain_list = _domains_or_error(domains)
    rating, rating_rationale = _clean_rating(rating, rating_rationale)
    source = Source(**fields)
    errors: dict[str, list[str]] = {}
    try:
        source.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _raise_collected(
        errors, lambda: _name_free(source.name, None), lambda: _check_free(domain_list, None)
    )
    _save_named(source)
    added, _removed, attached = _set_domains(source, domain_list)
    if attached.evidence:
        _reader_site_changed()
    _audit(
        action="sources.source.created",
        source=source,
        user=user,
        changes={"name": source.name, "kind": source.kind, "domains": added},
        message=message,
    )
    if rating != Reliability.UNRATED:
        _record_rating(source, user, rating, rating_rationale, message)
    return source


_EDITABLE = ("name", "kind", "home_url", "country", "language", "notes")
_LABELS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "home_url": gettext_lazy("Home page"),
    "domains": gettext_lazy("Domains"),
    "country": gettext_lazy("Country"),
    "language": gettext_lazy("Language"),
    "rating": gettext_lazy("Reliability"),
    "rating_rationale": gettext_lazy("Why this rating"),
    "notes": gettext_lazy("Notes"),
}


def _source_values(source: Source) -> dict:
    return {
        **{key: getattr(source, key) for key in _EDITABLE},
        "domains": sorted(source.domains.values_list("domain", flat=True)),
        "rating": source.rating,
        "rating_rationale": source.rating_rationale,
    }


def _source_conflict(source: Source, yours: dict) -> ConflictError:
    """What a stale source form is told: who saved the source meanwhile, and its saved
    values next to the user's (only the fields the user sent)."""
    from audit.selectors import last_change

    by, at = last_change(target=source)
    saved = _source_values(source)
    mine = {}
    for key, value in yours.items():
        if value is None:
            continue
        if key == "domains":
            try:
                value = sorted(domains_parse(value))
            except ValidationError:
                value = value if isinstance(value, str) else " ".join(value)
        mine[key] = value.strip() if isinstance(value, str) else value
    return ConflictError(
        message=conflict_message(
            what=_("the source %(name)s") % {"name": source.name}, by=by, at=at
        ),
        current=source,
        changes=changes_between(mine, saved, _LABELS),
        by=by,
        at=at,
    )


def _bump(source: Source) -> None:
    """One more version of the locked source (once per edit, whatever it changed)."""
    source.version += 1
    source.save(update_fields=["version", "updated_at"])


@transaction.atomic
def source_update(
    *,
    source: Source,
    user,
    name: str | None = None,
    kind: str | None = None,
    home_url: str | None = None,
    country: str | None = None,
    language: str | None = None,
    notes: str | None = None,
    domains: Iterable[str] | str | None = None,
    rating: str | None = None,
    rating_rationale: str | None = None,
    message: str = "",
    version: Version,
) -> Source:
    """Change a source, from its ``version`` (a stale one raises :class:`ConflictError`;
    CSV imports pass ``NO_VERSION_CHECK``). ``None`` leaves a field as it is; ``domains``
    (when given) become exactly the source's domains; a new rating or rationale is a rating
    change (history). Any change bumps the version once."""
    _require(user, CHANGE_PERMISSION, "change sources")
    source = Source.objects.select_for_update().get(pk=source.pk)
    version_check(
        version,
        stored=source.version,
        conflict=lambda: _source_conflict(
            source,
            {
                "name": name,
                "kind": kind,
                "home_url": home_url,
                "domains": domains,
                "country": country,
                "language": language,
                "rating": rating,
                "rating_rationale": rating_rationale,
                "notes": notes,
            },
        ),
        what="a source",
    )
    edited = False
    given = {
        key: value
        for key, value in {
            "name": name,
            "kind": kind,
            "home_url": home_url,
            "country": country,
            "language": language,
            "notes": notes,
        }.items()
        if value is not None
    }
    fields = _clean_fields(given)
    domain_list = _domains_or_error(domains) if domains is not None else None
    new_rating = None
    if rating is not None or rating_rationale is not None:
        new_rating = _clean_rating(
            source.rating if rating is None else rating,
            source.rating_rationale if rating_rationale is None else rating_rationale,
        )
    before = {key: getattr(source, key) for key in _EDITABLE}
    for key, value in fields.items():
        setattr(source, key, value)
    errors: dict[str, list[str]] = {}
    try:
        source.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    checks = [lambda: _name_free(source.name, source)]
    if domain_list is not None:
        checks.append(lambda: _check_free(domain_list, source))
    _raise_collected(errors, *checks)
    changes = {
        key: [before[key], getattr(source, key)]
        for key in _EDITABLE
        if before[key] != getattr(source, key)
    }
    if changes:
        edited = True
        _save_named(source, update_fields=[*changes, "updated_at"])
        _audit(
            action="sources.source.updated",
            source=source,
            user=user,
            changes=changes,
            message=message,
        )
        if "name" in changes:
            _reader_site_changed()
    if domain_list is not None:
        before_domains = sorted(source.domains.values_list("domain", flat=True))
        added, removed, attached = _set_domains(source, domain_list)
        if attached.evidence:
            _reader_site_changed()
        if added or removed:
            edited = True
            _audit(
                action="sources.source.domains_changed",
                source=source,
                user=user,
                changes={"domains": [before_domains, sorted(domain_list)]},
                message=message,
            )
    if new_rating is not None and _record_rating(source, user, *new_rating, message):
        edited = True
    if edited:
        _bump(source)
    return source


def source_domains_set(
    *, source: Source, user, domains: Iterable[str] | str, message: str = "", version: Version
) -> Source:
    """Make ``domains`` exactly the source's domains (links and evidence follow)."""
    return source_update(
        source=source, user=user, domains=domains, message=message, version=version
    )


def source_register_domain(
    *, user, domain: str, name: str = "", kind: str = SourceKind.OTHER
) -> Source:
    """One step from the unregistered domains list: a new, unrated source owning ``domain``
    (named after it unless a name is given), with the links and evidence on it attached."""
    _require(user, ADD_PERMISSION, "add sources")
    try:
        normalized = normalize_domain(domain)
    except ValidationError as exc:
        raise ValidationError({"domain": exc.messages}) from None
    owner = SourceDomain.objects.filter(domain=normalized).select_related("source").first()
    if owner is not None:
        raise ValidationError(
            {
                "domain": _("%(domain)s already belongs to %(source)s.")
                % {"domain": normalized, "source": owner.source.name}
            }
        )
    return source_create(
        user=user,
        name=(name or "").strip() or display_domain(normalized),
        kind=kind or SourceKind.OTHER,
        home_url=f"https://{normalized}/" if ":" not in normalized else "",
        domains=[normalized],
        message="Registered from the unregistered domains list.",
    )


@transaction.atomic
def source_delete(*, source: Source, user) -> None:
    """Remove a source; its links become unregistered again. A source that evidence was
    attached to is protected (``ProtectedError``): its ratings are that evidence's record."""
    _require(user, DELETE_PERMISSION, "delete sources")
    source = Source.objects.select_for_update().get(pk=source.pk)
    domains = list(source.domains.values_list("domain", flat=True))
    _audit(
        action="sources.source.deleted",
        source=source,
        user=user,
        changes={"name": source.name, "domains": domains},
    )
    source.delete()
    links_attach_by_domains(domains=domains)
    _reader_site_changed()


@transaction.atomic
def source_links_reattach(*, sources: Iterable[Source], user) -> AttachReport:
    """Apply the registry again to the links on these sources' domains (a repair for links
    made by bulk loads that bypass the services). Derived state only: not audited."""
    _require(user, CHANGE_PERMISSION, "re-attach links")
    domains = SourceDomain.objects.filter(source__in=[s.pk for s in sources]).values_list(
        "domain", flat=True
    )
    report = links_attach_by_domains(domains=list(domains))
    if report.evidence:
        _reader_site_changed()
    return report
