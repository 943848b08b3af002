"""Writes for the claims app. Views, commands and tasks call these; nothing else saves."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from claims.models import Article


class IngestError(ValueError):
    """Input that cannot become an article; the message is meant for the user."""


@dataclass(frozen=True)
class IngestResult:
    article: Article
    created: bool


def canonical_text(text: str) -> str:
    """The one stored form of an article's text: NFC, ``\\n`` line ends, trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unique_slug(title: str) -> str:
    base = slugify(title)[:120] or "article"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def article_ingest(
    *,
    title: str,
    text: str,
    url: str = "",
    author: str = "",
    user=None,
    is_demo: bool = False,
) -> IngestResult:
    """Store an article's canonical text once; identical content returns the existing row."""
    canonical = canonical_text(text)
    if not canonical:
        raise IngestError("The article is empty: paste or upload some text.")
    digest = content_hash(canonical)
    existing = Article.objects.filter(content_hash=digest).first()
    if existing is not None:
        return IngestResult(article=existing, created=False)
    title = title.strip() or canonical.split("\n", 1)[0][:200]
    article = Article(
        title=title[:500],
        slug=_unique_slug(title),
        url=url,
        author=author,
        text=canonical,
        content_hash=digest,
        ingested_by=user,
        is_demo=is_demo,
    )
    article.full_clean()
    article.save()
    return IngestResult(article=article, created=True)
