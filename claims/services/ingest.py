"""Ingestion: an article (text, HTML, file or URL) becomes canonical text, sentences and
claims."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.services import audit_record
from claims import languages
from claims.extraction import (
    ExtractedLink,
    ExtractionError,
    canonical_text,
    decode_bytes,
    extract_html,
    format_for_filename,
    markdown_links,
)
from claims.models import Article, ArticleSentence, CitedLink, Claim, check_span
from claims.nlp.markers import claim_span
from claims.nlp.matching import find_anchor
from claims.services.claimants import primary_appearances_follow, primary_appearances_insert
from claims.services.creation import claim_place
from claims.services.wording import claim_wording_check, claim_wording_record
from claims.signals import published_pages_changed
from factcheck.lib.bulk import rows_insert, rows_update
from sources.models import Link

__all__ = [
    "AnalysedSentence",
    "ArticleURLError",
    "IngestError",
    "IngestResult",
    "PreparedText",
    "article_ingest",
    "article_language_detect",
    "canonical_text",
    "content_hash",
    "max_claims_per_article",
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
    score: float | None  # None: the language has no check-worthiness model (not scored)
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


def checkworthiness_threshold(language: str = "en") -> float:
    """The score at or above which a sentence of ``language`` becomes a claim:
    FACTCHECK_CHECKWORTHINESS_THRESHOLD for English when it is set, otherwise the threshold
    recorded in the language's model (each model is calibrated on its own data, so one number
    does not fit every language)."""
    from claims.nlp.checkworthiness import model_for, model_language

    key = model_language(language) or "en"
    value = getattr(settings, "FACTCHECK_CHECKWORTHINESS_THRESHOLD", None)
    if key == "en" and value is not None:
        return float(value)
    return float(model_for(key).threshold)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _refuse_if_too_large(size: int, what: str) -> None:
    limit = max_ingest_bytes()
    if size > limit:
        sentences = {
            "The file": _(
                "The file is %(size)s; the limit is %(limit)s. Split it or paste the article's "
                "text only."
            ),
            "The text": _(
                "The text is %(size)s; the limit is %(limit)s. Split it or paste the article's "
                "text only."
            ),
            "The page": _(
                "The page is %(size)s; the limit is %(limit)s. Split it or paste the article's "
                "text only."
            ),
        }
        message = sentences.get(what) or _(
            "%(what)s is %(size)s; the limit is %(limit)s. Split it or paste the article's "
            "text only."
        )
        raise IngestError(
            message % {"what": what, "size": human_size(size), "limit": human_size(limit)}
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
                raise IngestError(_("The page is empty."))
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
        raise IngestError(_("The article is empty: paste or upload some text."))
    if text_format not in Article.Format.values:
        raise IngestError(f"Unknown text format {text_format!r}.")
    if text_format == Article.Format.HTML:
        return text_prepare(html=text, url=url)
    links = markdown_links(canonical, url=url) if text_format == Article.Format.MARKDOWN else []
    return PreparedText(text=canonical, source_format=text_format, links=links)


def article_language_detect(*, title: str, text: str) -> str:
    """The language of an article from its title and text (``claims.languages``), or
    FACTCHECK_CONTENT_LANGUAGE when it cannot be told."""
    return languages.detect_or_default(f"{title}\n\n{text}" if title else text)


def sentences_score(sentences: list[str], *, language: str) -> list[float]:
    """``claims.nlp.score_sentences`` by the model of ``language`` (which must have one)."""
    from claims import nlp
    from claims.nlp.checkworthiness import model_language

    key = model_language(language)
    if key == "en":
        # The shipped model: the call every caller made before models were per language.
        return nlp.score_sentences(sentences)
    return nlp.score_sentences(sentences, language=key)


def text_analyse(
    text: str, *, threshold: float | None = None, language: str = "en"
) -> list[AnalysedSentence]:
    """Split ``text`` into sentences by the rules of ``language`` and score each with the
    check-worthiness model of that language (no database access).

    A language with no model (``claims.nlp.has_model``: English, Spanish, Arabic) is not scored:
    every sentence comes back with ``score`` None and none is a claim; the reviewer triages
    them by hand."""
    from claims import nlp

    spans = nlp.split_sentences(text, language=language or languages.content_language())
    if not spans:
        return []
    if not nlp.has_model(language):
        return [AnalysedSentence(a, b, text[a:b], None, False) for a, b in spans]
    scores = sentences_score([text[start:end] for start, end in spans], language=language)
    if len(scores) != len(spans):
        raise RuntimeError(f"the scorer returned {len(scores)} scores for {len(spans)} sentences")
    limit = checkworthiness_threshold(language) if threshold is None else threshold
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
            _("“%(url)s” is not a web address: use a full http:// or https:// URL.")
            % {"url": url[:200]}
        ) from None


def max_claims_per_article() -> int:
    """At most this many automatic claims per article (FACTCHECK_MAX_CLAIMS_PER_ARTICLE)."""
    return max(0, int(getattr(settings, "FACTCHECK_MAX_CLAIMS_PER_ARTICLE", 2000)))


def ingest_batch_rows() -> int:
    """Sentences stored per committed batch (FACTCHECK_INGEST_BATCH_ROWS)."""
    return max(1, int(getattr(settings, "FACTCHECK_INGEST_BATCH_ROWS", 2000)))


# A "processing" article older than this was left by a process that died; it is discarded
# when the same text is ingested again.
PROCESSING_STALE_AFTER = timedelta(minutes=10)

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


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
    progress: Progress | None = None,
    language: str = "",
) -> IngestResult:
    """Store an article and split it into scored sentences and claims.

    Input is pasted ``text`` (plain or markdown, see ``text_format``), raw ``html``, or a
    file's ``file_bytes`` with its ``filename`` (.txt, .md, .html, .htm). Identical canonical
    text returns the existing article (``created=False``). A changed text for the ``url`` of
    an earlier article becomes its new revision: the earlier claims are re-anchored in the new
    text, and those that cannot be found stay on the old revision, marked orphaned.

    Storing is done in short transactions (see :func:`_store`): the article is hidden
    (``ingest_state`` processing) until the last one; a failure removes it. ``progress`` is
    called with (stage, done, total) as the work advances (the background job shows it).

    ``language`` (a BCP-47 tag) is the reviewer's choice; blank: detected from the title and
    text (:func:`article_language_detect`). It picks the splitting rules and the
    check-worthiness model; with no model for it the sentences are stored unscored and no
    claim is created (the review page lists them all for manual triage).
    """
    progress = progress or _no_progress
    try:
        language = languages.language_normalize(language)
    except ValidationError as exc:
        raise IngestError(" ".join(exc.messages)) from None
    url = _normalized_article_url(url)
    progress("Reading the text", 0, 0)
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
    existing = _existing_article(digest)
    if existing is not None and existing.sentences.exists():
        return IngestResult(article=existing, created=False)
    title = (title or "").strip() or prepared.title or prepared.text.split("\n", 1)[0][:200]
    if existing is not None and existing.language:
        language = existing.language
    elif not language:
        progress("Detecting the language", 0, 0)
        language = article_language_detect(title=title, text=prepared.text)
    # Splitting and scoring happen before any transaction: they touch no row.
    progress("Splitting and scoring sentences", 0, 0)
    analysed = text_analyse(prepared.text, language=language)
    if existing is not None:
        # Stored before sentences were kept: fill in what's missing.
        if existing.language != language:
            Article.objects.filter(pk=existing.pk).update(language=language)
            existing.language = language
        _store(existing, prepared, analysed, user=user, new=False, progress=progress)
        return IngestResult(article=existing, created=False)
    article = Article(
        title=title[:500],
        slug=_unique_slug(title),
        url=url,
        author=((author or "").strip() or prepared.author)[:300],
        text=prepared.text,
        raw_html=prepared.raw_html,
        source_format=prepared.source_format,
        content_hash=digest,
        ingested_by=user,
        is_demo=is_demo,
        ingest_state=Article.IngestState.PROCESSING,
        language=language,
    )
    article.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        # The same text (or slug) committed meanwhile by a concurrent ingest.
        existing = _existing_article(digest)
        if existing is not None:
            return IngestResult(article=existing, created=False)
        raise
    outcome = _store(article, prepared, analysed, user=user, new=True, progress=progress)
    return IngestResult(article=article, created=True, **outcome)


def _existing_article(digest: str) -> Article | None:
    """The stored article with this text; ``None`` if there is none or a dead process left
    it half stored (it is removed). One being stored right now: :class:`IngestError`."""
    existing = Article.objects.filter(content_hash=digest).first()
    if existing is None or existing.ingest_state == Article.IngestState.READY:
        return existing
    if existing.created_at > timezone.now() - PROCESSING_STALE_AFTER:
        raise IngestError(
            _(
                "This text is being ingested right now (started %(time)s): its article opens "
                "when that finishes."
            )
            % {"time": f"{timezone.localtime(existing.created_at):%H:%M:%S}"}
        )
    _discard(existing)
    return None


def _discard(article: Article) -> None:
    """Remove an article that was never made ready (its rows in batches, then the row)."""
    batch = ingest_batch_rows()
    while True:
        with transaction.atomic():
            ids = list(
                ArticleSentence.objects.filter(article=article).values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            ArticleSentence.objects.filter(pk__in=ids).delete()
    with transaction.atomic():
        Article.objects.filter(pk=article.pk, ingest_state=Article.IngestState.PROCESSING).delete()


def _store(
    article: Article,
    prepared: PreparedText,
    analysed: list[AnalysedSentence],
    *,
    user,
    new: bool,
    progress: Progress,
) -> dict:
    """Store the sentences, claims and cited links of ``article`` in short transactions.

    Every row is validated in Python first (the rules ``full_clean`` enforced, without its
    per-row queries: offsets within the text, ``text == text[start:end]``, lengths, scores);
    the database's constraints catch what Python could not see (a race).

    1. The candidates for automatic claims are chosen: the sentences at or above the
       threshold, the best FACTCHECK_MAX_CLAIMS_PER_ARTICLE scores (ties: reading order).
    2. Every sentence is inserted in batches of FACTCHECK_INGEST_BATCH_ROWS, each committed
       on its own; the article is ``processing``, hidden from every page.
    3. One last transaction re-anchors the previous revision's claims, creates the claims,
       links their sentences to them, gives each its primary appearance, stores the cited
       links (and their ``Link`` rows), records the audit event and makes the article
       ``ready``. Its rows are bounded by the cap, never the whole article, and they are
       written in a handful of statements (``factcheck.lib.bulk``), not row by row.

    Any failure discards what was stored (a new article is deleted in batches), so nobody
    sees half an article; a process that dies leaves a hidden ``processing`` row, removed by
    the next ingest of the same text once it is PROCESSING_STALE_AFTER old.
    """
    try:
        rows = _sentence_rows(article, analysed)
        wanted = [i for i, sentence in enumerate(analysed) if sentence.is_claim]
        cap = max_claims_per_article()
        # Only scored sentences are claims (``is_claim``): ``score`` is set on each.
        chosen = set(sorted(wanted, key=lambda i: (-analysed[i].score, analysed[i].start))[:cap])
        _store_sentences(rows, progress)
        progress("Creating the claims and recording the cited links", 0, 0)
        with transaction.atomic():
            outcome = _finish(
                article, prepared, analysed, rows, set(wanted), chosen, user=user, new=new
            )
    except BaseException:
        if new:
            _discard(article)
        else:
            ArticleSentence.objects.filter(article=article).delete()
        raise
    return outcome


def _sentence_rows(article: Article, analysed: list[AnalysedSentence]) -> list[ArticleSentence]:
    rows = []
    for sentence in analysed:
        if sentence.score is not None and not 0.0 <= sentence.score <= 1.0:
            raise ValidationError({"score": "A score must be between 0 and 1."})
        row = ArticleSentence(
            article=article,
            start=sentence.start,
            end=sentence.end,
            text=sentence.text,
            score=sentence.score,
        )
        check_span(row, article)
        rows.append(row)
    return rows


def _store_sentences(rows: list[ArticleSentence], progress: Progress) -> None:
    batch, total = ingest_batch_rows(), len(rows)
    progress("Storing sentences", 0, total)
    for first in range(0, total, batch):
        with transaction.atomic():
            ArticleSentence.objects.bulk_create(rows[first : first + batch])
        progress("Storing sentences", min(total, first + batch), total)


def _finish(
    article: Article,
    prepared: PreparedText,
    analysed: list[AnalysedSentence],
    rows: list[ArticleSentence],
    wanted: set[int],
    chosen: set[int],
    *,
    user,
    new: bool,
) -> dict:
    """The last, short transaction of :func:`_store`."""
    previous = None
    if new and article.url:
        previous = (
            Article.objects.filter(url=article.url, ingest_state=Article.IngestState.READY)
            .exclude(pk=article.pk)
            .order_by("-created_at", "-id")
            .first()
        )
    reanchored, orphaned = (
        _reanchor(previous, article, analysed, user=user) if previous is not None else (0, 0)
    )
    existing_claims = sorted(article.claims.all(), key=lambda c: (c.start, c.pk))
    owners = _owners(existing_claims, rows)
    new_claims = []
    for i, owner in enumerate(owners):
        if owner is None and i in chosen:
            sentence = analysed[i]
            owners[i] = claim_place(
                Claim(origin=Claim.Origin.AUTO, checkworthiness=sentence.score),
                article=article,
                start=claim_span(article.text, sentence.start, sentence.end)[0],
                end=sentence.end,
            )
            new_claims.append(_validated_claim(owners[i], article))
    rows_insert(Claim, new_claims)
    # The sentences (stored in batches, without a claim) now point at theirs: one UPDATE
    # statement for all of them, then each new claim's primary appearance in one INSERT
    # (re-anchored claims moved theirs in ``_reanchor``).
    owned = []
    for row, owner in zip(rows, owners, strict=True):
        if owner is not None:
            row.claim = owner
            owned.append(row)
    rows_update(ArticleSentence, owned, ["claim"])
    primary_appearances_insert(article)
    if not article.cited_links.exists():
        links = _links_for(prepared.links)
        _store_cited_links(article, prepared.links, links, analysed, existing_claims + new_claims)
    over_cap = sum(1 for i in wanted if owners[i] is None)
    # A new revision keeps what the desk said of the article: its publisher, its topics and
    # whether the reader site may show its full text.
    inherited = (
        {"publisher_id": previous.publisher_id, "may_republish": previous.may_republish}
        if previous is not None
        else {}
    )
    updated = Article.objects.filter(pk=article.pk).update(
        ingest_state=Article.IngestState.READY,
        previous_revision=previous,
        sentences_over_cap=over_cap,
        **inherited,
    )
    if not updated:
        raise IngestError(_("The article was removed while it was being stored."))
    article.ingest_state = Article.IngestState.READY
    article.previous_revision = previous
    article.sentences_over_cap = over_cap
    for name, value in inherited.items():
        setattr(article, name, value)
    if previous is not None:
        article.topics.set(previous.topics.all())
    if new:
        audit_record(
            actor=user,
            action="claims.article.ingested",
            article=article,
            target=article,
            changes={
                "claims_created": len(new_claims),
                "reanchored": reanchored,
                "orphaned": orphaned,
                "previous_revision": previous.pk if previous is not None else None,
                **({"sentences_over_cap": over_cap} if over_cap else {}),
            },
        )
    if new_claims:
        # "Another appearance of claim #N?" for the new claims, once this commits.
        from claims.services.proposals import appearance_proposals_enqueue_on_commit

        appearance_proposals_enqueue_on_commit(article_id=article.pk)
    return {"claims_created": len(new_claims), "reanchored": reanchored, "orphaned": orphaned}


# What re-anchoring changes on a claim moved to the new revision (``claim_place``,
# ``claim_wording_check``, the version).
_MOVED_FIELDS = [
    "article",
    "search_config",  # the new revision's language (``claim_place``)
    "start",
    "end",
    "text",
    "prefix",
    "suffix",
    "anchor_match",
    "changed_since_checked_at",
    "changed_from_text",
    "version",
    "updated_at",
]


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
    now = timezone.now()
    worded = []
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
            orphaned.append(claim)
            continue
        previous_text = claim.text
        claim_place(claim, article=article, start=anchor.start, end=anchor.end)
        claim.anchor_match = anchor.method
        outcome = claim_wording_check(claim, previous_text=previous_text, now=now)
        moved.append(_validated_claim(claim, article))
        if outcome is not None:
            worded.append((claim, outcome, previous_text))
        taken.add((anchor.start, anchor.end))
    # Validated in Python above (the span, its context, the score; ``taken`` keeps spans
    # unique); written in one statement each, the database's constraints still checking.
    rows_update(Claim, orphaned, ["is_orphaned", "version", "updated_at"])
    rows_update(Claim, moved, _MOVED_FIELDS)
    for claim, outcome, previous_text in worded:
        claim_wording_record(claim, outcome=outcome, previous_text=previous_text, user=user)
    # Their primary appearances move with them (docs/architecture.md, "Appearances").
    primary_appearances_follow(moved)
    if moved:
        # The old revision's rows must not point at claims that now live on another article.
        moved_ids = [c.pk for c in moved]
        ArticleSentence.objects.filter(article=previous, claim__in=moved_ids).update(claim=None)
        CitedLink.objects.filter(article=previous, claim__in=moved_ids).update(claim=None)
    if published:
        # Their pages (the claim's, both revisions', the lists) show the new revision, and
        # any "edited after our check" notice, once this commits.
        published_pages_changed(claim_ids=published, article_ids=[previous.pk, article.pk])
    return len(moved), len(orphaned)


def _validated_claim(claim: Claim, article: Article) -> Claim:
    """What ``Claim.full_clean()`` checks of a new automatic claim, in Python."""
    check_span(claim, article)
    if len(claim.prefix) > 64 or len(claim.suffix) > 64:
        raise ValidationError("The context around a claim is at most 64 characters.")
    if claim.checkworthiness is not None and not 0.0 <= claim.checkworthiness <= 1.0:
        raise ValidationError({"checkworthiness": "A score must be between 0 and 1."})
    return claim


def _owners(claims: list[Claim], sentences: list[ArticleSentence]) -> list[Claim | None]:
    """For each sentence (in text order), the first claim (by start) overlapping it."""
    owners: list[Claim | None] = []
    lo = 0
    for sentence in sentences:
        while lo < len(claims) and claims[lo].end <= sentence.start:
            lo += 1
        # Claims before ``lo`` ended before this sentence; the first one left either overlaps
        # it or starts after it (and so does every later one).
        owner = claims[lo] if lo < len(claims) and claims[lo].start < sentence.end else None
        if owner is not None and owner.end <= sentence.start:
            owner = None
        owners.append(owner)
    return owners


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


def _links_for(found: list[ExtractedLink]) -> dict[str, Link | None]:
    """The ``Link`` row of every cited URL, found or created."""
    cache: dict[str, Link | None] = {}
    for link in found:
        if link.url not in cache:
            cache[link.url] = _link_for(link.url)
    return cache


def _store_cited_links(
    article: Article,
    links: list[ExtractedLink],
    cache: dict[str, Link | None],
    sentences: list,
    claims: list[Claim],
) -> None:
    starts = [s.start for s in sentences]
    claims = sorted(claims, key=lambda c: (c.start, c.pk))
    rows, seen = [], set()
    for found in links:
        link = cache.get(found.url)
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
        check_span(row, article)
        rows.append(row)
    CitedLink.objects.bulk_create(rows, batch_size=ingest_batch_rows())
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
        link, _created = link_get_or_create(url=url)
    except ValidationError:
        return None
    return link
