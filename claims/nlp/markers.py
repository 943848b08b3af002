"""List markers, numbering and heading prefixes are not part of a claim's wording.

The splitter keeps every character of the text in some sentence, so a sentence that opens a
list item or follows a heading on the same line starts with them: "- The council cut ...",
"2. Support for Ukraine's Sovereignty: The US sent ...", "## 3) Background: The war began
...". :func:`claim_span` gives the part of such a sentence that is the claim: the same end,
a start moved past

1. markdown heading marks (``#`` to ``######``) and quote marks (``>``),
2. bullets (``-``, ``*``, ``+``, ``•``, en and em dashes, ``▪``, ...) followed by a space,
3. numbering followed by a space: ``1.``, ``2)``, ``(3)``, ``a)``, ``(a)``, ``b.`` (lower
   case), ``iv.``, ``(iv)``, ``IV.`` (upper-case roman numerals of two letters or more:
   "I." and "A." are initials),
4. a short title-like heading ended by ``:`` or a spaced en or em dash when a full sentence
   follows (it starts with a capital, a digit or a quote and has three words or more).
   Title-like: at most ten words, no sentence punctuation, every word capitalised except
   short joining words ("Support for Ukraine's Sovereignty"). Stricter where prose looks the
   same: one word is a heading only after a list marker or numbering ("3. Background: The
   war ..."; alone, "Biden: The economy grew" is a speaker); before a dash the heading may
   not open with a joining word ("In California, dash, I'm surprised ..." is a sentence), and a
   spaced hyphen (" - ", typed as a dash in prose) ends a heading only after a list marker.

Real sentence starts stay: "2020 was a record year.", "Dr. Smith said ...", "U.S. exports
rose", "-5 degrees ...", "The report says: crime fell" (not title-like: the colon is part of
the statement). If nothing with a letter or digit would be left, the span is unchanged.
Offsets stay exact: ``text[start:end]`` is the claim's text.
"""

from __future__ import annotations

import re

__all__ = ["claim_span"]

_BULLETS = "-*+\u2022\u2023\u2043\u2013\u2014\u25aa\u25ab\u25e6\u25cf\u25a0\u25a1\u25ba\u27a2\u00b7"
_ROMAN_LOWER = r"(?=[ivxl])l?x{0,3}(?:ix|iv|v?i{0,3})"
_ROMAN_UPPER = r"(?=[IVXL]{2})L?X{0,3}(?:IX|IV|V?I{0,3})"

# One marker at the current position, with the whitespace after it.
_MARKER_RE = re.compile(
    r"(?:"
    r"#{1,6}"  # markdown heading
    r"|>"  # markdown quote
    rf"|[{re.escape(_BULLETS)}]"  # bullet
    r"|\d{1,3}[.)]"  # 1.  2)
    r"|\((?:\d{1,3}|[A-Za-z]|" + _ROMAN_LOWER + "|" + _ROMAN_UPPER + r")\)"  # (3) (a) (iv)
    r"|[a-z][.)]"  # a.  b)
    r"|[A-Z]\)"  # A)
    r"|" + _ROMAN_LOWER + r"[.)]"  # iv.  ii)
    r"|" + _ROMAN_UPPER + r"[.)]"  # IV.  XII)
    r")[ \t\u00a0]+"
)

# A heading and its separator: up to 80 characters without sentence punctuation or a line
# break, then ":" or a spaced dash.
_HEADING_RE = re.compile(
    r"(?P<head>[^\n,;:!?\u2013\u2014]{1,80}?)"
    r"(?:[ \t]*(?P<colon>:)|[ \t]+(?P<dash>[-\u2013\u2014]))[ \t\u00a0]+"
)
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "over",
        "per",
        "the",
        "to",
        "under",
        "upon",
        "vs",
        "via",
        "with",
        "without",
        "&",
        # Longer prepositions, lower case in title-case headings too.
        "about",
        "after",
        "against",
        "among",
        "amid",
        "before",
        "between",
        "beyond",
        "during",
        "than",
        "through",
        "toward",
        "towards",
        "within",
    ]
)
_OPENING = "\"'\u201c\u2018\u00ab("
_WORD_RE = re.compile(r"\S+")
_ALNUM_RE = re.compile(r"\w")


def _title_like(head: str, *, after_marker: bool) -> bool:
    words = head.split()
    if not words or len(words) > 10 or (len(words) < 2 and not after_marker):
        return False
    for index, word in enumerate(words):
        # "U.S." is a word; "said." before more words ends a sentence.
        if word.endswith(".") and index < len(words) - 1 and "." not in word[:-1]:
            return False
        first = word.lstrip(_OPENING)[:1]
        if not first:
            return False
        if first.isupper() or first.isdigit():
            continue
        if index > 0 and word.lower() in _SMALL_WORDS:
            continue
        return False
    return True


def _full_sentence(text: str, start: int, end: int) -> bool:
    rest = text[start:end]
    first = rest[:1]
    if not (first.isupper() or first.isdigit() or (first and first in _OPENING)):
        return False
    return len(_WORD_RE.findall(rest)) >= 3


def _dash_allowed(heading: re.Match, *, after_marker: bool) -> bool:
    """A heading ended by a dash: not one opening with a joining word, and a hyphen only
    after a list marker (see the module's docstring)."""
    dash = heading.group("dash")
    if dash is None or after_marker:
        return True
    first = heading.group("head").split()[0].lower()
    return dash != "-" and first not in _SMALL_WORDS


def claim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The claim's ``(start, end)`` within the sentence ``text[start:end]``: past its list
    marker, numbering and heading prefix (see the module's docstring)."""
    position, after_marker = start, False
    for _ in range(4):  # "## 2. " or "- (a) ": a few markers in a row at most
        match = _MARKER_RE.match(text, position, end)
        if match is None or match.end() >= end:
            break
        position, after_marker = match.end(), True
    heading = _HEADING_RE.match(text, position, end)
    if (
        heading is not None
        and heading.end() < end
        and _title_like(heading.group("head"), after_marker=after_marker)
        and _dash_allowed(heading, after_marker=after_marker)
        and _full_sentence(text, heading.end(), end)
    ):
        position = heading.end()
    if position == start or not _ALNUM_RE.search(text, position, end):
        return start, end
    return position, end
