from django.contrib import admin

from sources.models import Link, LinkCheck, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "home_url")
    list_filter = ("kind",)
    search_fields = ("name", "home_url")


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("url", "host", "state", "last_status", "last_checked_at", "next_check_at")
    list_filter = ("state", "last_outcome")
    search_fields = ("url", "host")
    # Health is written by the checker and overrides by editors on the link pages (audited).
    readonly_fields = (
        "state",
        "last_checked_at",
        "last_status",
        "last_outcome",
        "final_url",
        "consecutive_failures",
        "failure_points",
        "first_failure_at",
        "last_counted_failure_at",
        "moved_to_host",
        "archive_checked_at",
        "queued_at",
        "checking_since",
        "override_state",
        "override_reason",
        "override_by",
        "override_at",
    )


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    list_display = ("link", "checked_at", "outcome", "status", "state_after", "elapsed_ms")
    list_filter = ("outcome", "state_after")
    search_fields = ("link__url",)
    list_select_related = ("link",)
    date_hierarchy = "checked_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
