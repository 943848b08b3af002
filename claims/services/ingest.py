"""Ingestion: an article (text, HTML, file or URL) becomes canonical text, sentences and
claims."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from audit.services import audit_record
from claims.extraction import (
    ExtractedLink,
    ExtractionError,
    canonical_text,
    decode_bytes,
    extract_html,
    format_for_filename,
    markdown_links,
)
from claims.models import Article, ArticleSentence, CitedLink, Claim
from claims.nlp.matching import find_anchor
from claims.services.creation import claim_from_span, claim_place
from claims.services.wording import claim_wording_check, claim_wording_record
from claims.signals import published_pages_changed
from sources.models import Link

__all__ = [
    "AnalysedSentence",
    "ArticleURLError",
    "IngestError",
    "IngestResult",
    "PreparedText",
    "article_ingest",
    "canonical_text",
    "content_hash",
    "text_analyse",
    "text_prepare",
]


_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_TEXT_TYPES = {"text/plain": Article.Format.TEXT, "text/markdown": Article.Format.MARKDOWN}


class IngestError(ValueError):
    """Input that cannot become an article; the message is meant for the user."""


class ArticleURLError(IngestError):
    """The article's web address itself is unusable (shown on the URL field)."""


@dataclass(frozen=True)
class IngestResult:
    article: Article
    created: bool
    claims_created: int = 0
    reanchored: int = 0
    orphaned: int = 0


@dataclass
class PreparedText:
    """Canonical text ready to be split, with what the input told us about it."""

    text: str
    source_format: str
    links: list[ExtractedLink] = field(default_factory=list)
    raw_html: str = ""
    title: str = ""
    author: str = ""


@dataclass(frozen=True)
class AnalysedSentence:
    start: int
    end: int
    text: str
    score: float
    is_claim: bool


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unique_slug(title: str) -> str:
    base = slugify(title)[:120] or "article"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# ------------------------------------------------------------------ pure preparation


def max_ingest_bytes() -> int:
    return int(getattr(settings, "FACTCHECK_INGEST_MAX_BYTES", 5 * 1024 * 1024))


def checkworthiness_threshold() -> float:
    value = getattr(settings, "FACTCHECK_CHECKWORTHINESS_THRESHOLD", None)
    if value is None:
        from claims.nlp.checkworthiness import DEFAULT_THRESHOLD

        return float(DEFAULT_THRESHOLD)
    return float(value)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _refuse_if_too_large(size: int, what: str) -> None:
    limit = max_ingest_bytes()
    if size > limit:
        raise IngestError(
            f"{what} is {human_size(size)}; the limit is {human_size(limit)}. "
            "Split it or paste the article's text only."
        )


def text_prepare(
    *,
    text: str = "",
    html: str = "",
    file_bytes: bytes | None = None,
    filename: str = "",
    text_format: str = Article.Format.TEXT,
    url: str = "",
    declared_charset: str | None = None,
) -> PreparedText:
    """Decode, extract and canonicalise one input (no database access).

    Exactly one of ``file_bytes`` (with its ``filename``), ``html`` or ``text`` is used, in
    that order of precedence. Raises :class:`IngestError` with a message for the reviewer.
    """
    try:
        if file_bytes is not None:
            _refuse_if_too_large(len(file_bytes), "The file")
            text_format = format_for_filename(filename)
            decoded = decode_bytes(
                file_bytes, declared=declared_charset, html=text_format == Article.Format.HTML
            )
            if text_format == Article.Format.HTML:
                html, text = decoded, ""
            else:
                text = decoded
        if html:
            _refuse_if_too_large(len(html.encode("utf-8")), "The page")
            if not html.strip():
                raise IngestError("The page is empty.")
            extracted = extract_html(html, url=url)
            return PreparedText(
                text=extracted.text,
                source_format=Article.Format.HTML,
                links=extracted.links,
                raw_html=html,
                title=extracted.title,
                author=extracted.author,
            )
    except ExtractionError as exc:
        raise IngestError(str(exc)) from None
    _refuse_if_too_large(len(text.encode("utf-8")), "The text")
    canonical = canonical_text(text)
    if not canonical:
        raise IngestError("The article is empty: paste or upload some text.")
    if text_format not in Article.Format.values:
        raise IngestError(f"Unknown text format {text_format!r}.")
    if text_format == Article.Format.HTML:
        return text_prepare(html=text, url=url)
    links = markdown_links(canonical, url=url) if text_format == Article.Format.MARKDOWN else []
    return PreparedText(text=canonical, source_format=text_format, links=links)


def text_analyse(text: str, *, threshold: float | None = None) -> list[AnalysedSentence]:
    """Split ``text`` into sentences and score each (no database access)."""
    from claims import nlp

    spans = nlp.split_sentences(text)
    if not spans:
        return []
    scores = nlp.score_sentences([text[start:end] for start, end in spans])
    if len(scores) != len(spans):
        raise RuntimeError(f"the scorer returned {len(scores)} scores for {len(spans)} sentences")
    limit = checkworthiness_threshold() if threshold is None else threshold
    analysed = []
    for (start, end), score in zip(spans, scores, strict=True):
        score = min(1.0, max(0.0, float(score)))
        analysed.append(AnalysedSentence(start, end, text[start:end], score, score >= limit))
    return analysed


# --------------------------------------------------------------------------- ingest


def _normalized_article_url(url: str) -> str:
    from sources.fetching import InvalidURL, normalize_url

    url = (url or "").strip()
    if not url:
        return ""
    try:
        return normalize_url(url)
    except InvalidURL:
        raise ArticleURLError(
            f"“{url[:200]}” is not a web address: use a full http:// or https:// URL."
        ) from None


def article_ingest(
    *,
    title: str = "",
    text: str = "",
    url: str = "",
    author: str = "",
    user=None,
    is_demo: bool = False,
    html: str = "",
    file_bytes: bytes | None = None,
    filename: str = "",
    text_format: str = Article.Format.TEXT,
    declared_charset: str | None = None,
) -> IngestResult:
    """Store an article and split it into scored sentences and claims, all or nothing.

    Input is pasted ``text`` (plain or markdown, see ``text_format``), raw ``html``, or a
    file's ``file_bytes`` with its ``filename`` (.txt, .md, .html, .htm). Identical canonical
    text returns the existing article (``created=False``). A changed text for the ``url`` of
    an earlier article becomes its new revision: the earlier claims are re-anchored in the new
    text, and those that cannot be found stay on the old revision, marked orphaned.
    """
    url = _normalized_article_url(url)
    prepared = text_prepare(
        text=text,
        html=html,
        file_bytes=file_bytes,
        filename=filename,
        text_format=text_format,
        url=url,
        declared_charset=declared_charset,
    )
    digest = content_hash(prepared.text)
    existing = Article.objects.filter(content_hash=digest).first()
    if existing is not None and existing.sentences.exists():
        return IngestResult(article=existing, created=False)
    # Splitting and scoring happen before the transaction: they touch no row.
    analysed = text_analyse(prepared.text)
    with transaction.atomic():
        existing = Article.objects.filter(content_hash=digest).first()
        if existing is not None:
            # Stored before sentences were kept (or by a concurrent ingest): fill in what's missing.
            if not existing.sentences.exists():
                _store_analysis(existing, prepared, analysed)
            return IngestResult(article=existing, created=False)
        previous = (
            Article.objects.filter(url=url).order_by("-created_at", "-id").first() if url else None
        )
        title = (title or "").strip() or prepared.title or prepared.text.split("\n", 1)[0][:200]
        article = Article(
            title=title[:500],
            slug=_unique_slug(title),
            url=url,
            author=((author or "").strip() or prepared.author)[:300],
            text=prepared.text,
            raw_html=prepared.raw_html,
            source_format=prepared.source_format,
            content_hash=digest,
            previous_revision=previous,
            ingested_by=user,
            is_demo=is_demo,
        )
        article.full_clean()
        article.save()
        reanchored, orphaned = (
            _reanchor(previous, article, analysed, user=user) if previous is not None else (0, 0)
        )
        created = _store_analysis(article, prepared, analysed)
        audit_record(
            actor=user,
            action="claims.article.ingested",
            article=article,
            target=article,
            changes={
                "claims_created": created,
                "reanchored": reanchored,
                "orphaned": orphaned,
                "previous_revision": previous.pk if previous is not None else None,
            },
        )
    return IngestResult(
        article=article,
        created=True,
        claims_created=created,
        reanchored=reanchored,
        orphaned=orphaned,
    )


def _reanchor(
    previous: Article, article: Article, analysed: list[AnalysedSentence], *, user=None
) -> tuple:
    """Move the previous revision's claims into ``article``; orphan those not found.

    A claim found with other words (a fuzzy match) takes the new sentence as its text; if it
    has a published or open verdict, that verdict keeps the wording it checked and the claim
    is marked changed since checked (``wording.py``). The claim rows are locked, as the
    reviewer services lock them."""
    spans = [(s.start, s.end) for s in analysed]
    taken: set[tuple[int, int]] = set()
    moved, orphaned, published = [], [], []
    claims = (
        previous.claims.select_for_update(of=("self",))
        .filter(is_orphaned=False)
        .order_by("start", "id")
    )
    for claim in claims:
        if claim.status == Claim.Status.PUBLISHED:
            published.append(claim.pk)
        anchor = find_anchor(
            article.text,
            quote=claim.text,
            prefix=claim.prefix,
            suffix=claim.suffix,
            old_start=claim.start,
            old_length=len(previous.text),
            sentences=spans,
            taken=taken,
        )
        claim.version += 1
        if anchor is None:
            claim.is_orphaned = True
            claim.full_clean()
            claim.save(update_fields=["is_orphaned", "version", "updated_at"])
            orphaned.append(claim)
            continue
        previous_text = claim.text
        claim_place(claim, article=article, start=anchor.start, end=anchor.end)
        claim.anchor_match = anchor.method
        outcome = claim_wording_check(claim, previous_text=previous_text)
        claim.full_clean()
        claim.save()
        if outcome is not None:
            claim_wording_record(claim, outcome=outcome, previous_text=previous_text, user=user)
        taken.add((anchor.start, anchor.end))
        moved.append(claim.pk)
    if moved:
        # The old revision's rows must not point at claims that now live on another article.
        ArticleSentence.objects.filter(article=previous, claim__in=moved).update(claim=None)
        CitedLink.objects.filter(article=previous, claim__in=moved).update(claim=None)
    if published:
        # Their pages (the claim's, both revisions', the lists) show the new revision, and
        # any "edited after our check" notice, once this commits.
        published_pages_changed(claim_ids=published, article_ids=[previous.pk, article.pk])
    return len(moved), len(orphaned)


def _store_analysis(
    article: Article, prepared: PreparedText, analysed: list[AnalysedSentence]
) -> int:
    """Sentences, automatic claims and cited links of a freshly stored article."""
    claims = list(article.claims.all())
    new_claims: list[Claim] = []
    sentence_rows: list[ArticleSentence] = []
    for sentence in analysed:
        owner = _claim_overlapping(claims, sentence.start, sentence.end)
        if owner is None and sentence.is_claim:
            owner = claim_from_span(
                article=article,
                start=sentence.start,
                end=sentence.end,
                origin=Claim.Origin.AUTO,
                checkworthiness=sentence.score,
            )
            new_claims.append(owner)
        sentence_rows.append(
            ArticleSentence(
                article=article,
                start=sentence.start,
                end=sentence.end,
                text=sentence.text,
                score=sentence.score,
                claim=owner,
            )
        )
    Claim.objects.bulk_create(new_claims)
    for row in sentence_rows:
        # Spans come from the splitter (ordered, disjoint) and the database enforces the
        # constraints, so the per-row uniqueness queries of a full full_clean() are skipped.
        row.claim_id = row.claim.pk if row.claim is not None else None
        row.full_clean(validate_unique=False, validate_constraints=False)
    ArticleSentence.objects.bulk_create(sentence_rows)
    if not article.cited_links.exists():
        _store_cited_links(article, prepared.links, sentence_rows, claims + new_claims)
    return len(new_claims)


def _claim_overlapping(claims: list[Claim], start: int, end: int) -> Claim | None:
    for claim in claims:
        if claim.start < end and start < claim.end:
            return claim
    return None


_ALNUM_RE = re.compile(r"\w")
_OPENING, _CLOSING = "([{", ")]}"


def _claim_for_link(
    text: str,
    start: int,
    end: int,
    sentences: list[ArticleSentence],
    starts: list[int],
    claims: list[Claim],
) -> Claim | None:
    """The claim a link sits in, or the claim it directly follows as its citation.

    "Directly follows": in the same block, only whitespace and opening brackets between the
    claim's end and the link, and the link is bracketed ("… roads. (Source)") or alone in its
    sentence ("… roads. Source.").
    """
    inside = [c for c in claims if c.start <= start < c.end]
    if inside:
        return min(inside, key=lambda c: c.end - c.start)
    index = bisect.bisect_right(starts, start) - 1
    if index < 1:
        return None
    sentence, before = sentences[index], sentences[index - 1]
    gap = text[before.end : start]
    if "\n\n" in gap or any(ch not in _OPENING for ch in gap.strip()):
        return None
    bracketed = text[start - 1 : start] in tuple(_OPENING) and text[end : end + 1] in tuple(
        _CLOSING
    )
    alone = not _ALNUM_RE.search(text[sentence.start : start] + text[end : sentence.end])
    if not (bracketed or alone):
        return None
    return next((c for c in claims if c.start < before.end <= c.end), None)


def _store_cited_links(
    article: Article,
    links: list[ExtractedLink],
    sentences: list[ArticleSentence],
    claims: list[Claim],
) -> None:
    starts = [s.start for s in sentences]
    cache: dict[str, Link | None] = {}
    rows, seen = [], set()
    for found in links:
        link = cache.get(found.url) if found.url in cache else _link_for(found.url)
        cache[found.url] = link
        if link is None or (found.start, found.end, link.pk) in seen:
            continue
        seen.add((found.start, found.end, link.pk))
        row = CitedLink(
            article=article,
            link=link,
            href=found.href[:2000],
            anchor_text=found.anchor_text,
            start=found.start,
            end=found.end,
            claim=_claim_for_link(article.text, found.start, found.end, sentences, starts, claims),
        )
        row.full_clean(validate_unique=False, validate_constraints=False)
        rows.append(row)
    CitedLink.objects.bulk_create(rows)
    # Links never checked get their first check soon after the article commits.
    from sources.services import links_enqueue_on_commit

    links_enqueue_on_commit(
        link_ids={link.pk for link in cache.values() if link and link.last_checked_at is None}
    )


def _link_for(url: str) -> Link | None:
    """The watched ``Link`` for a cited URL (created if new, attached to the source owning its
    domain); ``None`` if it is unusable (e.g. a host Django's URL validator refuses: not worth
    failing the article)."""
    from sources.services import link_get_or_create

    try:
        link, _ = link_get_or_create(url=url)
    except ValidationError:
        return None
    return link
