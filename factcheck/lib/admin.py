"""Admin helpers every app may use."""

from __future__ import annotations

from factcheck.lib.published import site_changed


class RefreshesReaderPages:
    """Mix into a ``ModelAdmin`` whose objects appear on published pages (rating levels,
    publishers, topics, articles, user names): an edit there refreshes every cached public
    page once it commits."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        site_changed(sender=type(obj))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        site_changed(sender=type(obj))

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        site_changed(sender=queryset.model)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        site_changed(sender=type(form.instance))
