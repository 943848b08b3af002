"""The CSV format of the sources registry: reading (strictly) and writing.

One row per source, a header row first. Columns (any order, any case; only ``name`` is
required, a missing column leaves that field of an existing source as it is)::

    name, kind, home_url, domains, country, language, rating, rating_rationale, notes

``domains`` holds several domains separated by spaces or ``;``. Files are UTF-8, with or
without the byte-order mark spreadsheets write; the delimiter is a comma (a header without
commas but with semicolons or tabs switches to those, as some spreadsheet locales save).
Cells that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a
carriage return) are written with a leading apostrophe, which reading takes off again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

COLUMNS = (
    "name",
    "kind",
    "home_url",
    "domains",
    "country",
    "language",
    "rating",
    "rating_rationale",
    "notes",
)
REQUIRED = ("name",)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CSVRefused(ValueError):
    """The file as a whole cannot be read (encoding, size, header): nothing is imported."""


@dataclass(frozen=True)
class Record:
    line: int  # the line the record starts on (the header is line 1)
    cells: dict[str, str]  # column -> raw cell text (apostrophe escape taken off)
    width: int  # how many cells the record had


def decode(data: bytes, *, max_bytes: int) -> str:
    """The text of an uploaded file. Refuses a file over ``max_bytes``, one that is not
    UTF-8 (naming the line of the first bad byte) and one with NUL bytes (not text)."""
    if len(data) > max_bytes:
        raise CSVRefused(
            gettext(
                "The file is too large: the limit is %(limit)s bytes. Split it into smaller files."
            )
            % {"limit": f"{max_bytes:,}"}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CSVRefused(
            gettext(
                "The file is not UTF-8 text (line %(line)s has a byte UTF-8 does not allow). "
                "Save it from your spreadsheet as “CSV UTF-8”."
            )
            % {"line": line}
        ) from None
    if "\x00" in text:
        raise CSVRefused(gettext("The file is not a text CSV file (it contains NUL bytes)."))
    if not text.strip():
        raise CSVRefused(
            gettext("The file is empty: it needs a header row and one row per source.")
        )
    return text


def _delimiter(header_line: str) -> str:
    if "," not in header_line:
        if ";" in header_line:
            return ";"
        if "\t" in header_line:
            return "\t"
    return ","


def unescape(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_STARTS:
        return value[1:]
    return value


def escape(value: str) -> str:
    if value and value[0] in _FORMULA_STARTS:
        return "'" + value
    return value


def read(
    text: str, *, columns: tuple[str, ...] = COLUMNS, required: tuple[str, ...] = REQUIRED
) -> tuple[list[str], list[Record]]:
    """The header's columns and the records (blank lines skipped). Refuses a header without
    a ``required`` column, an unknown column or a column twice. ``columns`` and ``required``
    default to the sources registry's; other imports (claims) name theirs."""
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_row = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CSVRefused(
            gettext("The header row cannot be read: %(error)s") % {"error": exc}
        ) from None
    header = [cell.strip().lower().lstrip("\ufeff") for cell in header_row]
    unknown = [column for column in header if column not in columns]
    if unknown:
        raise CSVRefused(
            ngettext(
                "The header names unknown column %(unknown)s; the columns are %(columns)s.",
                "The header names unknown columns %(unknown)s; the columns are %(columns)s.",
                len(unknown),
            )
            % {"unknown": ", ".join(repr(c) for c in unknown), "columns": ", ".join(columns)}
        )
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        raise CSVRefused(
            gettext("The header names %(columns)s more than once.") % {"columns": ", ".join(twice)}
        )
    missing = [column for column in required if column not in header]
    if missing:
        raise CSVRefused(
            gettext(
                "The header has no %(missing)s column (the first row must be the header: "
                "%(columns)s)."
            )
            % {"missing": ", ".join(missing), "columns": ", ".join(columns)}
        )
    records: list[Record] = []
    line = reader.line_num
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            # A short row reads as empty cells (and is refused for its width by the import).
            padded = row + [""] * (len(header) - len(row))
            cells = {column: unescape(value) for column, value in zip(header, padded, strict=False)}
            records.append(Record(line=start, cells=cells, width=len(row)))
    except csv.Error as exc:
        raise CSVRefused(
            gettext("Line %(line)s cannot be read as CSV: %(error)s.")
            % {"line": reader.line_num, "error": exc}
        ) from None
    return header, records


def write(rows: Iterable[dict[str, str]], stream, *, bom: bool = False) -> None:
    """Write the header and ``rows`` (dicts keyed by column) to a text stream."""
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([escape(str(row.get(column, "") or "")) for column in COLUMNS])


def source_row(source) -> dict[str, str]:
    """A source as a CSV row (its ``domains`` prefetched or queried)."""
    return {
        "name": source.name,
        "kind": source.kind,
        "home_url": source.home_url,
        "domains": " ".join(sorted(d.domain for d in source.domains.all())),
        "country": source.country,
        "language": source.language,
        "rating": source.rating,
        "rating_rationale": source.rating_rationale,
        "notes": source.notes,
    }
