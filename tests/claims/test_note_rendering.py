"""Notes are transformed first and sanitised last: the HTML shown is exactly what the
sanitiser produced, every link keeps its rel, and a mention is highlighted in text only
(never in an attribute, a code span or a code block)."""

from __future__ import annotations

from html.parser import HTMLParser

import nh3
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from claims.rendering import LINK_REL, SANITISER_SETTINGS, render_note_body
from tests.factories import ClaimFactory

MENTION = '<strong class="mention">'
REPORTED = '[r](https://a.example/x "see @demo-editor")'


class _Elements(HTMLParser):
    """Every start tag with its attributes, the mention highlights with the tags they sit
    in, and the text (what a reader sees)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.mention_parents: list[list[str]] = []
        self.text: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "strong" and ("class", "mention") in attrs:
            self.mention_parents.append(list(self._open))
        if tag not in ("br", "hr"):
            self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data):
        self.text.append(data)


def _elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def _attributes(parsed: _Elements) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The attributes of each element, the mention highlights taken out."""
    return [
        (tag, attrs)
        for tag, attrs in parsed.tags
        if not (tag == "strong" and ("class", "mention") in attrs)
    ]


def _without_mention_highlights(body: str) -> str:
    """The same Markdown through markdown-it and the sanitiser, with no highlighting."""
    html = MarkdownIt("commonmark", {"html": False, "linkify": False}).render(body)
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h4>").replace(f"</h{level}>", "</h4>")
    return nh3.clean(html, **SANITISER_SETTINGS)


def _assert_safe(html: str) -> _Elements:
    # (a) a fixed point of the sanitiser: exactly what it alone makes of it.
    assert nh3.clean(html, **SANITISER_SETTINGS) == html
    parsed = _elements(html)
    for tag, attrs in parsed.tags:
        # (b) every link carries the rel.
        if tag == "a":
            assert dict(attrs).get("rel") == LINK_REL, html
        # (c) no mention markup inside an attribute value ...
        for _, value in attrs:
            assert "<strong" not in (value or "") and MENTION[8:-1] not in (value or ""), html
    # ... nor in code.
    for parents in parsed.mention_parents:
        assert "code" not in parents and "pre" not in parents, html
    return parsed


# ------------------------------------------------------------------ the generated notes

usernames = st.sampled_from(["demo-editor", "persona-editor", "j.doe", "a", "x_y"]) | st.from_regex(
    r"[a-z][a-z0-9._+-]{0,8}[a-z0-9]", fullmatch=True
)
mentions = usernames.map(lambda name: f"@{name}")
words = st.text(alphabet="abcxyz019 éß", min_size=1, max_size=8)
punctuation = st.sampled_from([*".,;:!?()[]{}*_`~#>-+=|\\&'\"</@\n", "  \n", "\\@x"])
raw_html = st.sampled_from(
    [
        "<b>",
        "</b>",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)" title="@demo-editor">x</a>',
        '<strong class="mention">@fake</strong>',
        '<span title="@demo-editor">',
        "<!-- @demo-editor -->",
        "&amp;",
        "&lt;",
        "&#64;demo-editor",
        "&quot;",
        "\u00a0",
        "\x00",
    ]
)
emails = usernames.map(lambda name: f"mail{name}@{name}.example")
plain_pieces = st.one_of(words, mentions, punctuation, raw_html, emails)
code_spans = st.lists(
    st.one_of(words, mentions, raw_html, st.just("@")), min_size=1, max_size=3
).map(lambda parts: "`" + " ".join(parts).replace("`", "") + "`")
urls = st.one_of(
    st.sampled_from(
        [
            "https://a.example/x",
            "https://a.example/@demo-editor",
            "http://b.example/?q=1&r=<2>",
            "mailto:someone@example.org",
            "javascript:alert(1)",
            "/relative/@x",
            "<https://c.example/with space>",
        ]
    ),
    mentions.map(lambda mention: f"https://d.example/{mention}"),
)
titles = st.lists(
    st.one_of(words, mentions, st.sampled_from([*"&'<>()@*_`", "&amp;", '\\"'])),
    max_size=4,
).map(" ".join)
link_texts = st.lists(st.one_of(words, mentions, code_spans), min_size=1, max_size=3).map(" ".join)


@st.composite
def links(draw):
    text = draw(link_texts).replace("[", "").replace("]", "")
    url, title = draw(urls), draw(titles)
    quoted = draw(st.sampled_from(['"{}"', "'{}'", "({})"]))
    if quoted == "'{}'":
        title = title.replace("'", "")
    elif quoted == "({})":
        title = title.replace("(", "").replace(")", "")
    image = draw(st.sampled_from(["", "!"]))
    return f"{image}[{text}]({url} {quoted.format(title)})" if title else f"[{text}]({url})"


autolinks = st.one_of(
    mentions.map(lambda mention: f"<https://e.example/{mention}>"),
    emails.map(lambda address: f"<{address}>"),
)
inline = st.recursive(
    st.one_of(plain_pieces, code_spans, links(), autolinks),
    lambda children: st.tuples(st.sampled_from(["*", "**", "_", "__"]), children).map(
        lambda pair: f"{pair[0]}{pair[1]}{pair[0]}"
    ),
    max_leaves=4,
)
lines = st.lists(inline, min_size=1, max_size=6).map(" ".join) | st.lists(
    inline, min_size=1, max_size=6
).map("".join)
blocks = st.one_of(
    lines,
    st.tuples(st.sampled_from(["# ", "## ", "### ", "> ", "- ", "1. "]), lines).map("".join),
    st.lists(st.one_of(words, mentions, raw_html), min_size=1, max_size=3).map(
        lambda parts: "```\n" + " ".join(parts) + "\n```"
    ),
    st.lists(st.one_of(words, mentions, raw_html), min_size=1, max_size=3).map(
        lambda parts: "    " + " ".join(parts)
    ),
)
notes = st.lists(blocks, min_size=1, max_size=4).flatmap(
    lambda parts: st.sampled_from(["\n", "\n\n"]).map(lambda joint: joint.join(parts))
)

_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(notes)
@example(REPORTED)
@example("`a@`bob `q`@ok *x*@no _@yes_")
@example('[see @demo-editor](https://a.example/@demo-editor "@demo-editor") `@demo-editor`')
@example('![@demo-editor](https://a.example/i.png "@x") <https://a.example/@y>')
def test_a_markdown_note_renders_to_what_the_sanitiser_alone_makes_of_it(body):
    html = render_note_body(body, "markdown")
    parsed = _assert_safe(html)
    # Highlighting adds elements around text and changes nothing else: the same attributes
    # and the same text as the Markdown rendered and sanitised without it.
    baseline = _elements(_without_mention_highlights(body))
    assert _attributes(parsed) == _attributes(baseline)
    assert "".join(parsed.text) == "".join(baseline.text)


@_PROPERTY
@given(st.lists(st.one_of(plain_pieces, links()), max_size=8).map(" ".join))
def test_a_plain_note_renders_to_what_the_sanitiser_alone_makes_of_it(body):
    html = render_note_body(body, "plain")
    parsed = _assert_safe(html)
    assert not [tag for tag, _ in parsed.tags if tag not in ("p", "br", "strong")]


# ------------------------------------------------------------------------- the examples


def test_a_mention_in_a_link_title_stays_text_and_the_link_keeps_its_rel():
    assert render_note_body(REPORTED, "markdown") == (
        '<p><a href="https://a.example/x" title="see @demo-editor" '
        'rel="noopener noreferrer nofollow">r</a></p>\n'
    )


def test_a_mention_in_link_text_is_highlighted_inside_the_link():
    body = '[ask @demo-editor](https://a.example/x "see @demo-editor")'
    html = render_note_body(body, "markdown")
    assert html == (
        '<p><a href="https://a.example/x" title="see @demo-editor" '
        f'rel="noopener noreferrer nofollow">ask {MENTION}@demo-editor</strong></a></p>\n'
    )


def test_mentions_in_code_urls_addresses_and_raw_html_are_not_highlighted():
    body = (
        "`@demo-editor` <https://a.example/@demo-editor> <mail@demo-editor.example> "
        '<strong class="mention">x</strong>\n\n'
        "```\n@demo-editor\n```\n\n    @persona-editor\n"
    )
    html = render_note_body(body, "markdown")
    assert MENTION not in html
    assert "<code>@demo-editor</code>" in html
    assert '&lt;strong class="mention"&gt;x&lt;/strong&gt;' in html
    assert "<pre><code>@demo-editor\n</code></pre>" in html
    assert "<pre><code>@persona-editor\n</code></pre>" in html


def test_mentions_in_prose_emphasis_and_headings_are_highlighted_and_headings_demoted():
    html = render_note_body("# Ask @a\n\n*cc @demo-editor*, not mail@demo-editor.org", "markdown")
    assert html == (
        f"<h4>Ask {MENTION}@a</strong></h4>\n"
        f"<p><em>cc {MENTION}@demo-editor</strong></em>, not mail@demo-editor.org</p>\n"
    )


def test_a_mention_never_starts_inside_a_word_across_code_or_emphasis():
    html = render_note_body("`a@`bob `q`@ok *x*@no _@yes_", "markdown")
    assert html == (
        "<p><code>a@</code>bob <code>q</code>@ok <em>x</em>@no "
        f"<em>{MENTION}@yes</strong></em></p>\n"
    )


def test_a_plain_note_is_escaped_and_its_mentions_highlighted():
    html = render_note_body('<b>hi</b> "@demo-editor" & @x\n\nnext\nline', "plain")
    assert html == (
        f'<p>&lt;b&gt;hi&lt;/b&gt; "{MENTION}@demo-editor</strong>" &amp; {MENTION}@x</strong>'
        "</p>\n\n<p>next<br>line</p>"
    )


@pytest.mark.django_db
def test_the_claim_page_shows_the_reported_note_as_sanitised(client_for, editor):
    claim = ClaimFactory()
    client = client_for("reviewer")
    client.post(
        reverse("claims:note_add", kwargs={"pk": claim.pk}),
        {"body": REPORTED, "format": "markdown"},
    )
    html = client.get(reverse("claims:claim_detail", kwargs={"pk": claim.pk})).content.decode()
    assert (
        '<div class="note-body"><p><a href="https://a.example/x" title="see @demo-editor" '
        'rel="noopener noreferrer nofollow">r</a></p>\n</div>'
    ) in html
