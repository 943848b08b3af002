"""Admin pages of things the reader site shows (rating levels, publishers, topics, articles):
an edit there refreshes every cached reader page once it commits (``claims.cache``'s site
stamp), since any published page may show what changed."""

from __future__ import annotations

from claims.services.reader import reader_site_changed


class RefreshesReaderPages:
    """Mix into a ``ModelAdmin`` whose objects appear on published pages."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reader_site_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        reader_site_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        reader_site_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        reader_site_changed()
