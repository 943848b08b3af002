"""Every page of the authorization matrix, drawn in a pseudo-locale: no visible English left.

In the pseudo-locale every string that goes through Django's translation machinery
(``gettext``, ``ngettext``, ``pgettext``, their lazy variants, ``{% translate %}`` and
``{% blocktranslate %}``) comes back wrapped in markers: ``⟦Save⟧``. Each HTML page the
matrix says some persona may read (its most privileged such persona, and the public too
when the page is public) is drawn that way and parsed; what is left of its visible text and
user-facing attributes once the marked parts, the data (every string stored in the
database when the page is drawn), numbers, punctuation, dates, URLs and e-mail addresses are
taken out is text that never went through translation: the test fails and lists it.

``PSEUDO_REPORT=/path/report.json`` writes every page's findings to that file (and the
files each snippet is found in, to hand the work out).
"""

from __future__ import annotations

import gettext as gettext_module
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real
from lxml import html as lxml_html

from tests.conftest import PERSONAS
from tests.test_authorization_matrix import _ROWS, EXTRA, MATRIX, OK

OPEN, CLOSE = "⟦", "⟧"
ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------ the pseudo-locale


class PseudoTranslation(gettext_module.NullTranslations):
    """A translation that wraps every message in markers. It answers to the language code
    it was looked up under, so formats, ``get_language_info`` and the ``lang`` attribute
    behave as in that language."""

    def __init__(self, code: str):
        super().__init__()
        self._code = code

    @staticmethod
    def _wrap(message: str) -> str:
        # pgettext/npgettext pass "context\x04message": only the message is shown.
        return f"{OPEN}{message.rpartition(trans_real.CONTEXT_SEPARATOR)[2]}{CLOSE}"

    def gettext(self, message):
        return self._wrap(message)

    def ngettext(self, msgid1, msgid2, n):
        return self._wrap(msgid1 if n == 1 else msgid2)

    def pgettext(self, context, message):
        return self._wrap(message)

    def npgettext(self, context, msgid1, msgid2, n):
        return self._wrap(msgid1 if n == 1 else msgid2)

    def to_language(self) -> str:
        return self._code

    def language(self) -> str:
        return self._code

    def __repr__(self) -> str:
        return f"<PseudoTranslation lang:{self._code}>"


class _PseudoCache(dict):
    """Stands in for ``trans_real._translations`` (``translation()`` looks a language up
    there and builds a ``DjangoTranslation`` only when it is missing): every language,
    whichever one the request's middleware activates, is the pseudo-locale."""

    def __contains__(self, code) -> bool:
        return True

    def __missing__(self, code: str) -> PseudoTranslation:
        self[code] = PseudoTranslation(code)
        return self[code]


@contextmanager
def pseudo_locale():
    """While active, every translation object Django hands out is a ``PseudoTranslation``
    (``x-pseudo`` included), the default one too; the previous ones come back afterwards."""
    previous = getattr(trans_real._active, "value", None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trans_real, "_translations", _PseudoCache())
        patch.setattr(trans_real, "_default", PseudoTranslation(settings.LANGUAGE_CODE))
        translation.activate(settings.LANGUAGE_CODE)
        try:
            yield
        finally:
            # Put back what was active (``override`` would look it up in the pseudo cache).
            if previous is None:
                translation.deactivate()
            else:
                trans_real._active.value = previous


# ------------------------------------------------------------------ what is not English

# What stays as it is in every language (one reason each).
ALLOWED = [
    settings.FACTCHECK_SITE_NAME,  # the desk's own name (a setting)
    settings.FACTCHECK_ORGANISATION,  # who signs the fact-checks (a setting)
    "OpenAPI",  # the specification's name (the API docs page)
    "Swagger UI",  # the product's name (the API docs page)
    "ClaimReview",  # schema.org's type name (feeds, the embed code)
    "WARC",  # the archive format's name (snapshots)
    "UTC",  # the time zone's name, as the ``T`` date format prints it
    "Axes",  # django-axes, the login throttle: its app's name in the admin's menu
    # The language switcher names each language in itself ("Español", "العربية").
    *(name for _code, name in getattr(settings, "LANGUAGES", [])),
]

_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"']*|\bmailto:[^\s<>\"']*|\bwww\.[^\s<>\"']+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:org|com|net|test|example|local|invalid)\b", re.I)
_ISO_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
)
_LETTER = re.compile(r"[^\W\d_]")
# A country or language code after its name in a choice: "Spanish (es)", "Brazil (BR)".
_CODE_IN_PARENS = re.compile(r"\((?:[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*|[A-Z]{2})\)")
_ELLIPSIS = ("…", "...")
_SPACE = re.compile(r"\s+")
# Marked ranges become this, so what was on either side is checked apart.
_GAP = "\x1f"
# Visible text is cut into chunks at these elements (inline elements join their text).
_BLOCK_TAGS = """address article aside blockquote body br button caption dd details dialog div
dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html input label
legend li main menu nav ol optgroup option p pre section select summary table tbody td textarea
tfoot th thead title tr ul"""
BLOCKS = frozenset(_BLOCK_TAGS.split())
# Never shown as text. (Text in ``<template>``, ``<noscript>`` and ``hidden`` elements is
# shown at some point: it is read like the rest.)
INVISIBLE = frozenset({"script", "style"})
# Machine text shown as such: setting names, key caps, CSV column names.
VERBATIM = frozenset({"code", "kbd", "samp"})
# Attributes a person reads (or hears): tooltips, placeholders, labels, the labels of
# responsive table cells (``data-label``, shown by CSS).
ATTRIBUTES = ("title", "placeholder", "aria-label", "aria-description", "alt", "data-label")
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_LEAD = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|>\s*|\d+[.)]\s+)")


def _units_of(value: str) -> Iterator[str]:
    """The pieces of a stored value a page may show: the value, its paragraphs and lines,
    the same read as Markdown (site pages, notes), and its sentences."""
    yield value
    for line in value.splitlines():
        yield line
        plain = _MARKDOWN_LEAD.sub("", _MARKDOWN_LINK.sub(r"\1", line))
        plain = re.sub(r"(\*\*|__|\*|`)", "", plain)
        yield plain
        yield from re.split(r"(?<=[.!?])\s+", plain)
    yield from value.split("\n\n")


def _strings_in(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings_in(item)


# Tables of machinery, not of anything a page shows as data: their words (model names,
# "Can add claim") would hide real labels.
_NOT_DATA = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry"}


def data_units() -> list[str]:
    """Every string stored in the database now (char, text and JSON fields of every model,
    fields with choices aside: those show their labels) and the desk's own settings
    (``FACTCHECK_*``), in the pieces a page shows them, longest first. Values under three
    characters are left out (they would eat words)."""
    units: set[str] = set()
    for model in apps.get_models():
        if model._meta.label_lower in _NOT_DATA:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
            and not field.choices
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            for value in row:
                for text in _strings_in(value):
                    for unit in _units_of(text):
                        unit = _normal(unit)
                        if len(unit) >= 3 and _LETTER.search(unit):
                            units.add(unit)
    # Country and language names: CLDR's, in the page's language through Babel (not
    # gettext: tests/sources/test_locales.py checks a Spanish page names them in Spanish).
    from claims.languages import language_choices
    from sources.locales import countries_shown, languages_shown

    for name in (*countries_shown().values(), *languages_shown().values()):
        units.add(_normal(name))
    units.update(_normal(str(label)) for code, label in language_choices() if code)
    # The desk's settings a page shows (the site's name, the fetcher's user agent).
    for name in dir(settings):
        value = getattr(settings, name, None) if name.startswith("FACTCHECK_") else None
        if isinstance(value, str) and len(value) >= 3 and _LETTER.search(value):
            units.add(_normal(value))
    return sorted(units, key=len, reverse=True)


def _remove(pattern_text: str, text: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(pattern_text)}(?!\w)", " ", text)


def _leftover(piece: str, units: list[str]) -> str:
    """What of ``piece`` (text no marker covered) is English: "" when nothing is."""
    text = _normal(piece)
    if not _LETTER.search(text):
        return ""
    # Data first (a stored value may hold an address), then what is no word at all.
    # (Stored values before the allowed names: "American English" is one name, not
    # "American" beside the switcher's "English".)
    for unit in units:
        if unit in text:
            text = _remove(unit, text)
    for allowed in ALLOWED:
        if allowed in text:
            text = _remove(allowed, text)
    for pattern in (_URL, _EMAIL, _ISO_DATE, _DOMAIN, _CODE_IN_PARENS):
        text = pattern.sub(" ", text)
    text = _normal(text)
    # Data cut short ("Article 3 says the ci…", "…said the figure…").
    stem = text
    for mark in _ELLIPSIS:
        stem = stem.removeprefix(mark).removesuffix(mark)
    if stem != text and (stem := stem.strip()) and any(stem in unit for unit in units):
        return ""
    if not _LETTER.search(text):
        return ""
    return text.strip(" ,;:.·|-/\u2013\u2014")


def _covered(text: str, bounds: list[tuple[int, int]]) -> str:
    """``text`` with every marked range replaced by a gap. Markers pair across inline
    elements (a translated sentence with a link inside); one left unpaired (a translation
    cut short by a filter) covers the rest of its chunk, or its start."""
    covered = [False] * len(text)
    chunk_of = [0] * len(text)
    for index, (start, end) in enumerate(bounds):
        chunk_of[start:end] = [index] * (end - start)
    stack: list[int] = []
    for position, char in enumerate(text):
        if char == OPEN:
            stack.append(position)
        elif char == CLOSE:
            if stack and chunk_of[stack[-1]] <= chunk_of[position]:
                start = stack.pop()
            else:
                start = bounds[chunk_of[position]][0]
            covered[start : position + 1] = [True] * (position + 1 - start)
    for start in stack:
        end = bounds[chunk_of[start]][1]
        covered[start:end] = [True] * (end - start)
    return "".join(_GAP if hidden else char for char, hidden in zip(text, covered, strict=True))


def _text_chunks(root) -> list[str]:
    """The document's visible text in order, cut at block elements."""
    chunks: list[list[str]] = [[]]

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is not None and tag.lower() not in INVISIBLE | VERBATIM:
            block = tag.lower() in BLOCKS
            if block:
                chunks.append([])
            if element.text:
                chunks[-1].append(element.text)
            for child in element:
                walk(child)
                if child.tail:
                    chunks[-1].append(child.tail)
            if block:
                chunks.append([])
        # Comments, processing instructions and invisible elements: only their tail
        # counts, and the caller adds it.

    walk(root)
    return ["".join(parts) for parts in chunks if "".join(parts).strip()]


def _attribute_texts(root) -> Iterator[str]:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "img" and element.get("src", "").endswith("admin/img/search.svg"):
            continue  # Django's admin/search_form.html writes this icon's alt untranslated
        for name in ATTRIBUTES:
            value = element.get(name)
            if value:
                yield value
        if element.tag == "input" and element.get("type", "").lower() in BUTTON_INPUTS:
            value = element.get("value")
            if value:
                yield value


def untranslated(page: str, units: list[str]) -> list[str]:
    """Every snippet of ``page`` (HTML) that is shown and did not go through translation."""
    if not page.strip():
        return []  # an empty fragment (a list of suggestions with none to give)
    root = lxml_html.document_fromstring(page)
    findings: list[str] = []
    # Text: joined (so markers can pair across chunks), then cut into pieces.
    chunks = _text_chunks(root)
    joined, bounds, position = "", [], 0
    for chunk in chunks:
        bounds.append((position, position + len(chunk)))
        joined += chunk
        position += len(chunk)
    covered = _covered(joined, bounds)
    pieces = [piece for start, end in bounds for piece in covered[start:end].split(_GAP) if piece]
    for value in _attribute_texts(root):
        pieces.extend(_covered(value, [(0, len(value))]).split(_GAP))
    for piece in pieces:
        left = _leftover(piece, units)
        if left and left not in findings:
            findings.append(left)
    return findings


# ------------------------------------------------------------------ the check itself

# A page's readers, most privileged first: the one who sees most of it.
_BY_PRIVILEGE = tuple(reversed(PERSONAS))
_NAMES = list(MATRIX) + [name for name, _, _ in EXTRA]


def _readers(expected: dict) -> list[str]:
    allowed = [persona for persona in _BY_PRIVILEGE if expected.get(persona, OK) == OK]
    chosen = allowed[:1]
    if "anonymous" in allowed and "anonymous" not in chosen:
        chosen.append("anonymous")  # public pages look different to the public
    return chosen


PAGES = [
    pytest.param(index, persona, id=f"{_NAMES[index]}-{index}-{persona}")
    for index, (_, expected) in enumerate(_ROWS)
    if expected is not None
    for persona in _readers(expected)
]

_FINDINGS: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def _report():
    """With ``PSEUDO_REPORT`` set, every page's findings are written there at the end."""
    yield
    target = os.environ.get("PSEUDO_REPORT")
    if not target:
        return
    pages_of: dict[str, list[str]] = defaultdict(list)
    for page_id, finding in _FINDINGS.items():
        for snippet in finding["untranslated"]:
            pages_of[snippet].append(page_id)
    ranked = sorted(pages_of.items(), key=lambda item: (-len(item[1]), item[0]))
    report = {
        "pages": _FINDINGS,
        "pages_failing": sum(1 for finding in _FINDINGS.values() if finding["untranslated"]),
        "snippets": [
            {"text": text, "pages": pages, "found_in": _files_with(text)} for text, pages in ranked
        ],
    }
    Path(target).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")


def _source_files() -> Iterable[Path]:
    for pattern in ("templates/**/*.html", "*/templates/**/*.html", "static/js/*.js"):
        yield from ROOT.glob(pattern)
    for app in ("factcheck", "audit", "sources", "claims", "reader", "desk", "api"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _files_with(snippet: str) -> list[str]:
    """The source files holding ``snippet`` as it stands (a hint for whoever fixes it)."""
    if not hasattr(_files_with, "texts"):
        _files_with.texts = {
            str(path.relative_to(ROOT)): path.read_text(errors="replace")
            for path in _source_files()
        }
    probe = snippet[:60]
    # A short snippet is looked for as a whole string or a tag's whole text ("Title",
    # >Title<), a longer one anywhere.
    probes = [f'"{probe}', f"'{probe}", f">{probe}"] if len(probe) < 16 else [probe]
    return [
        name
        for name, text in _files_with.texts.items()
        if any(candidate in text for candidate in probes)
    ][:8]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "persona"), PAGES)
def test_every_page_is_translated(row, persona, client_for):
    make_kwargs, _ = _ROWS[row]
    name = _NAMES[row]
    url = reverse(name, kwargs=make_kwargs())
    client = client_for(persona)
    # The objects the page shows were made in English, as the desk made them.
    with pseudo_locale():
        response = client.get(url)
    page_id = f"{name} [{persona}]"
    assert response.status_code == 200, (url, persona, response.status_code)
    if not response["Content-Type"].startswith("text/html"):
        return  # feeds, JSON, CSS: machine formats, not pages
    found = untranslated(response.content.decode(), data_units())
    _FINDINGS[page_id] = {"url": url, "persona": persona, "untranslated": found}
    assert not found, f"{url} ({persona}): {len(found)} untranslated: {found}"


# ------------------------------------------------------------------ the checker's own test


def test_a_page_with_only_marked_text_and_data_passes():
    page = (
        "<html><head><title>⟦Claims⟧ · Fact-check Workbench</title>"
        "<script>var raw = 'English in a script';</script></head><body>"
        '<nav aria-label="⟦Main⟧"><a href="/review/">⟦Queue⟧</a></nav>'
        "<h1>⟦Claim #12⟧</h1>"
        '<p>⟦Said by <a href="/c/">Jane Minister</a> on 7 ⟦Dec.⟧ 2026, 2:27 ⟦p.m.⟧⟧</p>'
        "<p>Article 3 says the city <mark>spent 4.2 million</mark> dollars on roads.</p>"
        "<td>Article 3 says the ci…</td><td>user7@example.org</td>"
        "<td>https://news1.example.org/story</td><td>2026-12-07T14:27:00Z</td>"
        '<input type="submit" value="⟦Save⟧" placeholder="⟦Search⟧">'
        "<p>⟦Press⟧ <kbd>j</kbd> <code>FACTCHECK_SITE_NAME</code></p>"
        "<select><option>⟦Any rating⟧</option><option>False</option></select>"
        "</body></html>"
    )
    units = [
        "Article 3 says the city spent 4.2 million dollars on roads.",
        "Jane Minister",
        "False",
    ]
    assert untranslated(page, units) == []


def test_a_raw_english_word_fails():
    units = ["Jane Minister"]
    assert untranslated("<p>⟦Claims⟧ Save</p>", units) == ["Save"]
    assert untranslated("<p>⟦Claimant:⟧ Jane Minister (edit)</p>", units) == ["(edit)"]
    assert untranslated('<button title="Assign to me">⟦Assign⟧</button>', units) == ["Assign to me"]
    assert untranslated('<input type="submit" value="Publish">', units) == ["Publish"]
    assert untranslated("<select><option>Any rating</option></select>", units) == ["Any rating"]
    # A word of a stored value is not the stored value.
    assert untranslated("<p>Minister</p>", units) == ["Minister"]
    # Text after a translation cut short is still read in the next block.
    assert untranslated("<p>⟦A long sentence cut…</p><p>Draft</p>", units) == ["Draft"]


def test_the_pseudo_locale_wraps_every_kind_of_translation():
    from django.template import Context, Template
    from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

    lazy = gettext_lazy("Save")
    with pseudo_locale():
        assert gettext("Save") == "⟦Save⟧"
        assert str(lazy) == "⟦Save⟧"
        assert ngettext("%(n)s claim", "%(n)s claims", 2) % {"n": 2} == "⟦2 claims⟧"
        assert pgettext("claim state", "Open") == "⟦Open⟧"
        rendered = Template(
            "{% load i18n %}{% translate 'Queue' %} "
            "{% blocktranslate trimmed with n=3 %}{{ n }} claims{% endblocktranslate %}"
        ).render(Context())
        assert rendered == "⟦Queue⟧ ⟦3 claims⟧"
    assert gettext("Save") == "Save"  # and nothing is left behind
