"""The API's permissions are the web roles' (factcheck/lib/roles.py): an endpoint names the
permissions its web page needs, as ``factcheck.lib.auth.permission_required`` does. Nobody
signed in: 401; signed in without them: 403."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from claims.services import REVIEW_PERMISSION

INGEST_PERMISSION = "claims.add_article"
LINK_PERMISSION = "sources.view_link"
SOURCE_PERMISSION = "sources.view_source"


def requires(*perms: str) -> type[BasePermission]:
    """A permission class that lets through users holding every one of ``perms``."""

    class Requires(BasePermission):
        message = _("Your role does not allow this.")

        def has_permission(self, request, view) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(perms))

    Requires.__name__ = f"Requires({', '.join(perms)})"
    Requires.perms = perms
    return Requires


Reviewers = requires(REVIEW_PERMISSION)
Ingesters = requires(INGEST_PERMISSION)
LinkReaders = requires(LINK_PERMISSION)
SourceReaders = requires(SOURCE_PERMISSION)
