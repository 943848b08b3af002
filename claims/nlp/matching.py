"""Re-finding a quoted passage in a new revision of a text (text-quote anchoring).

A claim is stored as ``prefix``/``text``/``suffix`` plus its old offsets. In a new text it is
searched for, in order:

1. **context** -- ``prefix + text + suffix`` occurs exactly (the nearest occurrence to the
   old position wins);
2. **exact** -- ``text`` occurs exactly (nearest to the old position);
3. **fuzzy** -- the most similar sentence of the new text (``rapidfuzz`` ratio, at least
   :data:`FUZZY_MIN_SCORE`), else the best-aligned window of the new text (rapidfuzz's
   ``partial_ratio_alignment``) widened to whole words.

Spans already taken by another anchored claim are not reused. Nothing here touches the
database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

__all__ = ["CONTEXT_CHARS", "FUZZY_MIN_SCORE", "Anchor", "context_around", "find_anchor"]

# How much context is stored on each side of a claim.
CONTEXT_CHARS = 32
# Minimum rapidfuzz similarity (0..100) for a changed passage to count as the same claim.
FUZZY_MIN_SCORE = 80.0


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    method: str  # "context", "exact" or "fuzzy"
    score: float = 100.0


def context_around(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to :data:`CONTEXT_CHARS` characters before and after ``text[start:end]``."""
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


def _occurrences(haystack: str, needle: str) -> Iterable[int]:
    if not needle:
        return
    at = haystack.find(needle)
    while at != -1:
        yield at
        at = haystack.find(needle, at + 1)


def _nearest(candidates: Iterable[int], target: int) -> list[int]:
    return sorted(candidates, key=lambda at: (abs(at - target), at))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_anchor(
    new_text: str,
    *,
    quote: str,
    prefix: str = "",
    suffix: str = "",
    old_start: int = 0,
    old_length: int | None = None,
    sentences: Sequence[tuple[int, int]] = (),
    taken: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
) -> Anchor | None:
    """Where ``quote`` is in ``new_text``, or ``None`` if it cannot be found.

    ``old_start``/``old_length`` (the old position and the old text's length) break ties:
    the occurrence nearest to the same relative position wins. ``sentences`` are the
    new text's sentence spans (for the fuzzy step); ``taken`` spans are never returned.
    """
    if not quote:
        return None
    target = round(old_start * len(new_text) / old_length) if old_length else old_start

    if prefix or suffix:
        whole = prefix + quote + suffix
        for at in _nearest(_occurrences(new_text, whole), target - len(prefix)):
            span = (at + len(prefix), at + len(prefix) + len(quote))
            if span not in taken:
                return Anchor(*span, method="context")

    for at in _nearest(_occurrences(new_text, quote), target):
        span = (at, at + len(quote))
        if span not in taken:
            return Anchor(*span, method="exact")

    best: Anchor | None = None
    for start, end in sentences:
        if (start, end) in taken:
            continue
        score = fuzz.ratio(quote, new_text[start:end])
        if score < FUZZY_MIN_SCORE:
            continue
        if (
            best is None
            or score > best.score
            or (score == best.score and abs(start - target) < abs(best.start - target))
        ):
            best = Anchor(start, end, method="fuzzy", score=score)
    if best is not None:
        return best

    if len(quote) < 12:
        return None  # too short for a windowed match to mean anything
    alignment = fuzz.partial_ratio_alignment(quote, new_text, score_cutoff=FUZZY_MIN_SCORE)
    if alignment is None:
        return None
    start, end = alignment.dest_start, alignment.dest_end
    # Widen to whole words, then drop surrounding whitespace.
    while start > 0 and not new_text[start - 1].isspace():
        start -= 1
    while end < len(new_text) and not new_text[end].isspace():
        end += 1
    start, end = _trim(new_text, start, end)
    if end <= start or (start, end) in taken:
        return None
    if fuzz.ratio(quote, new_text[start:end]) < FUZZY_MIN_SCORE:
        return None
    return Anchor(start, end, method="fuzzy", score=alignment.score)
