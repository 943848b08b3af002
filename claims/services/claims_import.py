"""Claims from a spreadsheet: a CSV file of claims with where and when each was made, read
strictly, previewed (a dry run), then imported all or nothing.

One row per appearance, a header row first (any order, any case; only ``claim`` and
``where`` are required)::

    claim, claimant, claimant_kind, where, url, medium, programme, timestamp, date, description

- ``claim``: the wording. Rows with the same wording (spaces and case aside) are one claim
  with several appearances; a wording already entered on the desk (a claim not from an
  article) gets the rows as more appearances of that claim, and an appearance it already
  has is not added twice, so importing a file again adds nothing.
- ``claimant``: who said it, found by name or alias, else created (``claimant_kind``:
  ``person`` or ``organisation``; person when empty). The rows of one claim name the same
  claimant or none.
- ``where``: ``web`` (``url`` required), ``spoken`` (``medium``: tv, radio, speech, debate
  or other; ``programme`` and ``timestamp`` hh:mm:ss optional) or ``other``
  (``description`` required). ``date``: YYYY-MM-DD, optional.

Files are UTF-8 (spreadsheets' byte-order mark allowed), comma-separated (semicolons or
tabs when the header has no comma), at most ``FACTCHECK_CLAIMS_IMPORT_MAX_BYTES`` and
``FACTCHECK_CLAIMS_IMPORT_MAX_ROWS`` rows. Every problem is reported with its line; one
refused row refuses the file. The import runs in one transaction, with bulk inserts, and is
audited per claim and once for the file.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_event, audit_record, audit_record_many
from claims.models import Appearance, Claim, Claimant
from claims.services.claimants import (
    ADDABLE,
    CLAIM_TEXT_MAX,
    _appearance_built,
    _described,
    claimant_create,
    claimant_find,
)
from claims.services.common import REVIEW_PERMISSION, require
from sources import csv_format

__all__ = ["CLAIMS_CSV_COLUMNS", "ClaimsImportReport", "claims_import"]

CLAIMS_CSV_COLUMNS = (
    "claim",
    "claimant",
    "claimant_kind",
    "where",
    "url",
    "medium",
    "programme",
    "timestamp",
    "date",
    "description",
)
_REQUIRED = ("claim", "where")
# claimant_kind cells: the kind's value or its label, any case.
_KINDS = {value: value for value, _label in Claimant.Kind.choices} | {
    str(label).lower(): value for value, label in Claimant.Kind.choices
}


@dataclasses.dataclass
class ClaimRow:
    line: int
    text: str
    where: str = ""
    claimant: str = ""
    # "new claim", "another appearance of line N's claim", "another appearance of claim #N",
    # "already recorded on claim #N" (nothing to add).
    outcome: str = ""
    # The outcome is "new claim" (the outcome itself is in the reader's language).
    is_new_claim: bool = False
    reasons: list[str] = dataclasses.field(default_factory=list)
    appearance: Appearance | None = None
    key: str = ""

    @property
    def refused(self) -> bool:
        return bool(self.reasons)


@dataclasses.dataclass
class ClaimsImportReport:
    filename: str = ""
    dry_run: bool = True
    rows: list[ClaimRow] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    applied: bool = False
    claims_created: int = 0
    appearances_created: int = 0
    new_claimants: list[str] = dataclasses.field(default_factory=list)

    @property
    def refused(self) -> list[ClaimRow]:
        return [row for row in self.rows if row.refused]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused

    @property
    def new_claims(self) -> int:
        return len({row.key for row in self.rows if row.is_new_claim})

    @property
    def new_appearances(self) -> int:
        return sum(1 for row in self.rows if row.appearance is not None and not row.refused)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _date(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {"date": _("%(value)r is not a date: write it as YYYY-MM-DD.") % {"value": value}}
        ) from None


def _same_place(a: Appearance, b: Appearance) -> bool:
    fields = ("kind", "url", "medium", "programme", "timestamp", "description", "said_on")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def _plan(records: list[csv_format.Record], *, user) -> list[ClaimRow]:
    rows: list[ClaimRow] = []
    first_line: dict[str, int] = {}
    claimant_of: dict[str, tuple[int, str]] = {}  # wording -> (line, claimant named there)
    for record in records:
        cells = {k: (v or "").strip() for k, v in record.cells.items()}
        text = " ".join(cells.get("claim", "").split())
        row = ClaimRow(
            line=record.line,
            text=text,
            where=cells.get("where", "").lower(),
            claimant=" ".join(cells.get("claimant", "").split()),
            key=_key(text),
        )
        rows.append(row)
        if record.width > len(record.cells):
            row.reasons.append(_("The row has more cells than the header has columns."))
        if not text:
            row.reasons.append(_("The claim's wording is empty."))
        elif len(text) > CLAIM_TEXT_MAX:
            row.reasons.append(
                _("The wording is longer than %(max)s characters.") % {"max": CLAIM_TEXT_MAX}
            )
        kind = cells.get("claimant_kind", "").lower()
        if kind and kind not in _KINDS:
            row.reasons.append(
                _("Unknown claimant kind %(kind)r: person or organisation.")
                % {"kind": cells["claimant_kind"]}
            )
        if kind and not row.claimant:
            row.reasons.append(_("A claimant kind is given but no claimant."))
        if row.where not in ADDABLE:
            row.reasons.append(
                _("Unknown kind of place %(where)r: web, spoken or other.")
                % {"where": cells.get("where", "")}
            )
        else:
            try:
                row.appearance = _appearance_built(
                    Claim(text=text or "-"),
                    user=user,
                    kind=row.where,
                    url=cells.get("url", ""),
                    medium=cells.get("medium", "").lower(),
                    programme=cells.get("programme", ""),
                    timestamp=cells.get("timestamp", ""),
                    description=cells.get("description", ""),
                    said_on=_date(cells.get("date", "")),
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    row.reasons += [f"{field}: {m}" if field != "__all__" else m for m in messages]
        if row.key:
            said = claimant_of.get(row.key)
            if said and row.claimant and _key(said[1]) != _key(row.claimant):
                row.reasons.append(
                    _(
                        "Line %(line)s says this claim was made by %(claimant)r: one claim has "
                        "one claimant."
                    )
                    % {"line": said[0], "claimant": said[1]}
                )
            elif row.claimant and not said:
                claimant_of[row.key] = (row.line, row.claimant)
            if row.key in first_line:
                row.outcome = _("another appearance of line %(line)s's claim") % {
                    "line": first_line[row.key]
                }
            else:
                first_line[row.key] = row.line
                row.outcome, row.is_new_claim = _("new claim"), True
    return rows


def _existing(rows: list[ClaimRow]) -> dict[str, Claim]:
    """Claims already entered on the desk (not from an article) with the rows' wordings."""
    texts = {row.text for row in rows if row.text}
    found: dict[str, Claim] = {}
    for claim in (
        Claim.objects.filter(article__isnull=True, text__in=texts)
        .select_related("claimant")
        .prefetch_related("appearances")
        .order_by("id")
    ):
        found.setdefault(_key(claim.text), claim)
    return found


def _against_the_desk(rows: list[ClaimRow], existing: dict[str, Claim]) -> None:
    for row in rows:
        claim = existing.get(row.key)
        if claim is None or row.refused:
            continue
        if row.claimant and claim.claimant and _key(claim.claimant.name) != _key(row.claimant):
            row.reasons.append(
                _("Claim #%(number)s with this wording was made by %(made_by)r, not %(named)r.")
                % {"number": claim.pk, "made_by": claim.claimant.name, "named": row.claimant}
            )
            continue
        if any(_same_place(row.appearance, a) for a in claim.appearances.all()):
            row.outcome = _("already recorded on claim #%(number)s") % {"number": claim.pk}
            row.is_new_claim = False
            row.appearance = None
        else:
            row.outcome = _("another appearance of claim #%(number)s") % {"number": claim.pk}
            row.is_new_claim = False


def _claimants(rows: list[ClaimRow], cells: dict[int, dict], *, user, create: bool):
    """Each named person or organisation's claimant, found by name or alias, and the names
    found nowhere (created, as their row's ``claimant_kind``, when ``create``)."""
    named: dict[str, Claimant | None] = {}
    new_names: list[str] = []
    for row in rows:
        if not row.claimant or _key(row.claimant) in named:
            continue
        found = claimant_find(row.claimant)
        if found is None:
            new_names.append(row.claimant)
            if create:
                kind = _KINDS.get(cells[row.line].get("claimant_kind", "").strip().lower())
                found = claimant_create(
                    name=row.claimant, kind=kind or Claimant.Kind.PERSON, user=user
                )
        named[_key(row.claimant)] = found
    return named, new_names


def _apply(rows, existing: dict, named: dict, report, *, user, filename: str) -> None:
    claims: dict[str, Claim] = dict(existing)
    new: list[Claim] = []
    for row in rows:
        if row.key in claims:
            continue
        first_named = next((r.claimant for r in rows if r.key == row.key and r.claimant), "")
        claim = Claim(
            text=row.text,
            origin=Claim.Origin.ENTERED,
            claimant=named.get(_key(first_named)) if first_named else None,
        )
        claims[row.key] = claim
        new.append(claim)
    Claim.objects.bulk_create(new, batch_size=500)
    appearances = []
    for row in rows:
        if row.appearance is None:
            continue
        row.appearance.claim = claims[row.key]
        appearances.append(row.appearance)
    Appearance.objects.bulk_create(appearances, batch_size=500)
    audit_record_many(
        [
            audit_event(
                actor=user,
                action="claims.claim.entered",
                claim=claim,
                target=claim,
                changes={
                    "text": claim.text,
                    "claimant": claim.claimant.name if claim.claimant else None,
                    "appearances": [_described(a) for a in appearances if a.claim is claim],
                    "imported_from": filename,
                },
            )
            for claim in new
        ]
    )
    report.claims_created, report.appearances_created = len(new), len(appearances)
    audit_record(
        actor=user,
        action="claims.claims_imported",
        changes={
            "filename": filename,
            "claims_created": len(new),
            "appearances_created": len(appearances),
            "claimants_created": report.new_claimants,
        },
    )


def claims_import(
    *, user, data: bytes, filename: str = "", dry_run: bool = True
) -> ClaimsImportReport:
    """Plan the import of a CSV file of claims (``data``: its bytes) and, unless ``dry_run``,
    apply it when no row is refused: all rows or none, in one transaction."""
    require(user, REVIEW_PERMISSION, _("You may not import claims."))
    report = ClaimsImportReport(filename=filename, dry_run=dry_run)
    try:
        text = csv_format.decode(data, max_bytes=settings.FACTCHECK_CLAIMS_IMPORT_MAX_BYTES)
        _ignored, records = csv_format.read(text, columns=CLAIMS_CSV_COLUMNS, required=_REQUIRED)
    except csv_format.CSVRefused as exc:
        report.errors.append(str(exc))
        return report
    if not records:
        report.errors.append(_("The file has a header but no rows."))
        return report
    limit = settings.FACTCHECK_CLAIMS_IMPORT_MAX_ROWS
    if len(records) > limit:
        report.errors.append(
            _("The file has %(rows)s rows; the limit is %(limit)s. Split it into smaller files.")
            % {"rows": f"{len(records):,}", "limit": f"{limit:,}"}
        )
        return report
    with transaction.atomic():
        report.rows = _plan(records, user=user)
        existing = _existing(report.rows)
        _against_the_desk(report.rows, existing)
        cells = {record.line: record.cells for record in records}
        apply = not dry_run and report.ok
        named, report.new_claimants = _claimants(report.rows, cells, user=user, create=apply)
        if not apply:
            return report
        _apply(report.rows, existing, named, report, user=user, filename=filename)
    report.applied = True
    return report
