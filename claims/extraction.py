"""Turning uploaded bytes, pasted HTML and markdown into canonical text (no database here).

Everything in this module is pure: ``manage.py extract_claims`` uses it without touching the
database, and the ingest service uses it before it writes anything.

* :func:`decode_bytes` decodes a file: a BOM or valid UTF-8 first, then the charset the HTML
  declares, then ``charset-normalizer``; binary content (images, PDFs, archives, NUL bytes)
  and bytes no encoding explains are refused with a message for the reviewer.
  :func:`decode_text` also says which encoding was used; uploads use it with
  ``strict_utf8``: a file that is UTF-8 but broken is refused naming the byte offset of
  the first invalid sequence, instead of being guessed into mojibake.
* :func:`extract_html` keeps the readable main text of a page (trafilatura's XML output with
  links) and builds the canonical text from its blocks -- headings, paragraphs, list items,
  quotes, table rows -- separated by blank lines, recording each link's anchor offsets in
  that text. Only absolute ``http``/``https`` links are kept; relative ones are resolved
  against the page's URL when it is known and skipped otherwise.
* :func:`markdown_links` finds ``[anchor](url)`` links in markdown kept as canonical text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from urllib.parse import urljoin, urlsplit

import charset_normalizer
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "DecodedText",
    "ExtractedDocument",
    "ExtractedLink",
    "ExtractionError",
    "canonical_text",
    "decode_bytes",
    "decode_text",
    "extract_html",
    "format_for_filename",
    "invalid_utf8_message",
    "markdown_links",
    "resolve_href",
]

# Extension -> source format (the values of ``Article.Format``).
SUPPORTED_EXTENSIONS = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html"}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Signatures of formats that are never article text, with the name a reviewer knows them by.
_BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"GIF87a", gettext_lazy("a GIF image")),
    (b"GIF89a", gettext_lazy("a GIF image")),
    (b"RIFF", gettext_lazy("a RIFF (WebP, WAV or AVI) file")),
    (b"%PDF-", gettext_lazy("a PDF document")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive (or a Word/OpenDocument file)")),
    (b"\x1f\x8b", gettext_lazy("a gzip archive")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an old Microsoft Office document")),
    (b"\x7fELF", gettext_lazy("a program")),
    (b"MZ", gettext_lazy("a Windows program")),
)
# When charset-normalizer finds several equally good single-byte encodings, prefer the ones
# Western web pages actually use (HTML treats latin-1 as windows-1252).
_PREFERRED_TIES = ("cp1252", "latin_1", "iso8859_15")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Characters a browser would not show as text; more than this share means "not text".
_MAX_CONTROL_SHARE = 0.01


class ExtractionError(ValueError):
    """Input that cannot become article text; the message is meant for a reviewer."""


def canonical_text(text: str) -> str:
    """The one stored form of an article's text: NFC, ``\\n`` line ends, trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def format_for_filename(filename: str) -> str:
    """``"text"``, ``"markdown"`` or ``"html"`` for a supported file name."""
    suffix = PurePath(filename or "").suffix.lower()
    try:
        return SUPPORTED_EXTENSIONS[suffix]
    except KeyError:
        if suffix:
            message = _(
                "“%(suffix)s” files cannot be ingested: upload a .txt, .md, .html or .htm file."
            ) % {"suffix": suffix}
        else:
            message = _(
                "Files without an extension cannot be ingested: upload a .txt, .md, .html or "
                ".htm file."
            )
        raise ExtractionError(message) from None


def _looks_binary(data: bytes) -> str | None:
    for signature, name in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return name
    if b"\x00" in data[:65536]:
        return _("a binary file (it contains NUL bytes)")
    return None


def _declared_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _detect(data: bytes) -> str | None:
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    ties = {m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)}
    for preferred in _PREFERRED_TIES:
        if preferred in ties:
            return preferred
    return best.encoding


def decode_bytes(data: bytes, *, declared: str | None = None, html: bool = False) -> str:
    """Decode a file's bytes to text, or raise :class:`ExtractionError` saying why not.

    Order: a byte-order mark, then ``declared`` (an HTTP ``charset``), then strict UTF-8, then
    (for HTML) a ``<meta charset>``, then detection by charset-normalizer.
    """
    return decode_text(data, declared=declared, html=html).text


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # the Python codec name used
    detected: bool  # guessed by charset-normalizer (no BOM, declaration nor valid UTF-8)

    @property
    def encoding_label(self) -> str:
        """The encoding as people know it (``Windows-1252``, ``UTF-8``)."""
        name = codecs.lookup(self.encoding).name
        return _ENCODING_LABELS.get(name, name.upper().replace("_", "-"))


_ENCODING_LABELS = {
    "cp1252": "Windows-1252",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "iso8859-1": "ISO-8859-1 (Latin-1)",
    "latin-1": "ISO-8859-1 (Latin-1)",
    "iso8859-15": "ISO-8859-15",
    "mac-roman": "Mac Roman",
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
}
_SURROGATE_ESCAPE_RE = re.compile("[\udc80-\udcff]")


def decode_text(
    data: bytes, *, declared: str | None = None, html: bool = False, strict_utf8: bool = False
) -> DecodedText:
    """:func:`decode_bytes`, saying which encoding was used and whether it was guessed.

    With ``strict_utf8`` (uploads), bytes that *are* UTF-8 but broken are refused instead of
    being guessed into mojibake: when no BOM nor declaration applies and the valid UTF-8
    multi-byte characters outnumber the invalid bytes, the :class:`ExtractionError` names
    the byte offset (and line) of the first invalid sequence. Bytes with no UTF-8 in them
    (a Windows-1252 or Latin-1 file) are still decoded by detection.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(_checked(data.decode(encoding)), encoding, False)
            except UnicodeDecodeError:
                raise ExtractionError(
                    _(
                        "The file starts with a byte-order mark but is not valid text in that "
                        "encoding."
                    )
                ) from None
    kind = _looks_binary(data)
    if kind:
        raise ExtractionError(
            _("This looks like %(kind)s, not text: upload the article as .txt, .md or .html.")
            % {"kind": kind}
        )
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    candidates.append("utf-8")
    if html:
        meta = _declared_html_charset(data)
        if meta:
            candidates.append(meta)
    utf8_error: UnicodeDecodeError | None = None
    for encoding in candidates:
        try:
            return DecodedText(_checked(data.decode(encoding)), encoding, False)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8":
                utf8_error = exc
            continue
        except LookupError:
            continue
    if strict_utf8 and utf8_error is not None and _mostly_utf8(data):
        raise ExtractionError(invalid_utf8_message(data, utf8_error.start, what="The file"))
    detected = _detect(data)
    if detected is None:
        raise ExtractionError(
            _(
                "The file's characters could not be decoded: it is neither UTF-8 nor any text "
                "encoding we recognise. Save it as UTF-8 text and try again."
            )
        )
    return DecodedText(_checked(data.decode(detected, errors="strict")), detected, True)


def _mostly_utf8(data: bytes) -> bool:
    """Whether the valid UTF-8 multi-byte characters in ``data`` outnumber its invalid bytes
    (UTF-8 damaged here and there, not a file in another encoding)."""
    text = data.decode("utf-8", errors="surrogateescape")
    invalid = len(_SURROGATE_ESCAPE_RE.findall(text))
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - invalid > invalid


def invalid_utf8_message(data: bytes, offset: int, *, what: str) -> str:
    """What a reviewer reads about ``data`` that is not valid UTF-8 from byte ``offset``."""
    line = data.count(b"\n", 0, offset) + 1
    sample = data[offset : offset + 4].hex(" ")
    if what == "The file":
        message = _(
            "The file is not valid UTF-8: the first invalid byte sequence is at byte "
            "%(offset)s (line %(line)s: %(sample)s). Save it as UTF-8 and try again."
        )
    else:
        message = _(
            "%(what)s is not valid UTF-8: the first invalid byte sequence is at byte "
            "%(offset)s (line %(line)s: %(sample)s). Save it as UTF-8 and try again."
        )
    return message % {"what": what, "offset": offset, "line": line, "sample": sample}


def _checked(text: str) -> str:
    if text and len(_CONTROL_RE.findall(text)) > max(2, len(text) * _MAX_CONTROL_SHARE):
        raise ExtractionError(
            _("The file is full of control characters: it is probably not a text document.")
        )
    return text


# --------------------------------------------------------------------------- links


def resolve_href(href: str, base_url: str = "") -> str | None:
    """The absolute http(s) URL an href points to, or ``None`` if it must not be stored.

    ``javascript:``, ``data:``, ``mailto:`` and every other non-http(s) scheme are refused;
    relative hrefs are resolved against ``base_url`` when it is known and refused otherwise;
    fragment-only hrefs (``#notes``) point into the page itself and are refused.
    """
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    # Browsers ignore ASCII whitespace and control characters inside a scheme ("java\tscript:").
    compact = re.sub(r"[\x00-\x20]+", "", href)
    try:
        scheme = urlsplit(compact).scheme.lower()
    except ValueError:
        return None
    if scheme:
        if scheme not in {"http", "https"}:
            return None
        absolute = compact
    else:
        if not base_url:
            return None
        try:
            absolute = urljoin(base_url, href)
        except ValueError:
            return None
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return absolute


@dataclass(frozen=True)
class ExtractedLink:
    """A link found in the text: ``text[start:end] == anchor_text``."""

    href: str  # as written
    url: str  # absolute http(s) URL
    anchor_text: str
    start: int
    end: int


@dataclass
class ExtractedDocument:
    text: str  # canonical text
    links: list[ExtractedLink] = field(default_factory=list)
    title: str = ""
    author: str = ""


# ------------------------------------------------------------------------------ HTML

# trafilatura's XML vocabulary: elements that start a block of their own.
_BLOCKS = {"head", "p", "item", "quote", "code", "row", "list", "table", "main", "div"}
_SPACE_RE = re.compile(r"\s+")


class _Builder:
    """Accumulates blocks of text and link spans while walking trafilatura's XML."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[tuple[str, list[tuple[str, str, int, int]]]] = []
        self.parts: list[str] = []
        self.length = 0
        self.links: list[tuple[str, str, int, int]] = []

    def add(self, text: str | None) -> None:
        if not text:
            return
        text = _SPACE_RE.sub(" ", unicodedata.normalize("NFC", text))
        if text.startswith(" ") and (not self.parts or self.parts[-1][-1:] in {" ", "\n"}):
            text = text[1:]
        if text:
            self.parts.append(text)
            self.length += len(text)

    def line_break(self) -> None:
        if self.parts and self.parts[-1].endswith(" "):
            self.parts[-1] = self.parts[-1][:-1]
            self.length -= 1
        if self.parts:
            self.parts.append("\n")
            self.length += 1

    def flush(self) -> None:
        raw = "".join(self.parts)
        lead = len(raw) - len(raw.lstrip())
        block = raw.strip()
        if block:
            links = []
            for href, url, start, end in self.links:
                start, end = max(start - lead, 0), min(end - lead, len(block))
                # Anchor spans never start or end with whitespace.
                while start < end and block[start].isspace():
                    start += 1
                while end > start and block[end - 1].isspace():
                    end -= 1
                if end > start:
                    links.append((href, url, start, end))
            self.blocks.append((block, links))
        self.parts, self.length, self.links = [], 0, []

    def walk(self, element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in {"comments", "fw", "graphic", "note"}:
            return
        if tag in _BLOCKS:
            self.flush()
        if tag == "lb":
            self.line_break()
        elif tag == "cell" and self.parts:
            self.add(" | ")
        if tag == "ref":
            start = self.length
            self._walk_children(element)
            end = self.length
            href = element.get("target") or ""
            url = resolve_href(href, self.base_url)
            if url and end > start:
                self.links.append((href, url, start, end))
        else:
            self._walk_children(element)
        if tag in _BLOCKS:
            self.flush()
        if tag != "doc":
            self.add(element.tail)

    def _walk_children(self, element) -> None:
        self.add(element.text)
        for child in element:
            self.walk(child)


def extract_html(html: str, *, url: str = "") -> ExtractedDocument:
    """The readable main text of an HTML page as canonical text, with its links."""
    import trafilatura
    from lxml import etree

    if not html.strip():
        raise ExtractionError(_("The HTML page is empty."))
    # No ``url`` here: trafilatura would rewrite relative hrefs, and the href is stored as
    # written; :func:`resolve_href` resolves it against ``url`` below.
    xml = trafilatura.extract(
        html,
        output_format="xml",
        include_links=True,
        include_comments=False,
        include_images=False,
        include_tables=True,
        include_formatting=False,
        with_metadata=True,
        deduplicate=False,
    )
    if not xml:
        raise ExtractionError(
            _(
                "No readable article text was found in this HTML page (only navigation, "
                "scripts or boilerplate). Paste the article's text instead."
            )
        )
    root = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False))
    builder = _Builder(url)
    main = root.find("main")
    builder.walk(main if main is not None else root)
    builder.flush()
    pieces: list[str] = []
    links: list[ExtractedLink] = []
    offset = 0
    for block, block_links in builder.blocks:
        if pieces:
            offset += 2
        pieces.append(block)
        for href, absolute, start, end in block_links:
            links.append(
                ExtractedLink(
                    href=href,
                    url=absolute,
                    anchor_text=block[start:end],
                    start=offset + start,
                    end=offset + end,
                )
            )
        offset += len(block)
    text = "\n\n".join(pieces)
    canonical = canonical_text(text)
    if canonical != text:
        # NFC across block seams could shift offsets; keep only links that still slice exactly.
        links = [link for link in links if canonical[link.start : link.end] == link.anchor_text]
        text = canonical
    if not text:
        raise ExtractionError(_("No readable article text was found in this HTML page."))
    return ExtractedDocument(
        text=text,
        links=links,
        title=(root.get("title") or "").strip(),
        author=(root.get("author") or "").strip(),
    )


# -------------------------------------------------------------------------- markdown

_MD_LINK_RE = re.compile(
    r"(?<![!\\])\[(?P<anchor>[^\[\]\n]+)\]\(\s*<?(?P<href>[^()\s<>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
)


def markdown_links(text: str, *, url: str = "") -> list[ExtractedLink]:
    """Inline ``[anchor](href)`` links of markdown kept verbatim as canonical text.

    The anchor span is the text between the brackets. Images (``![...]``), escaped brackets
    and links inside code spans or fenced code blocks are ignored.
    """
    import markdown_it

    # Where code lives (fenced/indented blocks and inline code), so links there are skipped.
    code_ranges: list[tuple[int, int]] = []
    line_starts = [0]
    for line in text.split("\n"):
        line_starts.append(line_starts[-1] + len(line) + 1)
    for token in markdown_it.MarkdownIt("commonmark").parse(text):
        if token.type in {"fence", "code_block"} and token.map:
            code_ranges.append((line_starts[token.map[0]], line_starts[token.map[1]]))
    code_ranges += [(m.start(), m.end()) for m in re.finditer(r"(`+)[^`]*?\1", text)]

    links = []
    for match in _MD_LINK_RE.finditer(text):
        if any(a <= match.start() < b for a, b in code_ranges):
            continue
        href = match.group("href")
        absolute = resolve_href(href, url)
        if absolute is None:
            continue
        start, end = match.span("anchor")
        anchor = match.group("anchor")
        stripped = anchor.strip()
        if not stripped:
            continue
        start += len(anchor) - len(anchor.lstrip())
        end = start + len(stripped)
        links.append(
            ExtractedLink(href=href, url=absolute, anchor_text=stripped, start=start, end=end)
        )
    return links
