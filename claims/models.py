"""Articles and the claims split out of them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy, pgettext_lazy

from claims.text_search import default_search_config
from factcheck.lib.models import TimeStampedModel


class TopicQuerySet(models.QuerySet):
    def visible_to(self, user) -> TopicQuerySet:
        """Topics are public labels: readers filter the fact-checks by them."""
        return self.all()


class Topic(TimeStampedModel):
    """A subject (elections, health, ...) an article is about; reviewers tag articles with
    topics and readers filter the latest fact-checks by them."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("topic")
        verbose_name_plural = gettext_lazy("topics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def visible_to(self, user) -> ArticleQuerySet:
        """Articles are public once ingested: their text is what was published elsewhere.
        An article still being stored (``ingest_state`` processing) is nobody's yet."""
        return self.filter(ingest_state=Article.IngestState.READY)


class Article(TimeStampedModel):
    class Format(models.TextChoices):
        TEXT = "text", gettext_lazy("Plain text")
        MARKDOWN = "markdown", gettext_lazy("Markdown")
        HTML = "html", gettext_lazy("HTML")

    class IngestState(models.TextChoices):
        """``processing`` while ingestion stores the sentences in batches
        (``claims.services.ingest``): hidden until the last batch makes it ``ready``."""

        READY = "ready", gettext_lazy("Ready")
        PROCESSING = "processing", gettext_lazy("Being stored")
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")

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
        default=False, help_text=gettext_lazy("Demonstration content, not a real fact-check.")
    )
    # Reader site: who published the article (a filter of the home page; set by reviewers
    # or admins) and what it is about. Django's FK index serves "articles of a publisher".
    publisher = models.ForeignKey(
        "sources.Source",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text=gettext_lazy("The publisher or organisation the article comes from."),
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="articles")
    ingest_state = models.CharField(max_length=10, choices=IngestState, default=IngestState.READY)
    # BCP-47 tag in lower case ("en", "es", "pt-br"); blank when unknown. Detected from the
    # title and text at ingestion (``claims.languages``), editable by reviewers. Picks the
    # sentence splitter and the check-worthiness model (none for most languages: then the
    # sentences are not scored and the reviewer triages them by hand).
    language = models.CharField(max_length=16, blank=True, default="")
    # Sentences that scored above the threshold but did not become claims because the article
    # reached FACTCHECK_MAX_CLAIMS_PER_ARTICLE (they can still be promoted one by one).
    sentences_over_cap = models.PositiveIntegerField(default=0)
    # Reader site: the full text is shown only when the publisher allows republishing;
    # otherwise the article page quotes the checked claims with their context.
    may_republish = models.BooleanField(
        gettext_lazy("may republish"),
        default=False,
        help_text=gettext_lazy(
            "The publisher allows the full text on the reader site (otherwise only "
            "the checked claims are quoted, with a link to the original)."
        ),
    )

    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("article")
        verbose_name_plural = gettext_lazy("articles")
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
        NEW = "new", pgettext_lazy("claim status", "New")
        IN_REVIEW = "in_review", pgettext_lazy("claim status", "In review")
        AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("claim status", "Awaiting approval")
        PUBLISHED = "published", pgettext_lazy("claim status", "Published")
        DISMISSED = "dismissed", pgettext_lazy("claim status", "Dismissed")

    class Origin(models.TextChoices):
        AUTO = "auto", gettext_lazy("Found by the check-worthiness model")
        PROMOTED = "promoted", gettext_lazy("Promoted from a scored sentence")
        SELECTED = "selected", gettext_lazy("Selected by a reviewer")
        ENTERED = "entered", gettext_lazy("Entered by a reviewer (no article)")

    class AnchorMatch(models.TextChoices):
        """How the claim was found in its article's text (re-anchoring after a revision)."""

        ORIGINAL = "original", gettext_lazy("Found when the article was ingested")
        CONTEXT = "context", gettext_lazy("Same words and context in a new revision")
        EXACT = "exact", gettext_lazy("Same words, moved, in a new revision")
        FUZZY = "fuzzy", gettext_lazy("Similar words in a new revision (the text changed)")

    # The article the claim was found in, and its span there. Invariant: article.text[start:end]
    # == text. All three are empty for a claim entered by a reviewer (heard in a speech, seen
    # in a post): it lives by its appearances (``claims.services.claimants.claim_enter``).
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="claims"
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    # On PostgreSQL the column ``search_vector`` (not a field) is generated from it and from
    # ``search_config`` (migration 0024): changing either column's type means dropping that
    # one first.
    text = models.TextField()
    # The PostgreSQL text search configuration of the claim's language ("english",
    # "spanish", "simple": ``claims.text_search``), set when the claim is placed in an article
    # and when the article's language changes.
    search_config = models.CharField(max_length=32, default=default_search_config, editable=False)
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
    origin = models.CharField(max_length=10, choices=Origin, default=Origin.AUTO)
    anchor_match = models.CharField(
        max_length=10, choices=AnchorMatch, default=AnchorMatch.ORIGINAL
    )
    # Set when a new revision of the article no longer contains the claim: it stays on the
    # revision it was found in, with its evidence and verdicts, and is listed for reviewers.
    is_orphaned = models.BooleanField(default=False)
    # Why a reviewer dismissed the claim (required by ``claim_dismiss``).
    dismissed_reason = models.TextField(blank=True)
    # Set when the claim was merged into another one (it is dismissed, its evidence moved).
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # The rating of the claim's current verdict (open draft, else published), kept by the
    # verdict services so the queue can filter and show it without a join per row.
    rating = models.ForeignKey(
        "RatingLevel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "Changed since checked": a new revision of the article changed the claim's sentence
    # while the claim had a published or open verdict. ``text`` is the new sentence; the
    # wording that was checked stays on the verdict (``Verdict.checked_text``) and is repeated
    # here (``changed_from_text``) for the editors' list. Cleared when an editor acknowledges
    # the change or a new verdict version checks the new wording (``claims.services.wording``).
    changed_since_checked_at = models.DateTimeField(null=True, blank=True)
    changed_from_text = models.TextField("wording checked", blank=True)
    # Who made the claim (a person or organisation), when known (``claims.services.claimants``).
    claimant = models.ForeignKey(
        "Claimant", null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    # Checked before? The best similarity (0..100) of an earlier check (another organisation's
    # fact-check, or a published claim of the desk), 0 for none, and when it was compared;
    # empty until compared. Kept by a background job (``claims.services.earlier_checks``),
    # read by the queue's "Has an earlier check" filter.
    earlier_check_score = models.PositiveSmallIntegerField(null=True, blank=True)
    earlier_check_at = models.DateTimeField(null=True, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("claim")
        verbose_name_plural = gettext_lazy("claims")
        ordering = ["article_id", "start"]
        permissions = [
            ("review_claim", "Can review claims: evidence, notes, drafts"),
            ("publish_claim", "Can approve and publish verdicts"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="claim_span_not_empty"),
            # An article claim has its span; an entered one has neither.
            models.CheckConstraint(
                condition=Q(article__isnull=False, start__isnull=False, end__isnull=False)
                | Q(article__isnull=True, start__isnull=True, end__isnull=True),
                name="claim_article_has_span",
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end"], name="claim_unique_span_per_article"
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismissed_reason=""),
                name="claim_dismissed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=F("id")),
                name="claim_not_duplicate_of_itself",
            ),
            models.CheckConstraint(
                condition=Q(changed_since_checked_at__isnull=True) | ~Q(changed_from_text=""),
                name="claim_changed_names_checked_wording",
            ),
        ]
        indexes = [
            # The reviewer queue filters by status and sorts by recency.
            models.Index(fields=["status", "-updated_at"], name="claim_status_updated_idx"),
            # The queue's default order with no filter: most recently changed first.
            models.Index(fields=["-updated_at", "-id"], name="claim_updated_idx"),
            # "Mine", "unassigned" and per-reviewer queue filters: a reviewer's claims of a
            # status, most recently changed first, the score last for the score range (a key
            # column: SQLite has no INCLUDE), so a page and its capped count come from the
            # index alone. It replaced (assignee, status), with which PostgreSQL walked every
            # claim of the status (docs/benchmarks.md, "Pages"). Migration 0008 also gives
            # PostgreSQL statistics on (status, assignee) together.
            models.Index(
                fields=["assignee", "status", "-updated_at", "-id", "checkworthiness"],
                name="claim_assignee_queue_idx",
            ),
            # The queue sorted by check-worthiness (highest first).
            models.Index(fields=["-checkworthiness", "-id"], name="claim_checkworthiness_idx"),
            # The queue filtered by rating.
            models.Index(fields=["rating", "-updated_at"], name="claim_rating_updated_idx"),
            # The editors' list of claims changed since checked, newest first (partial: the
            # flag is rare).
            models.Index(
                fields=["-changed_since_checked_at", "-id"],
                condition=Q(changed_since_checked_at__isnull=False),
                name="claim_changed_idx",
            ),
            # On PostgreSQL the text search reads a stored tsvector column with a GIN index,
            # created by migration 0007 (vendor-guarded RunPython; it replaced 0005's index
            # on the expression to_tsvector('english', text)) and made per-language by 0024.
            # This index finds the claims of a configuration (``configs_in_use``, and the
            # substring match of claims read with "simple").
            models.Index(fields=["search_config"], name="claim_search_config_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        super().clean()
        check_span(self, self.article if self.article_id else None)


def check_span(row, article: Article | None) -> None:
    """The invariant of every offset-bearing row: ``text == article.text[start:end]``."""
    if row.start is None or row.end is None:
        return
    if row.end <= row.start:
        raise ValidationError(
            {"end": gettext_lazy("The passage is empty: its end must come after its start.")}
        )
    if article is None:
        return
    if row.end > len(article.text):
        raise ValidationError(
            {"end": gettext_lazy("The passage runs past the end of the article.")}
        )
    if article.text[row.start : row.end] != row.text:
        raise ValidationError(
            {
                "text": gettext_lazy(
                    "The passage does not match the article's text at these offsets."
                )
            }
        )


class SentenceQuerySet(models.QuerySet):
    def visible_to(self, user) -> SentenceQuerySet:
        """Scored sentences are reviewer material: unpublished by nature."""
        if user is not None and user.is_authenticated and user.has_perm("claims.view_claim"):
            return self.all()
        return self.none()


class ArticleSentence(models.Model):
    """Every sentence of an article with its check-worthiness score.

    Sentences at or above the threshold became claims when the article was ingested; the
    others wait here so a reviewer can promote one. ``claim`` is set on a sentence that is (or
    is covered by) a claim.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sentences")
    # Invariant: article.text[start:end] == text.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    # NULL when the article's language has no check-worthiness model ("not scored").
    score = models.FloatField(null=True, blank=True)
    claim = models.ForeignKey(
        "Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="sentences"
    )

    objects = SentenceQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("article sentence")
        verbose_name_plural = gettext_lazy("article sentences")
        ordering = ["article_id", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="sentence_span_not_empty"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="sentence_score_0_to_1"
            ),
            # Also serves the reviewer page: an article's sentences in reading order.
            models.UniqueConstraint(fields=["article", "start"], name="sentence_unique_start"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        super().clean()
        check_span(self, self.article if self.article_id else None)


class CitedLinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> CitedLinkQuerySet:
        """Cited links are part of the published article, like its text."""
        return self.all()


class CitedLink(models.Model):
    """A link as it appears in an article: what was written, its anchor text and where."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="cited_links")
    link = models.ForeignKey("sources.Link", on_delete=models.PROTECT, related_name="citations")
    # The href as written in the page (before resolving against the article's URL).
    href = models.CharField(max_length=2000)
    # Invariant: article.text[start:end] == anchor_text.
    anchor_text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # The claim the link sits in (or directly follows, as its citation), if any.
    claim = models.ForeignKey(
        "Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="cited_links"
    )

    objects = CitedLinkQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("cited link")
        verbose_name_plural = gettext_lazy("cited links")
        ordering = ["article_id", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="citedlink_span_not_empty"
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end", "link"], name="citedlink_unique_per_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.anchor_text[:40]} -> {self.href[:80]}"

    @property
    def text(self) -> str:
        return self.anchor_text

    def clean(self) -> None:
        super().clean()
        check_span(self, self.article if self.article_id else None)


class IngestJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> IngestJobQuerySet:
        """Whoever may add articles sees the desk's fetch jobs."""
        if user is not None and user.is_authenticated and user.has_perm("claims.add_article"):
            return self.all()
        return self.none()


class IngestJob(TimeStampedModel):
    """Fetching an article by URL, or ingesting a large pasted or uploaded text, done by a
    background job; the row records the progress and the outcome."""

    class State(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Queued")
        RUNNING = "running", gettext_lazy("Running")
        DONE = "done", gettext_lazy("Done")
        FAILED = "failed", gettext_lazy("Failed")

    # The address to fetch; for a pasted or uploaded text, the article's address if given.
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=300, blank=True)
    # A large pasted or uploaded text waiting for the worker (emptied once the job finishes);
    # empty for a job that fetches ``url``.
    text = models.TextField(blank=True)
    text_format = models.CharField(max_length=10, choices=Article.Format, blank=True)
    # The language the reviewer chose for the article (blank: detect it, ``claims.languages``).
    language = models.CharField(max_length=16, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    # Progress while running: what is being done and how far (e.g. sentences stored).
    stage = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="ingest_jobs"
    )
    # False when the fetched text was already stored (the existing article is linked).
    article_created = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = IngestJobQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("ingest job")
        verbose_name_plural = gettext_lazy("ingest jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}

    @property
    def is_text(self) -> bool:
        """A pasted or uploaded text (not a page to fetch)."""
        return bool(self.text_format)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class ArticleRefetch(TimeStampedModel):
    """The scheduled re-fetch of an article's web address, to catch stealth edits
    (``claims.services.refetch``). One row per address with a published verdict in the last
    ``FACTCHECK_REFETCH_UNTIL_DAYS``, on its newest revision: a changed text becomes a new
    revision and the row moves to it. The row is the outbox: the beat sweeper sends what is
    due to the workers."""

    class Result(models.TextChoices):
        UNCHANGED = "unchanged", gettext_lazy("Unchanged")
        CHANGED = "changed", gettext_lazy("Changed: new revision")
        REVERTED = "reverted", gettext_lazy("Back to an earlier revision's text")
        FAILED = "failed", gettext_lazy("Could not fetch")

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="refetch")
    # The latest publication of a verdict on a claim at this address: the schedule counts
    # from it (daily, then weekly, then over).
    verdict_at = models.DateTimeField()
    # The next re-fetch; empty once the schedule is over.
    due_at = models.DateTimeField(null=True, blank=True)
    # Claims on the work, both expiring after FACTCHECK_REFETCH_LEASE_SECONDS: sent to the
    # workers (by the sweeper), being fetched (by the task, a conditional UPDATE).
    queued_at = models.DateTimeField(null=True, blank=True)
    fetching_since = models.DateTimeField(null=True, blank=True)
    # The latest attempt: when, what came of it, and on failure the fetcher's outcome
    # (``timeout``, ``not_found``, ``unsafe``, ``robots`` ...) and message.
    fetched_at = models.DateTimeField("last re-fetched", null=True, blank=True)
    result = models.CharField(max_length=10, choices=Result, blank=True)
    fetch_outcome = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    # Failed attempts since the last successful one.
    failures = models.PositiveIntegerField(default=0)
    # When a re-fetch last found the text changed (a new revision, or an earlier one's text).
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("article re-fetch")
        verbose_name_plural = gettext_lazy("article re-fetches")
        ordering = ["due_at", "pk"]
        indexes = [
            # The sweeper: rows due, earliest first (partial: finished schedules never are).
            models.Index(
                fields=["due_at"],
                condition=Q(due_at__isnull=False),
                name="article_refetch_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Re-fetch of article #{self.article_id} ({self.result or 'not yet'})"


# ----------------------------------------------------------------------- rating scales

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Give a colour as #rrggbb.")


class RatingScaleQuerySet(models.QuerySet):
    def visible_to(self, user) -> RatingScaleQuerySet:
        """Scales are public: readers see the labels and definitions of published ratings."""
        return self.all()

    def active(self) -> RatingScale | None:
        return self.filter(is_active=True).first()


class RatingScale(TimeStampedModel):
    """A set of rating levels; verdicts are drafted on the one active scale."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=False)

    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    objects = RatingScaleQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("rating scale")
        verbose_name_plural = gettext_lazy("rating scales")
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="ratingscale_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RatingLevelQuerySet(models.QuerySet):
    def visible_to(self, user) -> RatingLevelQuerySet:
        return self.all()

    def offered(self) -> RatingLevelQuerySet:
        """The levels a new verdict may use: active levels of the active scale."""
        return self.filter(scale__is_active=True, is_active=True)


class RatingLevel(models.Model):
    """One rating (True, Mostly false, ...): label, numeric value, colour and definition."""

    class TextColour(models.TextChoices):
        WHITE = "#ffffff", gettext_lazy("White")
        BLACK = "#000000", gettext_lazy("Black")

    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="levels")
    label = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    # Higher is truer on the true/false axis; levels off that axis (Unsupported,
    # Satire/Opinion) sit below the worst level.
    value = models.SmallIntegerField()
    is_best = models.BooleanField(default=False)
    is_worst = models.BooleanField(default=False)
    colour = models.CharField(max_length=7, validators=[HEX_COLOUR])
    # The text drawn on the colour (chosen for contrast; a test checks WCAG AA).
    text_colour = models.CharField(max_length=7, choices=TextColour, default=TextColour.WHITE)
    definition = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    # Offered for new verdicts. A level that published verdicts use cannot be deleted
    # (claims.services.scales); it is deactivated instead and still shows on those verdicts.
    is_active = models.BooleanField(
        gettext_lazy("offered for new verdicts"),
        default=True,
        help_text=gettext_lazy(
            "Untick to stop offering this rating; verdicts that use it keep it."
        ),
    )

    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    objects = RatingLevelQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("rating level")
        verbose_name_plural = gettext_lazy("rating levels")
        ordering = ["scale_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "slug"], name="ratinglevel_unique_slug"),
            models.UniqueConstraint(fields=["scale", "label"], name="ratinglevel_unique_label"),
            models.UniqueConstraint(
                fields=["scale"], condition=Q(is_best=True), name="ratinglevel_one_best"
            ),
            models.UniqueConstraint(
                fields=["scale"], condition=Q(is_worst=True), name="ratinglevel_one_worst"
            ),
            models.CheckConstraint(
                condition=~(Q(is_best=True) & Q(is_worst=True)), name="ratinglevel_best_or_worst"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def audit_value(self) -> str:
        """How a change of rating reads in the audit log: the level's label."""
        return self.label


# ---------------------------------------------------------------------------- evidence


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user) -> EvidenceQuerySet:
        """Evidence follows its claim: readers see the evidence of published claims only."""
        return self.filter(claim__in=Claim.objects.visible_to(user))


class Evidence(TimeStampedModel):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", gettext_lazy("Supports the claim")
        REFUTES = "refutes", gettext_lazy("Refutes the claim")
        CONTEXT = "context", gettext_lazy("Gives context")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    # The normalised URL, watched by the link checker (sources.fetching.normalize_url).
    link = models.ForeignKey("sources.Link", on_delete=models.PROTECT, related_name="evidence")
    # The source owning the link's domain (sources.registry), kept equal to ``link.source``
    # when the registry changes; empty while the domain is not registered (it is then listed
    # as an unregistered domain until an admin registers it).
    source = models.ForeignKey(
        "sources.Source",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    # The source's reliability rating when the evidence was added (its current
    # ``SourceRating`` row then); empty if the source was unregistered or never rated. It is
    # a record, never updated afterwards.
    source_rating = models.ForeignKey(
        "sources.SourceRating",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    stance = models.CharField(max_length=10, choices=Stance)
    quote = models.TextField("quoted passage", blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("evidence")
        ordering = ["claim_id", "created_at", "id"]
        verbose_name_plural = gettext_lazy("evidence")
        constraints = [
            # Also serves "the evidence of a claim" (claim first).
            models.UniqueConstraint(
                fields=["claim", "link"], name="evidence_unique_link_per_claim"
            ),
        ]
        # link_id, source_id and source_rating_id get Django's FK indexes: "evidence using
        # this link" is what the link checker's "evidence at risk" asks; "evidence from this
        # source" serves the sources page's statistics.

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: {self.link_id}"


# ---------------------------------------------------------------------------- verdicts


class VerdictQuerySet(models.QuerySet):
    def visible_to(self, user) -> VerdictQuerySet:
        """Reviewers see every version; everyone else the published and superseded versions
        of published claims (superseded ones are the public correction history)."""
        if user is not None and user.is_authenticated and user.has_perm("claims.view_claim"):
            return self.all()
        return self.filter(
            claim__status=Claim.Status.PUBLISHED,
            state__in=[Verdict.State.PUBLISHED, Verdict.State.SUPERSEDED],
            published_at__isnull=False,
        )


class Verdict(TimeStampedModel):
    """One version of a claim's verdict. A published version is never edited: a correction
    is a new version, published with a public correction note, that supersedes it."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("verdict state", "Draft")
        AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("verdict state", "Awaiting approval")
        PUBLISHED = "published", pgettext_lazy("verdict state", "Published")
        SUPERSEDED = "superseded", pgettext_lazy("verdict state", "Superseded")

    OPEN_STATES = (State.DRAFT, State.AWAITING_APPROVAL)

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdicts")
    # 1 for the first verdict of a claim, 2 for its first correction, ...
    number = models.PositiveIntegerField("version number", default=1)
    rating = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, related_name="verdicts")
    summary = models.CharField(max_length=280)
    rationale = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_verdicts",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approved_verdicts",
    )
    state = models.CharField(max_length=20, choices=State, default=State.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The published version this one corrects, and the public note saying what changed.
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_note = models.TextField(blank=True)
    # The claim's wording this version checks: the claim's text when the version was drafted
    # or last edited, frozen once it is published (a published version is never edited). A
    # later revision of the article changes the claim's text, never this; the public
    # ClaimReview's ``claimReviewed`` is the published version's (docs §3a, "Checked wording").
    checked_text = models.TextField("checked wording", blank=True)
    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    # Everyone who changed what this version says since the claim was last published: its
    # rating, summary, rationale or correction note, or the claim's evidence (added, edited,
    # removed, moved from a duplicate). Derived from the audit log and kept by the services
    # (``claims.services.contributors``); the four-eyes rule refuses them as approvers.
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="VerdictContribution",
        blank=True,
        related_name="contributed_verdicts",
    )

    objects = VerdictQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("verdict")
        verbose_name_plural = gettext_lazy("verdicts")
        ordering = ["claim_id", "-number"]
        constraints = [
            # Also serves "the versions of a claim's verdict", newest first.
            models.UniqueConstraint(fields=["claim", "number"], name="verdict_unique_number"),
            models.UniqueConstraint(
                fields=["claim"], condition=Q(state="published"), name="verdict_one_published"
            ),
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(state__in=["draft", "awaiting_approval"]),
                name="verdict_one_open",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["published", "superseded"]) | Q(published_at__isnull=False),
                name="verdict_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_note=""),
                name="verdict_correction_has_note",
            ),
        ]
        indexes = [
            # The reader home page and the new fact-checks feed: published versions, newest
            # first (partial: drafts and superseded versions are never listed there).
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(state="published"),
                name="verdict_public_latest_idx",
            ),
            # The reader home page filtered by rating, newest first.
            models.Index(
                fields=["rating", "-published_at"],
                condition=Q(state="published"),
                name="verdict_public_rating_idx",
            ),
            # The public corrections log and feed: versions that correct another, newest first.
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(supersedes__isnull=False),
                name="verdict_corrections_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Verdict v{self.number} on claim #{self.claim_id}: {self.summary[:60]}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def checked_wording(self) -> str:
        """The wording this version checks (the claim's text for a version stored without
        one, e.g. made directly in a test; migration 0014 filled in the existing ones)."""
        return self.checked_text or self.claim.text


class VerdictContribution(models.Model):
    """One person's part in one verdict version: what they changed since the claim's last
    publication (``changed``: any of ``rating``, ``summary``, ``rationale``,
    ``correction_note``, ``evidence``) and when they first did.

    Written only by ``claims.services.contributors`` from the claim's audit events, while the
    version is open, and a last time when it is published; a published or superseded
    version's rows are the record of who wrote it. Rows are never removed from an open
    version (the set only grows until publication)."""

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="contributions")
    # Accounts are deactivated, never deleted by the desk; an account deleted in the admin
    # takes its rows with it (the audit log keeps its events).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verdict_contributions"
    )
    changed = models.JSONField(default=list, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        verbose_name = gettext_lazy("verdict contribution")
        verbose_name_plural = gettext_lazy("verdict contributions")
        ordering = ["verdict_id", "added_at", "id"]
        constraints = [
            # Also serves "the contributors of a verdict" (verdict first).
            models.UniqueConstraint(
                fields=["verdict", "user"], name="verdict_contribution_unique_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on verdict {self.verdict_id}: {', '.join(self.changed)}"


# ------------------------------------------------------------------------------- notes


class NoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> NoteQuerySet:
        """Notes are the desk's internal discussion: reviewers only."""
        if user is not None and user.is_authenticated and user.has_perm("claims.view_claim"):
            return self.all()
        return self.none()


class Note(TimeStampedModel):
    class Format(models.TextChoices):
        PLAIN = "plain", gettext_lazy("Plain text")
        MARKDOWN = "markdown", gettext_lazy("Markdown")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Stored as written; rendered (Markdown, then sanitised with nh3) when shown.
    body = models.TextField()
    format = models.CharField(max_length=10, choices=Format, default=Format.PLAIN)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_notes"
    )

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("note")
        verbose_name_plural = gettext_lazy("notes")
        ordering = ["claim_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:80]


# ------------------------------------------------------------------------------- audit

# The workflow steps behind a published verdict ("how we checked this"); notes, assignments
# and other desk business stay internal.
PUBLIC_ACTIONS = (
    "claims.claim.created",
    "claims.claim.review_started",
    "claims.evidence.added",
    "claims.evidence.moved",
    "claims.verdict.drafted",
    "claims.verdict.edited",
    "claims.verdict.submitted",
    "claims.verdict.returned",
    "claims.verdict.published",
    "claims.verdict.superseded",
)


# ------------------------------------------------------------------ external fact-checks


class ExternalFactCheckQuerySet(models.QuerySet):
    def visible_to(self, user) -> ExternalFactCheckQuerySet:
        """Other organisations' published fact-checks: the reviewers' reference shelf."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.all()


class ExternalFactCheck(TimeStampedModel):
    """A fact-check published by another organisation, imported from its ClaimReview
    markup (``claims.services.factchecks``) so reviewers see "checked before" candidates
    (``claims.matching``). ``url`` (the review's address) is the idempotency key: importing
    it again updates the row in place (``version`` bumped, an audit event with the changes).
    ``created_at`` is when it was first imported."""

    url = models.URLField(max_length=2000, unique=True)
    claim_reviewed = models.TextField(blank=True)
    headline = models.TextField(blank=True)
    # ``reviewBody`` or ``description``: the review's summary.
    summary = models.TextField(blank=True)
    # reviewRating: alternateName (the publisher's own words), and the numbers when given.
    # An item without a reviewRating has an empty rating ("unknown").
    rating = models.CharField(max_length=300, blank=True)
    rating_value = models.FloatField(null=True, blank=True)
    rating_best = models.FloatField(null=True, blank=True)
    rating_worst = models.FloatField(null=True, blank=True)
    publisher_name = models.CharField(max_length=300, blank=True)
    publisher_url = models.URLField(max_length=2000, blank=True)
    date_published = models.DateField(null=True, blank=True)
    # itemReviewed.author.name: who made the claim, when the review says.
    claimant = models.CharField(max_length=300, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    version = models.PositiveIntegerField(default=1)
    objects = ExternalFactCheckQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("external fact-check")
        verbose_name_plural = gettext_lazy("external fact-checks")
        ordering = ["-date_published", "-id"]
        indexes = [
            # The matching index's freshness check: "anything changed since" (max updated_at).
            models.Index(fields=["updated_at"], name="extfactcheck_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.headline or self.claim_reviewed[:80] or self.url

    @property
    def imported_at(self):
        return self.created_at

    @property
    def rating_label(self) -> str:
        return self.rating or "unknown"


# ------------------------------------------------------------- claimants and appearances

WIKIDATA_ID = RegexValidator(
    r"^Q[1-9][0-9]*$", gettext_lazy("A Wikidata id is a Q-number, like Q42.")
)


def _aliases_valid(value) -> None:
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ValidationError(gettext_lazy("Aliases are a list of names."))


class ClaimantQuerySet(models.QuerySet):
    def search(self, q: str):
        """Claimants whose name or one of whose aliases contains ``q`` (any case)."""
        q = (q or "").strip()
        if not q:
            return self.none()
        return self.filter(Q(name__icontains=q) | Q(aliases__icontains=q))


class Claimant(TimeStampedModel):
    """Who made a claim: a person or an organisation (issue 15)."""

    class Kind(models.TextChoices):
        PERSON = "person", gettext_lazy("Person")
        ORGANISATION = "organisation", gettext_lazy("Organisation")

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.PERSON)
    # Role, party, office: what readers need to place them ("Minister of Health, Labour").
    description = models.CharField(max_length=300, blank=True)
    # Other names they are known by (searched like the name).
    aliases = models.JSONField(default=list, blank=True, validators=[_aliases_valid])
    url = models.URLField(gettext_lazy("web page"), max_length=2000, blank=True)
    wikidata_id = models.CharField(
        gettext_lazy("Wikidata id"), max_length=20, blank=True, validators=[WIKIDATA_ID]
    )
    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)

    objects = ClaimantQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("claimant")
        verbose_name_plural = gettext_lazy("claimants")
        ordering = ["name", "id"]
        indexes = [
            # Find-or-create by name (``name__iexact``: UPPER(name) = UPPER(%s)).
            models.Index(Upper("name"), name="claimant_name_upper"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def same_as(self) -> list[str]:
        """The claimant's own page and Wikidata entry, for ``sameAs``."""
        links = [self.url] if self.url else []
        if self.wikidata_id:
            links.append(f"https://www.wikidata.org/wiki/{self.wikidata_id}")
        return links


class Appearance(TimeStampedModel):
    """Where and when a claim was made; many per claim. The claim's primary appearance
    (``is_primary``, kind article) mirrors ``Claim.article``/``start``/``end``: ingestion and
    re-anchoring move both in one transaction (``claims.services.claimants``)."""

    class Kind(models.TextChoices):
        ARTICLE = "article", gettext_lazy("Article")
        WEB = "web", gettext_lazy("Web page or social post")
        SPOKEN = "spoken", gettext_lazy("Spoken")
        OTHER = "other", gettext_lazy("Other")

    class Medium(models.TextChoices):
        TV = "tv", gettext_lazy("TV")
        RADIO = "radio", gettext_lazy("Radio")
        SPEECH = "speech", gettext_lazy("Speech")
        DEBATE = "debate", gettext_lazy("Debate")
        OTHER = "other", gettext_lazy("Other")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    kind = models.CharField(max_length=10, choices=Kind)
    is_primary = models.BooleanField(default=False)
    # kind article: an ingested revision and the exact span of the claim in its text.
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="appearances"
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    # kind web: the page or post.
    url = models.URLField(max_length=2000, blank=True)
    # kind spoken.
    medium = models.CharField(max_length=10, choices=Medium, blank=True)
    programme = models.CharField(gettext_lazy("programme or event"), max_length=300, blank=True)
    timestamp = models.CharField(
        gettext_lazy("time in the recording"),
        max_length=8,
        blank=True,
        validators=[
            RegexValidator(r"^\d{2}:[0-5]\d:[0-5]\d$", gettext_lazy("Give the time as hh:mm:ss."))
        ],
    )
    # kind other (and a note on any kind).
    description = models.TextField(blank=True)
    # When it was said or published (an article appearance takes its article's date).
    said_on = models.DateField(gettext_lazy("date"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = gettext_lazy("appearance")
        verbose_name_plural = gettext_lazy("appearances")
        ordering = ["claim_id", "said_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="article")
                | Q(article__isnull=False, start__isnull=False, end__gt=F("start")),
                name="appearance_article_has_span",
            ),
            models.CheckConstraint(
                condition=~Q(kind="web") | ~Q(url=""), name="appearance_web_has_url"
            ),
            models.CheckConstraint(
                condition=~Q(kind="spoken") | ~Q(medium=""), name="appearance_spoken_has_medium"
            ),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(description=""),
                name="appearance_other_has_description",
            ),
            models.CheckConstraint(
                condition=~Q(is_primary=True) | Q(kind="article"),
                name="appearance_primary_is_article",
            ),
            # One primary appearance per claim (the row kept in step with Claim.article).
            models.UniqueConstraint(
                fields=["claim"], condition=Q(is_primary=True), name="appearance_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} appearance of claim #{self.claim_id}"

    @property
    def date(self):
        """When it was said: the article's publication date for an article appearance."""
        if self.kind == self.Kind.ARTICLE and self.article_id and self.article.published_at:
            return self.article.published_at.date()
        return self.said_on


class AppearanceProposal(TimeStampedModel):
    """Proposed as "another appearance of claim #N?": a claim found at ingestion (``claim``) whose
    wording is close to one of the desk's claims in another article (``candidate``).
    Proposed by the background job after ingestion (``claims.services.proposals``), never
    acted on by itself: a reviewer confirms it (the claim becomes an article appearance of
    the candidate and is merged into it) or keeps the two separate (the pair is never
    proposed again)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", gettext_lazy("Proposed")
        CONFIRMED = "confirmed", gettext_lazy("Confirmed")
        KEPT_SEPARATE = "kept_separate", gettext_lazy("Kept separate")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearance_proposals")
    candidate = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="proposed_as_candidate"
    )
    # The matcher's similarity of the two wordings (0..100) when proposed.
    score = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=15, choices=State, default=State.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: confirming or keeping separate names the version shown.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = gettext_lazy("appearance proposal")
        verbose_name_plural = gettext_lazy("appearance proposals")
        ordering = ["claim_id", "-score", "id"]
        constraints = [
            # One row per pair, whatever its state: proposing again adds nothing, and a pair
            # kept separate is never proposed again. Its index also serves "the open
            # proposals of these claims" (claim_id IN (...), then state).
            models.UniqueConstraint(
                fields=["claim", "candidate"], name="appearance_proposal_one_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(claim=F("candidate")), name="appearance_proposal_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(state="proposed") | Q(decided_at__isnull=False),
                name="appearance_proposal_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.claim_id}: another appearance of claim #{self.candidate_id}?"
