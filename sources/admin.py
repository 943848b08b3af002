from django.contrib import admin

from sources.models import Link, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "home_url")
    list_filter = ("kind",)
    search_fields = ("name", "home_url")


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("url", "host", "state", "last_status", "last_checked_at", "next_check_at")
    list_filter = ("state",)
    search_fields = ("url", "host")
    readonly_fields = ("last_checked_at", "last_status", "final_url")
