"""CSV import of sources: a plan (what each row would create, update, leave or refuse, and
why), then, if nothing is refused, all of it in one transaction.

Rows are matched to existing sources by name (case-insensitively). A refused row refuses the
whole file: nothing is imported until every row is acceptable (the dry run shows why each
refused row is). Every source created or changed gets its own audit events (as if changed by
hand, with the file named), and the import as a whole one ``sources.source.imported``.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from factcheck.lib.versions import NO_VERSION_CHECK
from sources import csv_format, locales
from sources.models import Reliability, Source, SourceDomain, SourceKind
from sources.services.registry import (
    ADD_PERMISSION,
    CHANGE_PERMISSION,
    _require,
    domains_parse,
    source_create,
    source_update,
)

__all__ = ["ImportReport", "RowPlan", "sources_import"]

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


def _choice(value: str, choices, what: str) -> str:
    key = value.strip().casefold()
    for choice_value, label in choices.choices:
        if key in (choice_value.casefold(), str(label).casefold()):
            return choice_value
    raise ValidationError(
        f"“{value.strip()[:40]}” is not a {what}: use one of {', '.join(choices.values)}."
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
                    f"home_url: “{url[:80]}” is not a web address (http:// or https://)."
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
                row_plan.refuse("rating_rationale: a rating needs its rationale.")
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
                f"the row has {record.width} cells, the header {len(header)} "
                "(a delimiter too many or too few?)."
            )
        if not name:
            row_plan.refuse("name: the name is missing.")
        elif len(name) > _NAME_MAX:
            row_plan.refuse(f"name: longer than {_NAME_MAX} characters.")
        key = name.casefold()
        if name and key in seen_names:
            row_plan.refuse(f"name: {name} is also on line {seen_names[key]}.")
        seen_names.setdefault(key, record.line)
        matches = sources_by_key.get(key, []) if name else []
        if len(matches) > 1:
            row_plan.refuse(
                f"name: several sources are named {name} (differing in case only); "
                "rename them in the admin first."
            )
        existing = matches[0] if len(matches) == 1 else None
        row_plan.source = existing
        _plan_row(record, header, row_plan, existing)
        for domain in row_plan.values.get("domains", []):
            owner = owners.get(domain)
            if owner is not None and (existing is None or owner != existing.name):
                row_plan.refuse(f"domains: {domain} already belongs to {owner}.")
            if domain in claimed:
                line, other = claimed[domain]
                row_plan.refuse(f"domains: {domain} is also listed for {other} on line {line}.")
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


def _apply(plans: list[RowPlan], *, user, filename: str) -> None:
    message = f"CSV import{f' of {filename}' if filename else ''}"
    for row_plan in plans:
        values = dict(row_plan.values)
        where = f"{message}, line {row_plan.line}."
        if row_plan.action == CREATE:
            row_plan.source = source_create(user=user, message=where, **values)
        elif row_plan.action == UPDATE:
            assert row_plan.source is not None
            if "rating" not in row_plan.changes and "rating_rationale" not in row_plan.changes:
                values.pop("rating", None)
                values.pop("rating_rationale", None)
            # A bulk load, made from a file rather than from the source's page.
            row_plan.source = source_update(
                source=row_plan.source,
                user=user,
                message=where,
                version=NO_VERSION_CHECK,
                **values,
            )


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
        report.errors.append("The file has a header but no rows.")
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
            f"The registry changed while importing ({detail}). Nothing was imported: "
            "preview the file again."
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
