"""Articles and the claims split out of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from factcheck.lib.models import TimeStampedModel


class ArticleQuerySet(models.QuerySet):
    def visible_to(self, user) -> ArticleQuerySet:
        """Articles are public once ingested: their text is what was published elsewhere."""
        return self.all()


class Article(TimeStampedModel):
    class Format(models.TextChoices):
        TEXT = "text", "Plain text"
        MARKDOWN = "markdown", "Markdown"
        HTML = "html", "HTML"

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=140, unique=True)
    url = models.URLField(max_length=2000, blank=True)
    author = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The canonical text is what every offset points into; it never changes once stored.
    text = models.TextField()
    raw_html = models.TextField(blank=True)
    source_format = models.CharField(max_length=10, choices=Format, default=Format.TEXT)
    # sha256 of the canonical text: re-ingesting identical content finds this row.
    content_hash = models.CharField(max_length=64, unique=True)
    previous_revision = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_revisions"
    )
    ingested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    is_demo = models.BooleanField(
        default=False, help_text="Demonstration content, not a real fact-check."
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Finds earlier revisions of the same URL on re-ingestion.
            models.Index(fields=["url"], name="article_url_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ClaimQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClaimQuerySet:
        """Reviewers and editors see every claim; everyone else only published ones."""
        if user is not None and user.is_authenticated and user.has_perm("claims.view_claim"):
            return self.all()
        return self.filter(status=Claim.Status.PUBLISHED)


class Claim(TimeStampedModel):
    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        PUBLISHED = "published", "Published"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    # Invariant: article.text[start:end] == text.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    # Context around the quote, to re-find it in a later revision of the article.
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    checkworthiness = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_claims",
    )
    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["article_id", "start"]
        permissions = [
            ("review_claim", "Can review claims: evidence, notes, drafts"),
            ("publish_claim", "Can approve and publish verdicts"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="claim_span_not_empty"),
            models.UniqueConstraint(
                fields=["article", "start", "end"], name="claim_unique_span_per_article"
            ),
        ]
        indexes = [
            # The reviewer queue filters by status and sorts by recency.
            models.Index(fields=["status", "-updated_at"], name="claim_status_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:80]
