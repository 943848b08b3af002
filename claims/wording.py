"""The word-level difference between the wording a verdict checked and the claim's new
wording (after a revision of its article), for the desk's pages and the reader's notice.

Pure (no database): ``difflib`` over words. The partial ``claims/_word_diff.html`` shows the
segments with ``<del>``/``<ins>`` and words for screen readers that announce neither.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = ["DiffSegment", "word_diff"]

# A word with the spaces after it, so that joining the segments gives the texts back.
_TOKEN_RE = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class DiffSegment:
    """A run of words: ``op`` is ``"same"``, ``"deleted"`` (only in the old wording) or
    ``"inserted"`` (only in the new one)."""

    op: str
    text: str

    @property
    def is_same(self) -> bool:
        return self.op == "same"

    @property
    def is_deleted(self) -> bool:
        return self.op == "deleted"

    @property
    def is_inserted(self) -> bool:
        return self.op == "inserted"


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def word_diff(old: str, new: str) -> list[DiffSegment]:
    """The segments turning ``old`` into ``new`` word by word: a replaced run of words is
    its deletion then its insertion. Joining the ``same`` and ``inserted`` segments gives
    ``new``; the ``same`` and ``deleted`` ones give ``old`` (up to the spacing between
    words, which is the new wording's)."""
    before, after = _tokens(old), _tokens(new)
    # Words are compared without the spaces that follow them.
    matcher = difflib.SequenceMatcher(
        a=[t.strip() for t in before], b=[t.strip() for t in after], autojunk=False
    )
    segments: list[DiffSegment] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1] = DiffSegment(op, segments[-1].text + text)
        else:
            segments.append(DiffSegment(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            # The same words; the spaces after them as the new wording has them.
            add("same", "".join(after[j1:j2]))
            continue
        add("deleted", "".join(before[i1:i2]))
        add("inserted", "".join(after[j1:j2]))
    return segments
