"""CSV import of sources: a plan (what each row would create, update, leave or refuse, and
why), then, if nothing is refused, the rows applied.

Rows are matched to existing sources by name (case-insensitively). A refused row refuses the
whole file: nothing is imported until every row is acceptable (the dry run shows why each
refused row is). Every source created or changed gets its own audit events (as if changed by
hand, with the file named), and the import as a whole one ``sources.source.imported``.

New sources are written in bulk (sources, domains, ratings and audit events a few statements
per batch, the links on their domains attached once). The upload page's confirmation queues a
``SourceImportJob``: a background job plans the file again and applies it
``IMPORT_BATCH_ROWS`` rows per transaction, so a file of 20,000 rows never holds the database
for long; its page shows the progress. ``sources_import(dry_run=False)`` (the management
command) still applies a file in one transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from factcheck.lib.versions import NO_VERSION_CHECK
from sources import csv_format, locales
from sources.models import (
    Reliability,
    Source,
    SourceDomain,
    SourceImportJob,
    SourceKind,
    SourceRating,
)
from sources.services.registry import (
    ADD_PERMISSION,
    CHANGE_PERMISSION,
    _check_free,
    _name_free,
    _reader_site_changed,
    _require,
    domains_parse,
    links_attach_by_domains,
    source_update,
)

__all__ = [
    "ImportReport",
    "RowPlan",
    "source_import_job_run",
    "source_import_job_start",
    "sources_import",
]

logger = logging.getLogger(__name__)

CREATE, UPDATE, UNCHANGED, REFUSE = "create", "update", "unchanged", "refuse"
_URL = URLValidator(schemes=["http", "https"])
_NAME_MAX = Source._meta.get_field("name").max_length
_URL_MAX = Source._meta.get_field("home_url").max_length


@dataclasses.dataclass
class RowPlan:
    line: int
    name: str
    action: str = CREATE
    reasons: list[str] = dataclasses.field(default_factory=list)
    # field -> [before, after] ("" before for a new source)
    changes: dict[str, list] = dataclasses.field(default_factory=dict)
    values: dict = dataclasses.field(default_factory=dict)
    source: Source | None = None

    def refuse(self, reason: str) -> None:
        self.action = REFUSE
        self.reasons.append(reason)

    @property
    def change_lines(self) -> list[tuple[str, str, str]]:
        """``(field, before, after)`` as text (domain lists joined by spaces)."""

        def text(value) -> str:
            return " ".join(value) if isinstance(value, list) else str(value)

        return [(field, text(pair[0]), text(pair[1])) for field, pair in self.changes.items()]


@dataclasses.dataclass
class ImportReport:
    filename: str = ""
    dry_run: bool = True
    rows: list[RowPlan] = dataclasses.field(default_factory=list)
    # Reasons the file as a whole was refused (encoding, size, header, a concurrent change).
    errors: list[str] = dataclasses.field(default_factory=list)
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in (CREATE, UPDATE, UNCHANGED, REFUSE)}

    @property
    def ok(self) -> bool:
        """Importable: the file was read and no row is refused."""
        return not self.errors and not self.count(REFUSE)

    @property
    def refused(self) -> list[RowPlan]:
        return [row for row in self.rows if row.action == REFUSE]


@functools.cache
def _choice_keys(choices) -> dict[str, str]:
    """Each choice's value and label, case-folded, to its value (built once a class)."""
    keys = {}
    for choice_value, label in choices.choices:
        keys.setdefault(str(label).casefold(), choice_value)
        keys[choice_value.casefold()] = choice_value
    return keys


_NOT_A = {
    "kind": gettext_lazy("“%(value)s” is not a kind: use one of %(values)s."),
    "rating": gettext_lazy("“%(value)s” is not a rating: use one of %(values)s."),
}


def _choice(value: str, choices, what: str) -> str:
    found = _choice_keys(choices).get(value.strip().casefold())
    if found is not None:
        return found
    raise ValidationError(
        _NOT_A[what] % {"value": value.strip()[:40], "values": ", ".join(choices.values)}
    )


def _plan_row(
    record: csv_format.Record,
    header: list[str],
    row_plan: RowPlan,
    existing: Source | None,
) -> None:
    """Fill ``row_plan.values`` with the cleaned values of the columns present, refusing
    what is not acceptable."""
    cells = record.cells
    values: dict = {"name": row_plan.name}
    if "kind" in header:
        try:
            values["kind"] = _choice(cells["kind"] or SourceKind.OTHER, SourceKind, "kind")
        except ValidationError as exc:
            row_plan.refuse(f"kind: {exc.messages[0]}")
    if "home_url" in header:
        url = cells["home_url"].strip()
        if url:
            try:
                if len(url) > _URL_MAX:
                    raise ValidationError("too long")
                _URL(url)
            except ValidationError:
                row_plan.refuse(
                    "home_url: "
                    + gettext("“%(url)s” is not a web address (http:// or https://).")
                    % {"url": url[:80]}
                )
        values["home_url"] = url
    for column, convert in (
        ("country", locales.country_code),
        ("language", locales.language_code),
    ):
        if column in header:
            try:
                values[column] = convert(cells[column])
            except ValidationError as exc:
                row_plan.refuse(f"{column}: {exc.messages[0]}")
    if "notes" in header:
        values["notes"] = cells["notes"].strip()
    if "rating" in header or "rating_rationale" in header:
        rating = (
            cells["rating"].strip() if "rating" in header else (existing.rating if existing else "")
        )
        rationale = (
            cells["rating_rationale"].strip()
            if "rating_rationale" in header
            else (existing.rating_rationale if existing else "")
        )
        try:
            rating = _choice(rating or Reliability.UNRATED, Reliability, "rating")
        except ValidationError as exc:
            row_plan.refuse(f"rating: {exc.messages[0]}")
        else:
            if rating != Reliability.UNRATED and not rationale:
                row_plan.refuse("rating_rationale: " + gettext("a rating needs its rationale."))
            values["rating"], values["rating_rationale"] = rating, rationale
    if "domains" in header:
        try:
            values["domains"] = sorted(domains_parse(cells["domains"]))
        except ValidationError as exc:
            for message in exc.messages:
                row_plan.refuse(f"domains: {message}")
    row_plan.values = values


def _plan(header: list[str], records: list[csv_format.Record]) -> list[RowPlan]:
    sources_by_key: dict[str, list[Source]] = {}
    for source in Source.objects.prefetch_related("domains"):
        sources_by_key.setdefault(source.name.casefold(), []).append(source)
    owners = dict(SourceDomain.objects.values_list("domain", "source__name"))
    seen_names: dict[str, int] = {}
    claimed: dict[str, tuple[int, str]] = {}
    plans: list[RowPlan] = []
    for record in records:
        name = record.cells.get("name", "").strip()
        row_plan = RowPlan(line=record.line, name=name)
        plans.append(row_plan)
        if record.width != len(header):
            row_plan.refuse(
                gettext(
                    "the row has %(cells)s cells, the header %(header)s (a delimiter too many "
                    "or too few?)."
                )
                % {"cells": record.width, "header": len(header)}
            )
        if not name:
            row_plan.refuse("name: " + gettext("the name is missing."))
        elif len(name) > _NAME_MAX:
            row_plan.refuse(
                "name: " + gettext("longer than %(max)s characters.") % {"max": _NAME_MAX}
            )
        key = name.casefold()
        if name and key in seen_names:
            row_plan.refuse(
                "name: "
                + gettext("%(name)s is also on line %(line)s.")
                % {"name": name, "line": seen_names[key]}
            )
        seen_names.setdefault(key, record.line)
        matches = sources_by_key.get(key, []) if name else []
        if len(matches) > 1:
            row_plan.refuse(
                "name: "
                + gettext(
                    "several sources are named %(name)s (differing in case only); rename them "
                    "in the admin first."
                )
                % {"name": name}
            )
        existing = matches[0] if len(matches) == 1 else None
        row_plan.source = existing
        _plan_row(record, header, row_plan, existing)
        for domain in row_plan.values.get("domains", []):
            owner = owners.get(domain)
            if owner is not None and (existing is None or owner != existing.name):
                row_plan.refuse(
                    "domains: "
                    + gettext("%(domain)s already belongs to %(source)s.")
                    % {"domain": domain, "source": owner}
                )
            if domain in claimed:
                line, other = claimed[domain]
                row_plan.refuse(
                    "domains: "
                    + gettext("%(domain)s is also listed for %(name)s on line %(line)s.")
                    % {"domain": domain, "name": other, "line": line}
                )
            else:
                claimed[domain] = (record.line, name)
        if row_plan.action == REFUSE:
            continue
        _compare(row_plan, existing)
    return plans


def _compare(row_plan: RowPlan, existing: Source | None) -> None:
    """Decide create/update/unchanged and list the changes; refuse what the model refuses."""
    values = dict(row_plan.values)
    domains = values.pop("domains", None)
    if existing is None:
        candidate = Source(**{k: v for k, v in values.items() if k in _MODEL_FIELDS})
        row_plan.action = CREATE
        row_plan.changes = {
            key: ["", value] for key, value in row_plan.values.items() if value not in ("", [])
        }
    else:
        candidate = Source(
            **{field: getattr(existing, field) for field in _MODEL_FIELDS},
        )
        candidate.pk = existing.pk
        changes = {}
        for key, value in values.items():
            if getattr(existing, key) != value:
                changes[key] = [getattr(existing, key), value]
                setattr(candidate, key, value)
        if domains is not None:
            current = sorted(d.domain for d in existing.domains.all())
            if current != domains:
                changes["domains"] = [current, domains]
        row_plan.changes = changes
        row_plan.action = UPDATE if changes else UNCHANGED
    try:
        candidate.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                row_plan.refuse(f"{field}: {message}")


_MODEL_FIELDS = (
    "name",
    "kind",
    "home_url",
    "country",
    "language",
    "rating",
    "rating_rationale",
    "notes",
)


# Rows applied per transaction by the import job: short transactions, so a large file never
# holds the database (SQLite's single writer) for long.
IMPORT_BATCH_ROWS = 500


def _apply(plans: list[RowPlan], *, user, filename: str) -> None:
    """Apply ``plans`` (none refused) in the caller's transaction: new sources in bulk,
    changed ones through ``source_update``."""
    message = f"CSV import{f' of {filename}' if filename else ''}"
    _create_many([p for p in plans if p.action == CREATE], user=user, message=message)
    for row_plan in plans:
        if row_plan.action != UPDATE:
            continue
        assert row_plan.source is not None
        values = dict(row_plan.values)
        if "rating" not in row_plan.changes and "rating_rationale" not in row_plan.changes:
            values.pop("rating", None)
            values.pop("rating_rationale", None)
        # A bulk load, made from a file rather than from the source's page.
        row_plan.source = source_update(
            source=row_plan.source,
            user=user,
            message=f"{message}, line {row_plan.line}.",
            version=NO_VERSION_CHECK,
            **values,
        )


def _create_many(plans: list[RowPlan], *, user, message: str) -> None:
    """Create the sources of ``plans`` as ``source_create`` would, in a few statements:
    the sources, their domains, their first ratings and the audit events (created, and
    rating changed) in bulk; the links on their domains attached once for all."""
    if not plans:
        return
    from audit.services import audit_event, audit_record_many

    rated_by = user if getattr(user, "is_authenticated", False) else None
    sources = []
    for row_plan in plans:
        fields = {k: v for k, v in row_plan.values.items() if k in _MODEL_FIELDS}
        fields.setdefault("rating", Reliability.UNRATED)
        fields.setdefault("rating_rationale", "")
        if fields["rating"] == Reliability.UNRATED:
            fields["rating_rationale"] = ""
        sources.append(Source(**fields))
    # The unique indexes refuse a name or domain registered meanwhile: said as the single
    # edit would say it (a ValidationError; the caller's transaction rolls back).
    try:
        with transaction.atomic():
            Source.objects.bulk_create(sources)
    except IntegrityError:
        for source in sources:
            _name_free(source.name, None)
        raise
    if any(source.pk is None for source in sources):  # a backend without RETURNING
        by_name = dict(
            Source.objects.filter(name__in=[s.name for s in sources]).values_list("name", "pk")
        )
        for source in sources:
            source.pk = source.id = by_name[source.name]
    domains, ratings, events = [], [], []
    for row_plan, source in zip(plans, sources, strict=True):
        row_plan.source = source
        added = sorted(row_plan.values.get("domains", []))
        domains += [SourceDomain(source=source, domain=domain) for domain in added]
        where = f"{message}, line {row_plan.line}."
        events.append(
            audit_event(
                actor=user,
                action="sources.source.created",
                target=source,
                changes={"name": source.name, "kind": source.kind, "domains": added},
                message=where,
            )
        )
        if source.rating != Reliability.UNRATED:
            ratings.append(
                SourceRating(
                    source=source,
                    rating=source.rating,
                    rating_rationale=source.rating_rationale,
                    rated_by=rated_by,
                )
            )
            events.append(
                audit_event(
                    actor=user,
                    action="sources.source.rating_changed",
                    target=source,
                    changes={
                        "rating": [Reliability.UNRATED, source.rating],
                        "rating_rationale": ["", source.rating_rationale],
                    },
                    message=f"{where} {source.rating_rationale}",
                )
            )
    try:
        with transaction.atomic():
            SourceDomain.objects.bulk_create(domains)
    except IntegrityError:
        for row_plan, source in zip(plans, sources, strict=True):
            _check_free(sorted(row_plan.values.get("domains", [])), source)
        raise
    SourceRating.objects.bulk_create(ratings)
    audit_record_many(events)
    if domains:
        report = links_attach_by_domains(domains=[d.domain for d in domains])
        if report.evidence:
            _reader_site_changed()


def _check_import_permission(user) -> None:
    _require(user, ADD_PERMISSION, "import sources")
    _require(user, CHANGE_PERMISSION, "import sources")


def sources_import(*, user, data: bytes, filename: str = "", dry_run: bool = True) -> ImportReport:
    """Plan the import of a CSV file (``data``: its bytes) and, unless ``dry_run``, apply it
    when no row is refused: all rows or none, in one transaction. Returns the report."""
    _check_import_permission(user)
    report = ImportReport(filename=filename, dry_run=dry_run)
    try:
        text = csv_format.decode(data, max_bytes=settings.FACTCHECK_SOURCES_IMPORT_MAX_BYTES)
        header, records = csv_format.read(text)
    except csv_format.CSVRefused as exc:
        report.errors.append(str(exc))
        return report
    if not records:
        report.errors.append(gettext("The file has a header but no rows."))
        return report
    report.rows = _plan(header, records)
    if dry_run or not report.ok:
        return report
    try:
        with transaction.atomic():
            _apply(report.rows, user=user, filename=filename)
            _audit_import(report, user=user)
    except (ValidationError, IntegrityError) as exc:
        # The registry changed between the plan and the import (someone else's edit).
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        report.errors.append(
            gettext(
                "The registry changed while importing (%(detail)s). Nothing was imported: "
                "preview the file again."
            )
            % {"detail": detail}
        )
        return report
    except PermissionDenied:
        raise
    report.applied = True
    return report


def _audit_import(report: ImportReport, *, user) -> None:
    from audit.services import audit_record

    counts = report.counts
    audit_record(
        actor=user,
        action="sources.source.imported",
        changes={
            "file": report.filename,
            "created": counts[CREATE],
            "updated": counts[UPDATE],
            "unchanged": counts[UNCHANGED],
        },
        message=f"Imported {counts[CREATE]} new and {counts[UPDATE]} changed sources"
        + (f" from {report.filename}" if report.filename else "")
        + ".",
    )


# ------------------------------------------------------------------ the import as a job

# A running job not heard of for this long (its worker died) may be taken again: the file is
# planned again, so rows already imported count as unchanged.
IMPORT_JOB_STALE_AFTER = timedelta(minutes=30)
# Refused rows named in a failed job's message.
_REFUSED_SHOWN = 50


def source_import_job_start(*, user, data: bytes, filename: str = "") -> SourceImportJob:
    """Queue the import of a previewed CSV file (``data``: its bytes): a background job plans
    it again and applies it in batches (``source_import_job_run``); its page shows the
    progress."""
    _check_import_permission(user)
    if len(data) > settings.FACTCHECK_SOURCES_IMPORT_MAX_BYTES:
        raise ValidationError(gettext("The file is over the import size limit."))
    job = SourceImportJob(requested_by=user, filename=filename[:300], data=data)
    job.full_clean(exclude=["requested_by"])
    job.save()
    from sources.tasks import source_import_run

    source_import_run.delay_on_commit(job.pk)
    return job


def _job_update(job_id: int, **fields) -> None:
    SourceImportJob.objects.filter(pk=job_id).update(updated_at=timezone.now(), **fields)


def _job_fail(job_id: int, error: str) -> SourceImportJob:
    _job_update(
        job_id,
        state=SourceImportJob.State.FAILED,
        error=error,
        finished_at=timezone.now(),
        data=b"",
    )
    return SourceImportJob.objects.get(pk=job_id)


def source_import_job_run(*, job_id: int) -> SourceImportJob | None:
    """Run one import job; ``None`` if another run already has it (safe to repeat). The file
    is planned against the registry as it is now (a refused row fails the job, nothing
    imported); then applied ``IMPORT_BATCH_ROWS`` rows per transaction, the job's counts
    updated after each. A batch refused by a concurrent change stops the job: the batches
    before it stay imported, and the message says from which line to import again."""
    from celery.exceptions import SoftTimeLimitExceeded

    now = timezone.now()
    claimed = (
        SourceImportJob.objects.filter(pk=job_id)
        .filter(
            Q(state=SourceImportJob.State.QUEUED)
            | Q(state=SourceImportJob.State.RUNNING, updated_at__lt=now - IMPORT_JOB_STALE_AFTER)
        )
        .update(state=SourceImportJob.State.RUNNING, started_at=now, updated_at=now, error="")
    )
    if not claimed:
        return None
    job = SourceImportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        return _job_run(job)
    except SoftTimeLimitExceeded:
        return _job_fail(job_id, "The import took too long and was stopped.")
    except Exception:
        logger.exception("source import job %s failed", job_id)
        return _job_fail(
            job_id, "An unexpected error stopped the import; it has been logged for the admins."
        )


def _job_run(job: SourceImportJob) -> SourceImportJob:
    user = job.requested_by
    try:
        _check_import_permission(user)
    except PermissionDenied:
        return _job_fail(job.pk, "The person who asked for this import may no longer import.")
    report = sources_import(user=user, data=bytes(job.data), filename=job.filename)
    if not report.ok:
        lines = report.errors + [
            f"Line {row.line}: {'; '.join(row.reasons)}" for row in report.refused[:_REFUSED_SHOWN]
        ]
        if len(report.refused) > _REFUSED_SHOWN:
            lines.append(f"… and {len(report.refused) - _REFUSED_SHOWN} more refused rows.")
        return _job_fail(
            job.pk,
            "The registry changed since the preview: nothing was imported. "
            "Preview the file again.\n" + "\n".join(lines),
        )
    rows = report.rows
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
    _job_update(job.pk, rows_total=len(rows))
    for start in range(0, len(rows), IMPORT_BATCH_ROWS):
        batch = rows[start : start + IMPORT_BATCH_ROWS]
        try:
            with transaction.atomic():
                _apply(batch, user=user, filename=job.filename)
        except (ValidationError, IntegrityError) as exc:
            detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return _job_fail(
                job.pk,
                f"The registry changed while importing the rows from line {batch[0].line} "
                f"({detail}). The rows before it were imported ({counts[CREATE]} new, "
                f"{counts[UPDATE]} changed); preview the file again to import the rest.",
            )
        for row in batch:
            counts[row.action] += 1
        _job_update(
            job.pk,
            rows_done=start + len(batch),
            created_count=counts[CREATE],
            updated_count=counts[UPDATE],
            unchanged_count=counts[UNCHANGED],
        )
    with transaction.atomic():
        _audit_import(report, user=user)
    _job_update(job.pk, state=SourceImportJob.State.DONE, finished_at=timezone.now(), data=b"")
    return SourceImportJob.objects.get(pk=job.pk)
