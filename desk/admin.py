"""Django admin for accounts: names and e-mail addresses only.

Who is on the desk and with which role is managed on the Team pages (``/review/team/``),
whose services keep the rules (the last admin stays, nobody changes their own role) and
record an audit event for every change. So the admin's user pages cannot add or delete
accounts (deactivate instead: a deactivated person's work stays attributed to them) nor
change roles, permissions or whether an account is active.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from factcheck.lib.admin import RefreshesReaderPages

User = get_user_model()

_MANAGED_ON_TEAM_PAGES = (
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "last_login",
    "date_joined",
)


class DeskUserAdmin(RefreshesReaderPages, UserAdmin):
    # Readers may see reviewers' names (FACTCHECK_SHOW_REVIEWER_NAMES): a rename refreshes pages.
    list_display = ("username", "email", "first_name", "last_name", "is_active", "last_login")
    readonly_fields = (*_MANAGED_ON_TEAM_PAGES, "team_page")

    @admin.display(description=_("Roles and access"))
    def team_page(self, obj) -> str:
        if obj is None or obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">Change role, deactivate or reactivate on the Team page</a>',
            reverse("desk:user_detail", kwargs={"pk": obj.pk}),
        )

    def get_fieldsets(self, request, obj=None):
        return (
            (None, {"fields": ("username", "password")}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (_("Roles and access"), {"fields": ("team_page", *_MANAGED_ON_TEAM_PAGES)}),
        )

    def has_add_permission(self, request) -> bool:
        return False  # invite from the Team page

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate from the Team page; the person's work stays attributed


admin.site.unregister(User)
admin.site.register(User, DeskUserAdmin)
