"""Is each piece of evidence's quoted passage on the page it cites? Located in the text of
the link's latest snapshot (``sources.models.Snapshot``), computed when read, so a new
snapshot or an edited passage counts at once.

- ``found``: the passage is in the page once whitespace, quotation marks, apostrophes and
  dashes are normalised;
- ``differs``: not exactly, but a passage of the page is close (rapidfuzz, at least
  :data:`FUZZY_MIN_SCORE` of 100): shown with the word-level differences;
- ``changed``: not in the latest snapshot, but in an earlier one whose text differs (the
  page changed since it was cited);
- ``not_found``: not in the page;
- and, when there is nothing to look in: ``pending`` (the snapshot is not taken yet, or its
  storage failed and it will be retried), ``unavailable`` (the page could not be fetched),
  ``no_text`` (a type kept as metadata only).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.wording import DiffSegment, word_diff

__all__ = ["FUZZY_MIN_SCORE", "Located", "QuoteCheck", "locate", "normalise", "quote_checks"]

# A passage this close (rapidfuzz's partial ratio, 0-100) counts as "found with differences".
FUZZY_MIN_SCORE = 90
# Shorter passages are only looked for exactly: a few letters match almost anything.
FUZZY_MIN_LENGTH = 20

_SPACE_RE = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
    }
)


def _normalised(text: str) -> tuple[str, list[int]]:
    """:func:`normalise`'s text, and for each of its characters the index in
    ``unicodedata.normalize("NFC", text)`` it came from (to mark a passage in the text)."""
    text = unicodedata.normalize("NFC", text or "")
    out: list[str] = []
    where: list[int] = []
    space_at = -1
    for i, ch in enumerate(text):
        piece = ch if ch.isspace() else unicodedata.normalize("NFKC", ch).translate(_QUOTES)
        for p in piece:
            if p.isspace():
                if out and space_at < 0:
                    space_at = i
                continue
            if space_at >= 0:
                out.append(" ")
                where.append(space_at)
                space_at = -1
            out.append(p)
            where.append(i)
    return "".join(out), where


def normalise(text: str) -> str:
    """Typographic quotes and dashes made plain (and NFKC, character by character), runs
    of whitespace one space. Equal to :func:`_normalised`'s text, computed in C."""
    text = unicodedata.normalize("NFC", text or "")
    table = {
        ord(c): unicodedata.normalize("NFKC", c).translate(_QUOTES)
        for c in set(text)
        if not c.isascii() or c == "`"
    }
    return _SPACE_RE.sub(" ", text.translate(table)).strip()


def _lower(text: str) -> str:
    """Lower case, one character for one (so offsets hold): capitals are not a difference
    (a quote often starts mid-sentence)."""
    return text.translate(
        {ord(c): c.lower() for c in set(text) if c.lower() != c and len(c.lower()) == 1}
    )


@dataclass(frozen=True)
class Located:
    exact: bool
    passage: str  # the page's words (normalised) where the quote was found
    score: float
    start: int = 0  # [start, end) in unicodedata.normalize("NFC", text)
    end: int = 0


def locate(quote: str, text: str, *, offsets: bool = False) -> Located | None:
    """Where ``quote`` is in ``text``: exactly (after :func:`normalise`, whatever the case of
    the letters), or closely. With
    ``offsets``, ``start``/``end`` say where in the (NFC) text (slower: for one page)."""
    needle = normalise(quote)
    haystack, where = _normalised(text) if offsets else (normalise(text), [])
    if not needle or not haystack:
        return None

    def found(exact: bool, a: int, b: int, score: float) -> Located:
        if not offsets:
            return Located(exact, haystack[a:b], score)
        return Located(exact, haystack[a:b], score, where[a], where[b - 1] + 1)

    needle, folded = _lower(needle), _lower(haystack)
    at = folded.find(needle)
    if at >= 0:
        return found(True, at, at + len(needle), 100.0)
    if len(needle) < FUZZY_MIN_LENGTH:
        return None
    from rapidfuzz import fuzz

    # Where on the page (a rough alignment), then which of the page's words there match the
    # quote's (difflib over words), and how close those words are as a whole.
    rough = fuzz.partial_ratio_alignment(needle, folded, score_cutoff=FUZZY_MIN_SCORE - 20)
    if rough is None:
        return None
    pad = len(needle) // 4 + 1
    lo, hi = max(0, rough.dest_start - pad), min(len(haystack), rough.dest_end + pad)
    region = list(re.finditer(r"\S+", folded[lo:hi]))
    # Words cut by the window are left out.
    if region and lo > 0 and haystack[lo - 1] != " " and region[0].start() == 0:
        region = region[1:]
    if region and hi < len(haystack) and haystack[hi] != " " and region[-1].end() == hi - lo:
        region = region[:-1]
    matcher = difflib.SequenceMatcher(
        a=needle.split(" "), b=[m.group() for m in region], autojunk=False
    )
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return None
    a = lo + region[blocks[0].b].start()
    b = lo + region[blocks[-1].b + blocks[-1].size - 1].end()
    score = fuzz.ratio(needle, folded[a:b])
    if score < FUZZY_MIN_SCORE:
        return None
    return found(False, a, b, score)


LABELS = {
    "found": gettext_lazy("Quote found on the page"),
    "differs": gettext_lazy("Quote found with differences"),
    "changed": gettext_lazy("Page changed since cited: the quote is gone"),
    "not_found": gettext_lazy("Quote not found on the page"),
    "pending": gettext_lazy("Snapshot not taken yet"),
    "unavailable": gettext_lazy("The page could not be fetched"),
    "no_text": gettext_lazy("The page has no text to look in"),
}


@dataclass(frozen=True)
class QuoteCheck:
    outcome: str
    snapshot: object | None = None  # the sources.models.Snapshot looked in (or the pending one)
    diff: list[DiffSegment] | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.outcome]

    @property
    def is_problem(self) -> bool:
        return self.outcome in {"not_found", "changed"}


def _check(quote: str, snapshots: list) -> QuoteCheck | None:
    """``snapshots``: one link's, oldest first."""
    from sources.models import Snapshot

    if not quote.strip() or not snapshots:
        return None
    with_text = [s for s in snapshots if s.state == Snapshot.State.DONE and s.text]
    if not with_text:
        pending = next((s for s in snapshots if s.state == Snapshot.State.PENDING), None)
        if pending is not None:
            detail = (
                _("The snapshot could not be stored yet; it will be retried.")
                if pending.error
                else ""
            )
            return QuoteCheck("pending", snapshot=pending, detail=detail)
        done = [s for s in snapshots if s.state == Snapshot.State.DONE]
        if done:
            return QuoteCheck("no_text", snapshot=done[-1])
        return QuoteCheck("unavailable", snapshot=snapshots[-1], detail=snapshots[-1].error)
    latest = with_text[-1]
    found = locate(quote, latest.text)
    if found is not None and found.exact:
        return QuoteCheck("found", snapshot=latest)
    if found is not None:
        return QuoteCheck(
            "differs", snapshot=latest, diff=word_diff(normalise(quote), found.passage)
        )
    for earlier in reversed(with_text[:-1]):
        if earlier.content_hash != latest.content_hash and locate(quote, earlier.text):
            return QuoteCheck("changed", snapshot=latest)
    return QuoteCheck("not_found", snapshot=latest)


def quote_checks(evidence: Iterable) -> dict[int, QuoteCheck]:
    """Each piece of evidence's check, by its id (none for evidence without a passage or a
    snapshot), in one query for all their links' snapshots."""
    from sources.models import Snapshot

    evidence = list(evidence)
    link_ids = {ev.link_id for ev in evidence if (ev.quote or "").strip()}
    if not link_ids:
        return {}
    by_link: dict[int, list] = defaultdict(list)
    for snapshot in Snapshot.objects.filter(link_id__in=link_ids).order_by("requested_at", "id"):
        by_link[snapshot.link_id].append(snapshot)
    checks: dict[int, QuoteCheck] = {}
    for ev in evidence:
        check = _check(ev.quote or "", by_link.get(ev.link_id, []))
        if check is not None:
            checks[ev.pk] = check
    return checks


def evidence_snapshot_page(*, user, claim_pk: int, evidence_pk: int, snapshot_pk=None) -> dict:
    """The reviewer's view of a piece of evidence's snapshots: the one asked for (else the
    one its quote was checked in, else the newest), its text cut around the quoted passage
    (``before``, ``passage``, ``after``: plain text, for the template to escape), the check
    and every snapshot of the link. Raises ``Evidence.DoesNotExist`` /
    ``Snapshot.DoesNotExist`` for what the user may not see or does not exist."""
    from claims.models import Evidence
    from sources.models import Snapshot

    evidence = (
        Evidence.objects.visible_to(user)
        .select_related("link", "claim")
        .get(pk=evidence_pk, claim_id=claim_pk)
    )
    snapshots = list(
        Snapshot.objects.filter(link_id=evidence.link_id).order_by("-requested_at", "-id")
    )
    check = quote_checks([evidence]).get(evidence.pk)
    if snapshot_pk is not None:
        shown = next((s for s in snapshots if s.pk == snapshot_pk), None)
        if shown is None:
            raise Snapshot.DoesNotExist
    elif check is not None and check.snapshot is not None:
        shown = check.snapshot
    else:
        shown = snapshots[0] if snapshots else None
    text = unicodedata.normalize("NFC", shown.text) if shown is not None else ""
    found = locate(evidence.quote, text, offsets=True) if text and evidence.quote else None
    return {
        "evidence": evidence,
        "claim": evidence.claim,
        "check": check,
        "snapshot": shown,
        "snapshots": snapshots,
        "found": found,
        "before": text[: found.start] if found else text,
        "passage": text[found.start : found.end] if found else "",
        "after": text[found.end :] if found else "",
    }
