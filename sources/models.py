"""Publishers (sources) and the links the workbench watches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from factcheck.lib.models import TimeStampedModel
from sources import locales


class Reliability(models.TextChoices):
    """A source's reliability, on a deliberately small scale (best first)."""

    HIGH = "high", _("High")
    MIXED = "mixed", _("Mixed")
    LOW = "low", _("Low")
    UNRATED = "unrated", _("Not rated")


class SourceKind(models.TextChoices):
    NEWS = "news", _("News outlet")
    GOVERNMENT = "government", _("Government")
    ACADEMIC = "academic", _("Academic")
    NGO = "ngo", _("NGO")
    COMPANY = "company", _("Company")
    SOCIAL = "social", _("Social media")
    BLOG = "blog", _("Blog")
    WIRE = "wire", _("Wire service")
    OTHER = "other", _("Other")


class SourceQuerySet(models.QuerySet):
    def visible_to(self, user) -> SourceQuerySet:
        """The registry is desk material: whoever may view sources (reviewers and up)."""
        if user is not None and user.is_authenticated and user.has_perm("sources.view_source"):
            return self.all()
        return self.none()


def _rated_with_rationale(prefix: str = "") -> Q:
    """A rating other than "not rated" always says why."""
    return Q(**{f"{prefix}rating": Reliability.UNRATED}) | ~Q(**{f"{prefix}rating_rationale": ""})


class Source(TimeStampedModel):
    """A publisher or organisation. It owns domains (``SourceDomain``): links, cited links
    and evidence on them are attached to it (``sources.registry``). ``rating`` and
    ``rating_rationale`` are the current reliability rating; every change is a
    ``SourceRating`` row (written by ``sources.services.source_rate`` only)."""

    Kind = SourceKind
    Rating = Reliability

    name = models.CharField(max_length=300, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind, default=SourceKind.OTHER)
    home_url = models.URLField(max_length=2000, blank=True)
    # ISO 3166-1 alpha-2 ("GB"), and a language code ("en", "pt-BR"); see sources.locales.
    country = models.CharField(
        max_length=2, blank=True, validators=[locales.validate_country], db_index=True
    )
    language = models.CharField(max_length=20, blank=True, validators=[locales.validate_language])
    rating = models.CharField(
        _("reliability"), max_length=10, choices=Reliability, default=Reliability.UNRATED
    )
    rating_rationale = models.TextField(_("why this rating"), blank=True)
    notes = models.TextField(blank=True)

    # Optimistic locking: every edit bumps it; a save from an older version is refused.
    version = models.PositiveIntegerField(default=1)
    objects = SourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="source_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(rating__in=Reliability.values), name="source_rating_valid"
            ),
            models.CheckConstraint(
                condition=_rated_with_rationale(), name="source_rating_has_rationale"
            ),
        ]
        indexes = [
            # The sources page's rating filter (kind, country: their own small indexes).
            models.Index(fields=["rating", "name"], name="source_rating_name_idx"),
            models.Index(fields=["kind", "name"], name="source_kind_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class SourceDomain(TimeStampedModel):
    """A domain a source owns. Stored normalised (``sources.registry.normalize_domain``):
    lower case, IDNA (``xn--``) form, no trailing dot, no leading ``www.`` label (unless it
    is part of the registrable domain, as in ``www.gov.uk``). A domain belongs to one source;
    its subdomains resolve to it unless they are registered themselves."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="domains")
    # unique: also the index of the registry's look-up (``domain IN (<the host's suffixes>)``).
    domain = models.CharField(
        max_length=253,
        unique=True,
        error_messages={"unique": _("This domain already belongs to another source.")},
    )

    class Meta:
        verbose_name = _("source domain")
        verbose_name_plural = _("source domains")
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")) & ~Q(domain="") & ~Q(domain__endswith="."),
                name="sourcedomain_normalised",
            ),
        ]
        # source_id gets Django's FK index: "the domains of a source".

    def __str__(self) -> str:
        return self.domain


class SourceRating(TimeStampedModel):
    """One reliability rating of a source, as it was set (never edited): the history.

    The newest row of a source is its current rating (``Source.rating`` repeats it for
    filtering). ``claims.Evidence.source_rating`` points at the row current when the
    evidence was added."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="ratings")
    rating = models.CharField(_("reliability"), max_length=10, choices=Reliability)
    rating_rationale = models.TextField(_("why this rating"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_ratings",
    )

    class Meta:
        verbose_name = _("source rating")
        verbose_name_plural = _("source ratings")
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=Reliability.values), name="sourcerating_rating_valid"
            ),
            models.CheckConstraint(
                condition=_rated_with_rationale(), name="sourcerating_has_rationale"
            ),
        ]
        indexes = [
            # A source's history, newest first, and its current row (adding evidence).
            models.Index(fields=["source", "-created_at", "-id"], name="sourcerating_history_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}: {self.get_rating_display()} ({self.created_at:%Y-%m-%d})"


class CheckOutcome(models.TextChoices):
    """The outcomes of ``sources.fetching.Outcome``, with labels (a test keeps them equal)."""

    OK = "ok", _("OK")
    NOT_FOUND = "not_found", _("Not found (404)")
    GONE = "gone", _("Gone (410)")
    SERVER_ERROR = "server_error", _("Server error")
    CLIENT_ERROR = "client_error", _("Client error")
    TIMEOUT = "timeout", _("Timeout")
    CONNECTION_ERROR = "connection_error", _("Connection error")
    DNS_ERROR = "dns_error", _("DNS error")
    TLS_ERROR = "tls_error", _("TLS error")
    BLOCKED = "blocked", _("Blocked")
    RATE_LIMITED = "rate_limited", _("Rate limited (429)")
    SOFT_404 = "soft_404", _("Soft 404")
    TOO_MANY_REDIRECTS = "too_many_redirects", _("Too many redirects")
    UNSAFE = "unsafe", _("Unsafe address")
    INVALID_URL = "invalid_url", _("Invalid URL")
    TOO_LARGE = "too_large", _("Too large")


class LinkState(models.TextChoices):
    UNCHECKED = "unchecked", _("Unchecked")
    ALIVE = "alive", _("Alive")
    REDIRECTED = "redirected", _("Redirected")
    FAILING = "failing", _("Failing")
    DEAD = "dead", _("Dead")
    BLOCKED = "blocked", _("Blocked")
    UNSAFE = "unsafe", _("Unsafe")


class LinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> LinkQuerySet:
        """Link health is desk material: whoever may view links (reviewers and up)."""
        if user is not None and user.is_authenticated and user.has_perm("sources.view_link"):
            return self.all()
        return self.none()

    def with_effective_state(self) -> LinkQuerySet:
        """Annotates ``shown_state``: the editor's override if there is one, else ``state``."""
        return self.annotate(
            shown_state=Case(When(override_state="", then=F("state")), default=F("override_state"))
        )


class Link(TimeStampedModel):
    """One canonical URL, watched by the link checker. It is the outbox of link checks.

    ``state`` is what the checker concluded (``sources.policy``); an editor's
    ``override_state`` wins over it wherever a state is shown, until it is cleared.
    ``queued_at``/``checking_since`` are the job claims (see ``sources.services``).
    """

    State = LinkState

    url = models.URLField(max_length=2000, unique=True)
    host = models.CharField(max_length=255, db_index=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    state = models.CharField(max_length=20, choices=State, default=State.UNCHECKED)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2000, blank=True)
    # What the last check found (an ``Outcome`` value); empty before the first check.
    last_outcome = models.CharField(max_length=20, choices=CheckOutcome, blank=True)
    # Failing streak since the last success: every hard failure, and the weighted points of
    # the failures that counted toward death (see sources.policy).
    consecutive_failures = models.PositiveSmallIntegerField(default=0)
    failure_points = models.PositiveSmallIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    last_counted_failure_at = models.DateTimeField(null=True, blank=True)
    # Set when the final URL is on another registrable domain than the link (evidence moved).
    moved_to_host = models.CharField(max_length=255, blank=True)
    # A web-archive copy, looked up when the link starts failing (FACTCHECK_ARCHIVE_API_URL).
    archive_url = models.URLField(max_length=2000, blank=True)
    archive_checked_at = models.DateTimeField(null=True, blank=True)
    # When the archive was asked to save the page (FACTCHECK_ARCHIVE_SAVE_URL): once per link,
    # when it is first cited as evidence.
    archive_saved_at = models.DateTimeField(null=True, blank=True)
    # Job claims: handed to the broker at queued_at; a worker has been checking it since
    # checking_since. Both expire after FACTCHECK_LINK_LEASE_SECONDS.
    queued_at = models.DateTimeField(null=True, blank=True)
    checking_since = models.DateTimeField(null=True, blank=True)
    # An editor's override: shown instead of ``state`` until cleared.
    override_state = models.CharField(max_length=20, choices=State, blank=True)
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="link_overrides",
    )
    override_at = models.DateTimeField(null=True, blank=True)

    # Optimistic locking of editors' changes (the override): a save from an older version is
    # refused. Checks do not bump it; they are the machine's, not an edit anyone reviews.
    version = models.PositiveIntegerField(default=1)
    objects = LinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["url"]
        permissions = [("override_link", "Can override a link's state and request a check")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=LinkState.values),
                name="link_state_valid",
            ),
            # An override always says why and when; "unchecked" is not something to assert.
            models.CheckConstraint(
                condition=Q(override_state="")
                | (
                    Q(override_state__in=[v for v in LinkState.values if v != "unchecked"])
                    & ~Q(override_reason="")
                    & Q(override_at__isnull=False)
                ),
                name="link_override_has_reason",
            ),
        ]
        indexes = [
            # The sweeper asks for links whose next check is due.
            models.Index(fields=["next_check_at"], name="link_next_check_idx"),
            # The per-host summary (counts by state per host) and the list's host filter.
            models.Index(fields=["host", "state"], name="link_host_state_idx"),
            # The sweeper skips hosts that already have links queued or being checked.
            models.Index(
                fields=["host"],
                condition=Q(queued_at__isnull=False) | Q(checking_since__isnull=False),
                name="link_in_flight_host_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def effective_state(self) -> str:
        return self.override_state or self.state

    def get_effective_state_display(self) -> str:
        return self.State(self.effective_state).label

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_state)


class LinkCheckQuerySet(models.QuerySet):
    def visible_to(self, user) -> LinkCheckQuerySet:
        return self.filter(link__in=Link.objects.visible_to(user))


class LinkCheck(models.Model):
    """One attempt to check a link: what the fetcher reported and what the policy made of it."""

    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=CheckOutcome)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.CharField(max_length=2000, blank=True)
    # [[status, location], ...] as sources.fetching.CheckResult.redirects.
    redirects = models.JSONField(default=list, blank=True)
    elapsed_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    retry_after = models.FloatField(null=True, blank=True)
    # The link's state before and after this check, and whether it counted toward death.
    state_before = models.CharField(max_length=20, choices=Link.State)
    state_after = models.CharField(max_length=20, choices=Link.State)
    counted = models.BooleanField(default=False)
    # Made during the checker's own outage (``LinkCheckerOutage``): the host could not be
    # reached, and that said nothing about the link, so the link was left as it was.
    checker_outage = models.BooleanField("not counted: checker outage", default=False)

    objects = LinkCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("link check")
        verbose_name_plural = _("link checks")
        ordering = ["-checked_at", "-id"]
        get_latest_by = "checked_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=CheckOutcome.values),
                name="linkcheck_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(retry_after__isnull=True) | Q(retry_after__gte=0),
                name="linkcheck_retry_after_not_negative",
            ),
        ]
        indexes = [
            # A link's history on its detail page, newest first.
            models.Index(fields=["link", "-checked_at"], name="linkcheck_link_checked_idx"),
            # The beat job that prunes history older than FACTCHECK_LINK_HISTORY_DAYS.
            models.Index(fields=["checked_at"], name="linkcheck_checked_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id} {self.outcome} at {self.checked_at:%Y-%m-%d %H:%M}"


class LinkCheckerOutage(models.Model):
    """A time the link checker itself could not reach the network (its uplink or resolver
    was down), told from dead links by ``sources.services.outage``: while one is open,
    checks that could not reach their host are recorded (``LinkCheck.checker_outage``) but
    not counted, and the sweeper sends only a few probe links. At most one is open; the first
    HTTP answer any check gets ends it. The rows are the outages' history, shared by every
    worker through the database."""

    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(default=True)
    # What was seen when it started ("24 of 24 checks in the last 300 s ...").
    evidence = models.TextField(blank=True)
    detected_by = models.CharField(max_length=255, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("link checker outage")
        verbose_name_plural = _("link checker outages")
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        constraints = [
            # Two workers seeing the same outage open it once: the second one's insert fails.
            models.UniqueConstraint(
                fields=["is_open"], condition=Q(is_open=True), name="linkcheckeroutage_one_open"
            ),
            models.CheckConstraint(
                condition=Q(is_open=True, ended_at__isnull=True)
                | Q(is_open=False, ended_at__isnull=False),
                name="linkcheckeroutage_open_until_ended",
            ),
        ]

    def __str__(self) -> str:
        end = f"{self.ended_at:%Y-%m-%d %H:%M}" if self.ended_at else "now"
        return f"link checker outage {self.started_at:%Y-%m-%d %H:%M} to {end}"


class SourceImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> SourceImportJobQuerySet:
        """Whoever may import sources (add and change them) sees the import jobs."""
        if (
            user is not None
            and user.is_authenticated
            and user.has_perms(["sources.add_source", "sources.change_source"])
        ):
            return self.all()
        return self.none()


class SourceImportJob(TimeStampedModel):
    """A confirmed CSV import of sources, applied by a background job
    (``sources.services.importing``): the file is planned again, then applied in batches of
    rows, each in a short transaction of its own; the row records the progress and outcome
    for the job's page."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    filename = models.CharField(max_length=300, blank=True)
    # The file as previewed (at most FACTCHECK_SOURCES_IMPORT_MAX_BYTES); emptied when done.
    data = models.BinaryField(blank=True, default=b"")
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SourceImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("source import")
        verbose_name_plural = _("source imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename or 'CSV import'} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class Snapshot(TimeStampedModel):
    """What a cited page said when it was cited (``sources.services.snapshots``).

    The row is its own outbox: it is created ``pending`` in the transaction that cites the
    link, a job fetches the page through the guarded fetcher and fills it in, and a sweep
    sends again the pending rows whose job was lost (broker down, storage unwritable).
    The raw body (gzip, at most ``FACTCHECK_SNAPSHOT_MAX_BYTES``) and a WARC file live in
    the snapshot storage (``FACTCHECK_SNAPSHOT_STORAGE``); the row keeps their names."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Taken")
        FAILED = "failed", _("Fetch failed")

    class Kind(models.TextChoices):
        HTML = "html", _("HTML page")
        PDF = "pdf", _("PDF")
        TEXT = "text", _("Plain text")
        OTHER = "other", _("Other (metadata only)")

    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="snapshots")
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    requested_at = models.DateTimeField()
    fetched_at = models.DateTimeField(null=True, blank=True)
    # Outbox: when the sweep may send it again, how often it was tried, and the job's lease.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    taking_since = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=2000)
    final_url = models.URLField(max_length=2000, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    etag = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=Kind, blank=True)
    text = models.TextField(blank=True)
    # sha256 of ``text`` (hex); empty when there is no text.
    content_hash = models.CharField(max_length=64, blank=True)
    body_size = models.PositiveIntegerField(default=0)  # bytes kept (before gzip)
    truncated = models.BooleanField(default=False)
    body_name = models.CharField(max_length=300, blank=True)  # in the snapshot storage
    warc_name = models.CharField(max_length=300, blank=True)
    files_deleted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-requested_at", "-id"]
        indexes = [
            # The sweep: pending snapshots whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                name="snapshot_pending_due",
                condition=Q(state="pending"),
            ),
            # A link's snapshots, newest first (claim page, retention).
            models.Index(fields=["link", "-requested_at"], name="snapshot_link_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="pending") | Q(fetched_at__isnull=False),
                name="snapshot_fetched_unless_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Snapshot of {self.url} ({self.state})"
