"""Template context shared by every page."""

from django.conf import settings

from factcheck.lib.authz import grants
from factcheck.lib.roles import READER


def workbench(request):
    user = getattr(request, "user", None)
    return {
        "site_name": settings.FACTCHECK_SITE_NAME,
        "user_roles": _roles(user),
    }


def _roles(user) -> list[str]:
    # The menu's roles, from the permission cache (no query while nothing changed).
    if user is None:
        return []
    if not user.is_authenticated:
        return [READER]
    return list(grants(user).roles)
