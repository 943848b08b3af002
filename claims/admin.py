from django.contrib import admin

from claims.models import (
    Article,
    ArticleSentence,
    AuditEvent,
    CitedLink,
    Claim,
    Evidence,
    IngestJob,
    Note,
    RatingLevel,
    RatingScale,
    Topic,
    Verdict,
)


class ClaimInline(admin.TabularInline):
    model = Claim
    fields = (
        "start",
        "end",
        "text",
        "status",
        "origin",
        "is_orphaned",
        "checkworthiness",
        "assignee",
    )
    # The status changes through the workflow services only (each writes an audit event).
    readonly_fields = (
        "start",
        "end",
        "text",
        "status",
        "origin",
        "is_orphaned",
        "checkworthiness",
    )
    extra = 0
    show_change_link = True


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "url", "source_format", "is_demo", "created_at")
    list_filter = ("source_format", "is_demo", "created_at")
    search_fields = ("title", "url", "author")
    readonly_fields = ("content_hash", "text", "raw_html", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [ClaimInline]
    # Reader site: the publisher and topics readers filter by (also on the review page).
    raw_id_fields = ("publisher",)
    filter_horizontal = ("topics",)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "status", "checkworthiness", "assignee", "updated_at")
    list_filter = ("status", "origin", "is_orphaned", "created_at")
    search_fields = ("text", "article__title")
    list_select_related = ("article", "assignee")
    raw_id_fields = ("article", "assignee")
    readonly_fields = (
        "start",
        "end",
        "text",
        "prefix",
        "suffix",
        "version",
        "origin",
        "anchor_match",
        "is_orphaned",
        # Workflow state: changed through the services only (each writes an audit event).
        "status",
        "rating",
        "dismissed_reason",
        "duplicate_of",
    )


class CitedLinkInline(admin.TabularInline):
    model = CitedLink
    fields = ("anchor_text", "href", "link", "start", "end", "claim")
    readonly_fields = fields
    extra = 0
    can_delete = False


ArticleAdmin.inlines = [ClaimInline, CitedLinkInline]


@admin.register(ArticleSentence)
class ArticleSentenceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "score", "claim")
    list_select_related = ("article", "claim")
    raw_id_fields = ("article", "claim")
    readonly_fields = ("article", "start", "end", "text", "score")


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = ("url", "state", "requested_by", "article", "created_at", "finished_at")
    list_filter = ("state", "created_at")
    search_fields = ("url", "title", "error")
    raw_id_fields = ("article", "requested_by")
    readonly_fields = ("started_at", "finished_at", "created_at", "updated_at")


# --------------------------------------------------------------------- review workbench


class RatingLevelInline(admin.TabularInline):
    model = RatingLevel
    fields = (
        "position",
        "label",
        "slug",
        "value",
        "is_best",
        "is_worst",
        "colour",
        "text_colour",
        "definition",
    )
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "updated_at")
    inlines = [RatingLevelInline]


class _ReadOnly(admin.ModelAdmin):
    """Written by the services only (published verdicts are never edited in place; the
    audit log is append-only): the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Verdict)
class VerdictAdmin(_ReadOnly):
    list_display = ("claim", "number", "rating", "state", "author", "approver", "published_at")
    list_filter = ("state", "rating")
    list_select_related = ("claim", "rating", "author", "approver")
    raw_id_fields = ("claim",)


@admin.register(Evidence)
class EvidenceAdmin(_ReadOnly):
    list_display = ("claim", "link", "source", "stance", "added_by", "created_at")
    list_filter = ("stance",)
    list_select_related = ("claim", "link", "source", "added_by")


@admin.register(Note)
class NoteAdmin(_ReadOnly):
    list_display = ("claim", "author", "format", "created_at")
    list_select_related = ("claim", "author")


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnly):
    list_display = ("created_at", "action", "actor", "claim", "article")
    list_filter = ("action",)
    search_fields = ("action", "message")
    list_select_related = ("actor", "claim", "article")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Topics readers filter the latest fact-checks by (reviewers add them on the review
    article page too). Changes show on cached public pages within
    ``FACTCHECK_READER_CACHE_SECONDS``."""

    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
