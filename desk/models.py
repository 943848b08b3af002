"""The desk app keeps no rows of its own: users are Django's, the numbers come from the
claims and sources apps. This table-less model only declares the desk's permissions, which
the role groups hold (``factcheck/lib/roles.py``)."""

from django.db import models
from django.utils.translation import gettext_lazy


class DeskPermission(models.Model):
    """No table (``managed = False``): a home for permissions that belong to no model."""

    class Meta:
        verbose_name = gettext_lazy("desk permission")
        verbose_name_plural = gettext_lazy("desk permissions")
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can see the desk dashboard"),
            ("manage_team", "Can invite users, change their roles and deactivate them"),
            ("view_link_policy", "Can see the link-check policy settings"),
        ]

    def __str__(self) -> str:
        return "Desk permissions"
