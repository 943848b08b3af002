"""What a pasted, uploaded or fetched article would become, shown before anything is stored.

:func:`article_preview` runs the ingest's pure steps only (``text_prepare`` and
``text_analyse``; no row is written): the title, the start of the canonical text, every
sentence with its check-worthiness score (those that would become claims marked, with the
claim's wording: list markers and heading prefixes left out, ``claims.nlp.markers``), the
cited links and the format used. A text larger than FACTCHECK_INGEST_INLINE_MAX_BYTES is
ingested by the background job: its preview covers its first part only (``partial``).

An uploaded file's bytes, or a page fetched for the preview (:func:`page_fetch`: the guarded
fetcher, with the ingest job's limits), travel to "Ingest" signed (:func:`carried_sign`,
:func:`carried_load`): what is stored is exactly what was previewed, never fetched twice.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from claims import languages
from claims.extraction import ExtractedLink
from claims.formats import detect_format
from claims.models import Article
from claims.nlp.checkworthiness import has_model
from claims.nlp.markers import claim_span
from claims.services.fetch import document_input, fetch_failure_message, ingest_inline_max_bytes
from claims.services.ingest import (
    ArticleURLError,
    IngestError,
    _normalized_article_url,
    _refuse_if_too_large,
    article_language_detect,
    content_hash,
    max_claims_per_article,
    max_ingest_bytes,
    text_analyse,
    text_prepare,
)

__all__ = [
    "AUTO_FORMAT",
    "CARRIED_MAX_AGE",
    "ArticlePreview",
    "CarriedBody",
    "CarriedBodyError",
    "PreviewSentence",
    "article_preview",
    "carried_input",
    "carried_load",
    "carried_sign",
    "ingest_format",
    "page_fetch",
]

#: The ingest form's "detect automatically" choice of format.
AUTO_FORMAT = "auto"
EXCERPT_CHARS = 1500


@dataclass(frozen=True)
class PreviewSentence:
    start: int
    end: int
    text: str
    score: float | None  # None: not scored (no check-worthiness model for the language)
    is_claim: bool
    claim_text: str = ""  # the claim's wording (markers and headings left out)


@dataclass
class ArticlePreview:
    title: str
    text_format: str  # the format the text is read in
    detected_format: str  # what the content looks like
    excerpt: str
    text_chars: int
    sentences: list[PreviewSentence] = field(default_factory=list)
    links: list[ExtractedLink] = field(default_factory=list)
    claims: int = 0
    over_cap: int = 0
    partial: bool = False  # only the first part of a large text was previewed
    previewed_bytes: int = 0
    total_bytes: int = 0
    existing: Article | None = None  # the article already holding this text
    # Why this format: "chosen" by the reviewer, "detected" from the content, or given by
    # the uploaded file's "name" or the fetched page's "content type".
    format_origin: str = "detected"
    # The language the article would be stored with, its English name, and whether the
    # reviewer "chosen" it or it was "detected"; ``scored``: a check-worthiness model covers
    # it (otherwise no sentence is scored and none becomes a claim by itself).
    language: str = ""
    language_name: str = ""
    language_origin: str = "detected"
    scored: bool = True


def ingest_format(text: str, text_format: str) -> str:
    """The format to read ``text`` in: the reviewer's choice, or the detected one."""
    if text_format in Article.Format.values:
        return text_format
    return detect_format(text)


def _first_part(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, cut at a paragraph or line end if any."""
    head = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    for mark in ("\n\n", "\n"):
        cut = head.rfind(mark)
        if cut > len(head) // 2:
            return head[:cut]
    return head


def article_preview(
    *,
    text: str,
    text_format: str = AUTO_FORMAT,
    url: str = "",
    title: str = "",
    default_format: str = "",
    default_origin: str = "detected",
    language: str = "",
):
    """The preview of a pasted ``text`` (``text_format``: a format or ``"auto"``).

    ``default_format`` (with the ``default_origin`` the page names) replaces detection for
    ``"auto"``: an uploaded file's format by its name, a fetched page's by its content type.
    ``language``: the reviewer's choice (blank: detected from the title and text, as
    ingestion does).
    Raises ``IngestError`` (``ArticleURLError`` for the address) with the message the
    ingest would give: empty, too large, unreadable HTML."""
    detected = detect_format(text)
    if text_format in Article.Format.values:
        fmt, origin = text_format, "chosen"
    elif default_format in Article.Format.values:
        fmt, origin = default_format, default_origin
    else:
        fmt, origin = detected, "detected"
    url = _normalized_article_url(url)
    total = len(text.encode("utf-8"))
    limit = ingest_inline_max_bytes()
    partial = False
    if total > limit:
        _refuse_if_too_large(total, "The text")
        text, partial = _first_part(text, limit), True
    prepared = text_prepare(text=text, text_format=fmt, url=url)
    title = (title or "").strip() or prepared.title or prepared.text.split("\n", 1)[0][:200]
    try:
        chosen_language = languages.language_normalize(language)
    except ValidationError as exc:
        raise IngestError(" ".join(exc.messages)) from None
    language = chosen_language or article_language_detect(title=title, text=prepared.text)
    analysed = text_analyse(prepared.text, language=language)
    wanted = [i for i, s in enumerate(analysed) if s.is_claim]
    cap = max_claims_per_article()
    chosen = set(sorted(wanted, key=lambda i: (-analysed[i].score, analysed[i].start))[:cap])
    sentences = []
    for i, sentence in enumerate(analysed):
        claim_text = ""
        if i in chosen:
            start, end = claim_span(prepared.text, sentence.start, sentence.end)
            claim_text = prepared.text[start:end]
        sentences.append(
            PreviewSentence(
                sentence.start,
                sentence.end,
                sentence.text,
                sentence.score,
                i in chosen,
                claim_text,
            )
        )
    existing = None
    if not partial:
        existing = (
            Article.objects.visible_to(None)
            .filter(content_hash=content_hash(prepared.text))
            .first()
        )
    return ArticlePreview(
        title=title[:500],
        text_format=fmt,
        detected_format=detected,
        excerpt=prepared.text[:EXCERPT_CHARS],
        text_chars=len(prepared.text),
        sentences=sentences,
        links=prepared.links,
        claims=len(chosen),
        over_cap=len(wanted) - len(chosen),
        partial=partial,
        previewed_bytes=len(text.encode("utf-8")),
        total_bytes=total,
        existing=existing,
        format_origin=origin,
        language=language,
        language_name=languages.language_name(language),
        language_origin="chosen" if chosen_language else "detected",
        scored=has_model(language),
    )


# ------------------------------------------------- uploaded and fetched bodies, carried

#: Seconds between a preview and its "Ingest" (or "Preview again").
CARRIED_MAX_AGE = 3600
CARRIED_SALT = "claims-ingest-preview-carried"
UPLOAD, FETCH = "upload", "fetch"


class CarriedBodyError(IngestError):
    """A carried body that was altered or is too old: nothing is stored."""


@dataclass(frozen=True)
class CarriedBody:
    """An uploaded file's or a fetched page's bytes, as they travel from the preview."""

    kind: str  # UPLOAD or FETCH
    body: bytes
    filename: str = ""  # UPLOAD: the file's name (it gives the format)
    url: str = ""  # FETCH: the address asked for (the article's)
    final_url: str = ""  # FETCH: where redirects led
    content_type: str = ""  # FETCH: as the server declared it
    charset: str | None = None  # FETCH: the declared charset, if any


def carried_sign(carried: CarriedBody) -> str:
    """``carried`` as a signed, compressed string for a hidden field."""
    return signing.dumps(
        {
            "kind": carried.kind,
            # zlib on the bytes themselves (compressing their base64 would gain little).
            "body": base64.b64encode(zlib.compress(carried.body, 6)).decode("ascii"),
            "filename": carried.filename,
            "url": carried.url,
            "final_url": carried.final_url,
            "content_type": carried.content_type,
            "charset": carried.charset,
        },
        salt=CARRIED_SALT,
    )


def carried_load(payload: str, *, kind: str) -> CarriedBody:
    """The body signed by :func:`carried_sign`; :class:`CarriedBodyError` when the payload
    was altered, is for another kind of input, or is older than ``CARRIED_MAX_AGE``."""
    upload = kind == UPLOAD
    minutes = CARRIED_MAX_AGE // 60
    try:
        data = signing.loads(payload, salt=CARRIED_SALT, max_age=CARRIED_MAX_AGE)
        if data["kind"] != kind:
            raise ValueError("another kind of input")
        body = zlib.decompress(base64.b64decode(data["body"], validate=True))
        charset = data["charset"]
        return CarriedBody(
            kind=kind,
            body=body,
            filename=str(data["filename"]),
            url=str(data["url"]),
            final_url=str(data["final_url"]),
            content_type=str(data["content_type"]),
            charset=str(charset) if charset else None,
        )
    except signing.SignatureExpired:
        message = (
            _(
                "The preview is more than %(minutes)s minutes old and has expired: upload the "
                "file again. Nothing was stored."
            )
            if upload
            else _(
                "The preview is more than %(minutes)s minutes old and has expired: fetch the "
                "address again. Nothing was stored."
            )
        )
        raise CarriedBodyError(message % {"minutes": minutes}) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError, zlib.error):
        raise CarriedBodyError(
            _(
                "The preview's content was altered on its way back and was refused: upload "
                "the file again. Nothing was stored."
            )
            if upload
            else _(
                "The preview's content was altered on its way back and was refused: fetch the "
                "address again. Nothing was stored."
            )
        ) from None


def carried_input(carried: CarriedBody) -> tuple[str, str]:
    """A fetched page's ``(text, format)`` as the ingest job reads it (``document_input``):
    :class:`IngestError` for a document that is neither HTML nor text or cannot be decoded."""
    from sources.fetching import FetchedDocument

    document = FetchedDocument(
        url=carried.url,
        final_url=carried.final_url,
        status=200,
        content_type=carried.content_type,
        charset=carried.charset,
        body=carried.body,
    )
    found = document_input(document, url=carried.url)
    if "html" in found:
        return found["html"], Article.Format.HTML
    return found["text"], found["text_format"]


def page_fetch(url: str) -> CarriedBody:
    """Fetch ``url`` for a preview, storing nothing: the guarded fetcher with the ingest
    job's size limit, time limits and SSRF guard; its failures (and a document that is not
    HTML or text) raise ``ArticleURLError`` with the job's message."""
    from sources.fetching import FetchError, fetch_document

    url = _normalized_article_url(url)
    if not url:
        raise ArticleURLError(_("Give the article's web address."))
    try:
        document = fetch_document(url, max_bytes=max_ingest_bytes())
    except FetchError as exc:
        raise ArticleURLError(fetch_failure_message(url, exc)) from None
    carried = CarriedBody(
        kind=FETCH,
        body=document.body,
        url=url,
        final_url=document.final_url or url,
        content_type=document.content_type or "",
        charset=document.charset,
    )
    try:
        carried_input(carried)
    except IngestError as exc:
        raise ArticleURLError(str(exc)) from None
    return carried
