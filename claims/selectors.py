"""Reads for the claims app. Every selector starts from ``visible_to(user)``."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from claims.models import Article, Claim


def article_list(*, user) -> QuerySet[Article]:
    return (
        Article.objects.visible_to(user)
        .annotate(
            claim_count=Count("claims", filter=~Q(claims__status=Claim.Status.DISMISSED)),
            published_count=Count("claims", filter=Q(claims__status=Claim.Status.PUBLISHED)),
        )
        .order_by("-created_at", "-id")
    )


def article_get(*, user, key: str) -> Article:
    """An article by slug or numeric id (raises ``Article.DoesNotExist``)."""
    articles = Article.objects.visible_to(user)
    if key.isdigit():
        return articles.get(pk=int(key))
    return articles.get(slug=key)


def article_paragraphs(article: Article) -> list[str]:
    """The canonical text as blocks separated by blank lines (for display only)."""
    blocks = [block.strip() for block in article.text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]
