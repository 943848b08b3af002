from django.contrib import admin

from claims.models import Article, Claim


class ClaimInline(admin.TabularInline):
    model = Claim
    fields = ("start", "end", "text", "status", "checkworthiness", "assignee")
    readonly_fields = ("start", "end", "text", "checkworthiness")
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


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "status", "checkworthiness", "assignee", "updated_at")
    list_filter = ("status", "created_at")
    search_fields = ("text", "article__title")
    list_select_related = ("article", "assignee")
    raw_id_fields = ("article", "assignee")
    readonly_fields = ("start", "end", "text", "prefix", "suffix", "version")
