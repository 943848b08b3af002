from django.contrib import admin

from audit.services import audit_record
from factcheck.lib.admin import LocksVersions, RefreshesReaderPages
from reader.models import SitePage


@admin.register(SitePage)
class SitePageAdmin(RefreshesReaderPages, LocksVersions, admin.ModelAdmin):
    """The desk's pages about itself (admins: the admin role holds the reader app's
    permissions). Saving one refreshes every cached reader page (their header and footer
    link it) once it commits; each edit carries the page's version and is audited as
    ``reader.site_page.edited``. The three pages exist from the first migration: they are
    edited, never added or deleted."""

    list_display = ("title", "slug", "updated_at")
    readonly_fields = ("slug", "updated_at")
    fields = ("slug", "title", "body", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def edit_recorded(self, request, obj, changes: dict) -> None:
        audit_record(
            actor=request.user,
            action="reader.site_page.edited",
            target=obj,
            changes=changes,
            message="Edited in the Django admin.",
        )
