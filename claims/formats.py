"""What a pasted text is written in: HTML, markdown or plain text (pure, no database).

:func:`detect_format` looks at the content only:

* **HTML** when it parses to real elements: a doctype or an ``<html>``/``<body>`` tag, a known
  block element opened and closed (``<p>…</p>``, ``<h2>…</h2>``, ``<li>…</li>``), or at least
  three known tags of any kind (``<a href>``, ``<br>``, ``<em>``). A stray "<" in prose
  ("a < b", "<not a tag>") or one tag quoted in a sentence is not enough.
* **Markdown** when it has markdown structure: an ATX heading (``## Title``), a link
  (``[anchor](https://…)``), emphasis (``**bold**``), or two list items (``- item``,
  ``1. item``) -- a list in plain text reads the same either way, and markdown also keeps its
  links.
* Otherwise **plain text**.

Only the first :data:`SCAN_CHARS` characters are looked at: a page shows what it is at its
start, and a 5 MB paste must not be parsed twice.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from claims.models import Article

__all__ = ["SCAN_CHARS", "detect_format"]

SCAN_CHARS = 100_000

# Elements whose start and end tags together make a text HTML.
_BLOCK = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "table",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "blockquote",
        "pre",
        "article",
        "section",
        "header",
        "footer",
        "main",
        "nav",
        "aside",
        "figure",
        "figcaption",
        "dl",
        "dt",
        "dd",
        "form",
    ]
)
# Elements that count towards "at least three known tags".
_KNOWN = _BLOCK | frozenset(
    [
        "a",
        "abbr",
        "b",
        "br",
        "cite",
        "code",
        "em",
        "hr",
        "i",
        "img",
        "mark",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "meta",
        "link",
        "title",
        "head",
        "script",
        "style",
        "noscript",
        "iframe",
        "video",
        "audio",
        "source",
        "picture",
    ]
)
_DOCUMENT = frozenset({"html", "body", "head"})

_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S", re.M)
_LINK_RE = re.compile(r"\[[^\]\n]{1,500}\]\((?:https?://|/|#)[^)\s]*\)")
_EMPHASIS_RE = re.compile(r"(\*\*|__)(?=\S)[^\n]{1,200}?(?<=\S)\1")
_LIST_ITEM_RE = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.M)


class _TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = False
        self.starts: dict[str, int] = {}
        self.ends: set[str] = set()

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype html"):
            self.doctype = True

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _KNOWN or tag in _DOCUMENT:
            self.starts[tag] = self.starts.get(tag, 0) + 1

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag in _KNOWN or tag in _DOCUMENT:
            self.ends.add(tag)


def _looks_like_html(text: str) -> bool:
    if "<" not in text or ">" not in text:
        return False
    counter = _TagCounter()
    try:
        counter.feed(text)
        counter.close()
    except Exception:  # the stdlib parser is lenient; anything it chokes on is "not HTML"
        return False
    if counter.doctype or any(tag in counter.starts for tag in _DOCUMENT):
        return True
    if any(tag in counter.starts and tag in counter.ends for tag in _BLOCK):
        return True
    return sum(counter.starts.values()) >= 3


def _looks_like_markdown(text: str) -> bool:
    if _HEADING_RE.search(text) or _LINK_RE.search(text) or _EMPHASIS_RE.search(text):
        return True
    items = _LIST_ITEM_RE.finditer(text)
    return next(items, None) is not None and next(items, None) is not None


def detect_format(text: str) -> str:
    """``Article.Format.HTML``, ``.MARKDOWN`` or ``.TEXT`` for a pasted ``text``."""
    head = (text or "")[:SCAN_CHARS]
    if not head.strip():
        return Article.Format.TEXT
    if _looks_like_html(head):
        return Article.Format.HTML
    if _looks_like_markdown(head):
        return Article.Format.MARKDOWN
    return Article.Format.TEXT
