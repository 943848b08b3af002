"""Turning reviewer-written text into safe HTML (at render time; the stored text is kept as
written). Markdown goes through markdown-it (raw HTML disabled), then nh3 sanitises it."""

from __future__ import annotations

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from claims.services.notes import MENTION_RE

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _mark_mentions(html: str) -> str:
    return MENTION_RE.sub(r'<strong class="mention">@\1</strong>', html)


def render_note_body(body: str, format: str) -> SafeString:
    if format == "markdown":
        # Headings inside a note are demoted below the page's own headings.
        html = _MARKDOWN.render(body or "")
        for level in (2, 1):
            html = html.replace(f"<h{level}>", "<h4>").replace(f"</h{level}>", "</h4>")
        html = sanitise(html)
    else:
        html = linebreaks(escape(body or ""))
    return mark_safe(_mark_mentions(html))  # noqa: S308 - escaped or sanitised just above
