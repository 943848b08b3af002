"""Turning reviewer-written text into safe HTML (at render time; the stored text is kept as
written).

Transform first, sanitise last: whatever the note's format, the HTML is built completely
(Markdown through markdown-it with raw HTML disabled, or escaped plain text; headings
demoted; ``@username`` mentions highlighted) and only then sanitised with nh3. Nothing
touches the HTML after the sanitiser, so what is shown is exactly what the sanitiser
produced (a fixed point of it: ``tests/claims/test_note_rendering.py``).

Mentions are highlighted in text only: in Markdown, on the text tokens of markdown-it's
stream (never in an attribute such as a link's title or URL, a code span, a code block, an
image's alternative text or an autolink's address); in plain text, between the escaped
pieces of the body.
"""

from __future__ import annotations

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

from claims.services.notes import MENTION_RE

__all__ = ["SANITISER_SETTINGS", "render_note_body", "render_page_markdown", "sanitise"]

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6",
}  # fmt: skip
MENTION_CLASS = "mention"
LINK_REL = "noopener noreferrer nofollow"
# The one allow-list: every note, whatever its format, goes through these settings last.
SANITISER_SETTINGS = {
    "tags": _ALLOWED_TAGS,
    "attributes": {"a": {"href", "title"}},
    # The mention highlight's class, and no other (markdown-it never writes a class).
    "allowed_classes": {"strong": {MENTION_CLASS}},
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": LINK_REL,
    "strip_comments": True,
}
_SANITISER = nh3.Cleaner(**SANITISER_SETTINGS)
# Headings inside a note are demoted below the page's own headings.
_DEMOTED = {"h1": "h4", "h2": "h4"}


def sanitise(html: str) -> str:
    return _SANITISER.clean(html)


def _mention_tokens(text: str, before: str) -> list[Token] | None:
    """``text`` (a text token's content) as text tokens with each mention wrapped in a
    ``<strong class="mention">``; ``None`` when it mentions nobody. ``before`` is the
    visible character preceding it (a mention never starts inside a word)."""
    tokens: list[Token] = []
    pos = 0
    for match in MENTION_RE.finditer(before + text, len(before)):
        start, end = match.start() - len(before), match.end() - len(before)
        if start > pos:
            tokens.append(Token("text", "", 0, content=text[pos:start]))
        opening = Token("strong_open", "strong", 1)
        opening.attrSet("class", MENTION_CLASS)
        tokens += [
            opening,
            Token("text", "", 0, content=text[start:end]),
            Token("strong_close", "strong", -1),
        ]
        pos = end
    if not tokens:
        return None
    if pos < len(text):
        tokens.append(Token("text", "", 0, content=text[pos:]))
    return tokens


def _mark_mentions_inline(inline: Token) -> None:
    """Highlight the mentions among one inline token's children: text tokens only, outside
    autolinks. Code spans are code; attributes (a link's href and title) are never text
    tokens; an image's alternative text lives in the image token's own children, which are
    left alone."""
    children: list[Token] = []
    before = ""  # the visible character before the current child
    in_autolink = False
    for child in inline.children or []:
        if child.type == "link_open" and child.info == "auto":
            in_autolink = True
        elif child.type == "link_close" and child.info == "auto":
            in_autolink = False
        if child.type == "text" and not in_autolink:
            children += _mention_tokens(child.content, before) or [child]
        else:
            children.append(child)
        if child.type in ("text", "code_inline") and child.content:
            before = child.content[-1]
        elif child.type in ("softbreak", "hardbreak"):
            before = "\n"
    inline.children = children


def _markdown_html(body: str) -> str:
    env: dict = {}
    tokens = _MARKDOWN.parse(body, env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _DEMOTED.get(token.tag, token.tag)
        elif token.type == "inline":
            _mark_mentions_inline(token)
    return _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env)


def _plain_html(body: str) -> str:
    """Escaped text in paragraphs and line breaks, its mentions highlighted."""
    pieces = []
    pos = 0
    for match in MENTION_RE.finditer(body):
        pieces += [
            escape(body[pos : match.start()]),
            f'<strong class="{MENTION_CLASS}">{escape(match.group(0))}</strong>',
        ]
        pos = match.end()
    pieces.append(escape(body[pos:]))
    return linebreaks("".join(pieces))  # already escaped: linebreaks only adds <p>/<br>


def render_note_body(body: str, format: str) -> SafeString:
    body = body or ""
    html = _markdown_html(body) if format == "markdown" else _plain_html(body)
    return mark_safe(sanitise(html))  # noqa: S308 - the sanitiser's output, untouched after it


# Pages the desk writes for readers (about, methodology; ``reader.SitePage``): the notes'
# allow-list plus ``h2``, since such a page's sections sit right under its title.
_PAGE_SANITISER = nh3.Cleaner(**{**SANITISER_SETTINGS, "tags": _ALLOWED_TAGS | {"h2"}})
_PAGE_DEMOTED = {"h1": "h2"}


def render_page_markdown(body: str) -> SafeString:
    """A desk-written public page's Markdown as safe HTML: the notes' Markdown (raw HTML
    disabled) without mentions, ``#`` headings demoted to ``h2`` under the page's title,
    then sanitised last with the notes' allow-list plus ``h2``."""
    env: dict = {}
    tokens = _MARKDOWN.parse(body or "", env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _PAGE_DEMOTED.get(token.tag, token.tag)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env)
    return mark_safe(_PAGE_SANITISER.clean(html))  # noqa: S308 - the sanitiser's output
