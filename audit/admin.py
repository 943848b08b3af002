from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only: rows are only ever added, by the apps' services."""

    list_display = ("created_at", "action", "actor", "claim_id", "article_id", "target_type")
    list_filter = ("action",)
    search_fields = ("action", "message")
    list_select_related = ("actor", "target_type")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
