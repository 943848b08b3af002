"""The reader site's sitemap (``django.contrib.sitemaps``): published fact-checks, the
articles that have one (no other article has a public page), the list pages and the desk's
pages about itself."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from claims.models import Article, Claim
from reader import selectors as public


class FactCheckSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    limit = 5000

    def items(self):
        return (
            public.published_claims(user=AnonymousUser())
            .annotate(last_published=Max("verdicts__published_at"))
            .only("id", "text")
            .order_by("pk")
        )

    def location(self, item: Claim) -> str:
        return public.claim_path(item)

    def lastmod(self, item: Claim):
        return item.last_published


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5
    limit = 5000

    def items(self):
        published = Q(claims__status=Claim.Status.PUBLISHED)
        return (
            public.public_articles(user=AnonymousUser())
            .annotate(last_published=Max("claims__verdicts__published_at", filter=published))
            .only("id", "slug")
            .order_by("pk")
        )

    def location(self, item: Article) -> str:
        return public.article_path(item)

    def lastmod(self, item: Article):
        return item.last_published


class PagesSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["home", "corrections", "about", "methodology", "corrections_policy"]

    def location(self, item: str) -> str:
        return reverse(f"reader:{item}")


SITEMAPS = {"fact-checks": FactCheckSitemap, "articles": ArticleSitemap, "pages": PagesSitemap}
