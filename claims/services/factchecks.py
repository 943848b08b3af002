"""Other organisations' fact-checks, imported from their ClaimReview markup.

Accepted input (``factchecks_import``):

- a schema.org ``DataFeed`` of ``ClaimReview`` items, the fact-check aggregators' feed
  format (``dataFeedElement[].item[]``; an element that is itself a ClaimReview counts too);
- a JSON array of ClaimReview objects, or a single ClaimReview object;
- an HTML page: its ``<script type="application/ld+json">`` blocks (``@graph`` too), every
  ClaimReview found in them (``factchecks_import_url`` fetches the page through
  ``sources.fetching``, the one HTTP boundary; a ClaimReview without a ``url`` there is the
  page's).

The review's ``url`` is the key: importing it again updates the row in place (``version``
bumped, a ``claims.external_factcheck.updated`` event with the changes); an unchanged one is
left alone. Each bad item is reported with its position and reason while the rest import.
Items are written ``BATCH`` at a time, one short transaction per batch (one look-up of the
existing rows, one bulk insert, one bulk update, the audit events in one statement).
Input larger than ``FACTCHECK_FACTCHECK_IMPORT_MAX_BYTES`` (default 64 MB) is refused whole.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event, audit_record_many
from claims.models import ExternalFactCheck

__all__ = [
    "BATCH",
    "FactCheckImportError",
    "ImportProblem",
    "ImportReport",
    "claimreviews_from_html",
    "factcheck_add_as_evidence",
    "factcheck_fields",
    "factchecks_import",
    "factchecks_import_url",
    "import_max_bytes",
]

BATCH = 500
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# The fields compared on re-import (and shown in the history when they change).
TRACKED = (
    "claim_reviewed",
    "headline",
    "summary",
    "rating",
    "rating_value",
    "rating_best",
    "rating_worst",
    "publisher_name",
    "publisher_url",
    "date_published",
    "claimant",
)
_MAX_LENGTHS = {"rating": 300, "publisher_name": 300, "claimant": 300, "publisher_url": 2000}


class FactCheckImportError(Exception):
    """The input as a whole cannot be imported (too large, not JSON, not fetched)."""


@dataclass(frozen=True)
class ImportProblem:
    position: int  # 1-based, in the order the items appear
    where: str  # the item's path in the input: "dataFeedElement[3].item[0]"
    reason: str

    def __str__(self) -> str:
        return f"item {self.position} ({self.where}): {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.problems)

    def summary(self) -> str:
        return _(
            "%(created)s imported, %(updated)s updated, %(unchanged)s unchanged, "
            "%(refused)s refused"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": len(self.problems),
        }


def import_max_bytes() -> int:
    return int(getattr(settings, "FACTCHECK_FACTCHECK_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


# --------------------------------------------------------------------------- reading


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds if k}


def _items(data, where: str = "") -> Iterator[tuple[str, object]]:
    """``(path, node)`` for every ClaimReview candidate in a JSON document: the items of a
    DataFeed, the elements of an array, a single object, the nodes of an ``@graph``."""
    if isinstance(data, list):
        for n, node in enumerate(data):
            yield from _items(node, f"{where}[{n}]")
        return
    if not isinstance(data, dict):
        yield where or "document", data
        return
    kinds = _types(data)
    if "ClaimReview" in kinds:
        yield where or "document", data
    elif "@graph" in data:
        yield from _items(data["@graph"], f"{where}@graph")
    elif "dataFeedElement" in data:
        for n, element in enumerate(data.get("dataFeedElement") or []):
            path = f"{where}dataFeedElement[{n}]"
            if isinstance(element, dict) and "item" in element:
                inner = element["item"]
                if isinstance(inner, list):
                    for m, node in enumerate(inner):
                        yield f"{path}.item[{m}]", node
                else:
                    yield f"{path}.item", inner
            else:
                yield path, element
    else:
        yield where or "document", data


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FactCheckImportError(
            _("The file is not UTF-8 text: save it as UTF-8 JSON.")
        ) from None


def _parse_json(text: str, what: str = "The file"):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = (
            _("The file is not valid JSON: %(error)s at line %(line)s, column %(column)s.")
            if what == "The file"
            else _("%(what)s is not valid JSON: %(error)s at line %(line)s, column %(column)s.")
        )
        raise FactCheckImportError(
            message % {"what": what, "error": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from None
    except RecursionError:
        message = (
            _("The file is nested too deeply to read.")
            if what == "The file"
            else _("%(what)s is nested too deeply to read.")
        )
        raise FactCheckImportError(message % {"what": what}) from None


def claimreviews_from_html(html: str) -> tuple[list[tuple[str, object]], list[str]]:
    """The ClaimReview nodes of a page's JSON-LD blocks (``(path, node)``), and the
    problems of blocks that could not be read."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return [], ["the page could not be read as HTML"]
    found: list[tuple[str, object]] = []
    problems: list[str] = []
    for n, script in enumerate(tree.xpath("//script[@type]")):
        if script.get("type", "").split(";")[0].strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text_content() or "")
        except (json.JSONDecodeError, RecursionError) as exc:
            problems.append(f"JSON-LD block {n + 1} is not valid JSON ({exc})")
            continue
        for path, node in _items(data, f"ld+json[{n}]"):
            if isinstance(node, dict) and "ClaimReview" in _types(node):
                found.append((path, node))
    return found, problems


# --------------------------------------------------------------------------- mapping


def _text(value) -> str:
    if isinstance(value, list):
        value = next((v for v in value if v), "")
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _number(value) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _date(value) -> datetime.date | None:
    text = _text(value)
    if len(text) < 10:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _first_dict(value) -> dict:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return value if isinstance(value, dict) else {}


def _web_url(value) -> str:
    url = _text(value) if not isinstance(value, str) else value.strip()
    if url.lower().startswith(("http://", "https://")) and len(url) <= 2000 and " " not in url:
        return url
    return ""


def factcheck_fields(item, *, publisher: str = "", page_url: str = "") -> dict:
    """The model's fields from one ClaimReview object; ``ValueError`` with the reason for an
    item that cannot be imported."""
    if not isinstance(item, dict):
        raise ValueError(f"expected a ClaimReview object, found {type(item).__name__}")
    kinds = _types(item)
    if kinds and "ClaimReview" not in kinds:
        raise ValueError(f"not a ClaimReview (@type {', '.join(sorted(kinds))})")
    raw_url = item.get("url") or page_url
    url = _web_url(raw_url)
    if not url:
        raise ValueError("no url" if not raw_url else f"url is not a web address: {raw_url!r}")
    claim_reviewed = _text(item.get("claimReviewed"))
    headline = _text(item.get("headline") or item.get("name"))
    if not claim_reviewed and not headline:
        raise ValueError("neither claimReviewed nor headline")
    rating = _first_dict(item.get("reviewRating"))
    author = _first_dict(item.get("author")) or _first_dict(item.get("publisher"))
    reviewed = _first_dict(item.get("itemReviewed"))
    claimant = reviewed.get("author")
    fields = {
        "url": url,
        "claim_reviewed": claim_reviewed,
        "headline": headline,
        "summary": _text(item.get("reviewBody") or item.get("description")),
        "rating": _text(rating.get("alternateName") or rating.get("name")),
        "rating_value": _number(rating.get("ratingValue")),
        "rating_best": _number(rating.get("bestRating")),
        "rating_worst": _number(rating.get("worstRating")),
        "publisher_name": _text(author.get("name")) or publisher,
        "publisher_url": _web_url(author.get("url") or ""),
        "date_published": _date(item.get("datePublished")),
        "claimant": _text(claimant) if claimant else "",
        "raw": item,
    }
    for name, limit in _MAX_LENGTHS.items():
        fields[name] = fields[name][:limit]
    return fields


# --------------------------------------------------------------------------- writing


def _candidates(data: bytes | str) -> tuple[list[tuple[str, object]], list[str], str]:
    """``(path, node)`` of the input's items, page-level problems, and the input's kind."""
    text = _decode(data)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        found, problems = claimreviews_from_html(text)
        if not found and not problems:
            raise FactCheckImportError(_("The page has no ClaimReview in its JSON-LD."))
        return found, problems, "page"
    parsed = _parse_json(text)
    if isinstance(parsed, dict) and not parsed:
        raise FactCheckImportError(_("The JSON object is empty: no ClaimReview in it."))
    return list(_items(parsed)), [], "json"


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _write_batch(batch: list[tuple[int, str, dict]], *, user, report: ImportReport) -> None:
    urls = [fields["url"] for _position, _where, fields in batch]
    with transaction.atomic():
        existing = {
            row.url: row
            for row in ExternalFactCheck.objects.select_for_update().filter(url__in=urls)
        }
        new_rows: list[ExternalFactCheck] = []
        changed: list[tuple[ExternalFactCheck, dict]] = []
        now = timezone.now()
        for _position, _where, fields in batch:
            row = existing.get(fields["url"])
            if row is None:
                new_rows.append(ExternalFactCheck(**fields))
                continue
            changes = {
                name: [_plain(getattr(row, name)), _plain(fields[name])]
                for name in TRACKED
                if getattr(row, name) != fields[name]
            }
            if not changes and row.raw == fields["raw"]:
                report.unchanged += 1
                continue
            if not changes:
                changes = {"raw": ["(earlier markup)", "(new markup)"]}
            for name, value in fields.items():
                setattr(row, name, value)
            row.version += 1
            row.updated_at = now
            changed.append((row, changes))
        if new_rows:
            ExternalFactCheck.objects.bulk_create(new_rows, batch_size=BATCH)
            if new_rows[0].pk is None:  # a backend that does not return keys
                keyed = dict(
                    ExternalFactCheck.objects.filter(
                        url__in=[row.url for row in new_rows]
                    ).values_list("url", "pk")
                )
                for row in new_rows:
                    row.pk = row.id = keyed[row.url]
        if changed:
            ExternalFactCheck.objects.bulk_update(
                [row for row, _changes in changed], [*TRACKED, "raw", "version", "updated_at"]
            )
        events = [
            audit_event(
                actor=user,
                action="claims.external_factcheck.imported",
                target=row,
                changes={"url": row.url, "publisher": row.publisher_name},
            )
            for row in new_rows
        ] + [
            audit_event(
                actor=user, action="claims.external_factcheck.updated", target=row, changes=changes
            )
            for row, changes in changed
        ]
        audit_record_many(events)
    report.created += len(new_rows)
    report.updated += len(changed)


def factchecks_import(
    *, data: bytes | str, user=None, publisher: str = "", page_url: str = ""
) -> ImportReport:
    """Import the ClaimReview items of ``data`` (see the module's docstring).
    ``publisher`` names the publisher of items that name none; ``page_url`` is the address
    of a fetched page (the url of its ClaimReviews that have none). Raises
    :class:`FactCheckImportError` when the input as a whole cannot be read."""
    size = len(data.encode() if isinstance(data, str) else data)
    limit = import_max_bytes()
    if size > limit:
        raise FactCheckImportError(
            _(
                "The input is %(size)s, larger than the import limit of %(limit)s "
                "(FACTCHECK_FACTCHECK_IMPORT_MAX_BYTES): split the feed into smaller files."
            )
            % {"size": _size(size), "limit": _size(limit)}
        )
    candidates, page_problems, _kind = _candidates(data)
    report = ImportReport()
    for n, reason in enumerate(page_problems, start=1):
        report.problems.append(ImportProblem(position=0, where=f"block {n}", reason=reason))
    if not candidates and not page_problems:
        raise FactCheckImportError(_("No ClaimReview items found in the input."))
    seen: dict[str, int] = {}
    batch: list[tuple[int, str, dict]] = []
    for position, (where, node) in enumerate(candidates, start=1):
        try:
            fields = factcheck_fields(node, publisher=publisher, page_url=page_url)
        except ValueError as exc:
            report.problems.append(ImportProblem(position, where, str(exc)))
            continue
        if fields["url"] in seen:
            report.problems.append(
                ImportProblem(position, where, f"same url as item {seen[fields['url']]}")
            )
            continue
        seen[fields["url"]] = position
        batch.append((position, where, fields))
        if len(batch) >= BATCH:
            _write_batch(batch, user=user, report=report)
            batch = []
    if batch:
        _write_batch(batch, user=user, report=report)
    if report.created or report.updated:
        from claims.matching import matching_index_changed

        matching_index_changed()
    return report


def factchecks_import_url(*, url: str, user=None, publisher: str = "") -> ImportReport:
    """Fetch a fact-check page or a feed through ``sources.fetching`` and import it."""
    from claims.services.fetch import fetch_failure_message
    from sources.fetching import FetchError, InvalidURL, fetch_document, web_address

    try:
        url = web_address((url or "").strip(), fetch=True)
    except InvalidURL as exc:
        raise FactCheckImportError(f"{url}: {exc}") from None
    try:
        document = fetch_document(url, max_bytes=import_max_bytes(), detect_soft_404_pages=False)
    except FetchError as exc:
        raise FactCheckImportError(fetch_failure_message(url, exc)) from None
    body = document.body
    if document.charset and document.charset.lower() not in ("utf-8", "utf8"):
        with contextlib.suppress(LookupError):
            body = body.decode(document.charset, errors="replace")
    return factchecks_import(
        data=body, user=user, publisher=publisher, page_url=document.final_url or url
    )


def factcheck_add_as_evidence(*, claim, factcheck: ExternalFactCheck, user, version):
    """Another organisation's fact-check of the same claim as evidence ("context": what
    they found and how they rated it; the reviewer may correct the stance afterwards).
    ``version`` is the claim's, from the page the reviewer saw (a stale page raises
    ``ConflictError``)."""
    from claims.models import Evidence
    from claims.services.common import locked_claim
    from claims.services.evidence import evidence_add

    with transaction.atomic():
        locked_claim(user, claim, version)
        parts = [factcheck.publisher_name or "Another fact-checker"]
        parts.append(f"rated it “{factcheck.rating}”" if factcheck.rating else "checked it")
        if factcheck.date_published:
            parts.append(f"on {factcheck.date_published:%d %b %Y}")
        note = " ".join(parts) + (f": {factcheck.headline}" if factcheck.headline else ".")
        return evidence_add(
            claim=claim,
            user=user,
            url=factcheck.url,
            stance=Evidence.Stance.CONTEXT,
            quote=factcheck.claim_reviewed,
            note=note,
        )
