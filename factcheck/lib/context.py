"""Template context shared by every page."""

from django.conf import settings

from factcheck.lib.authz import grants
from factcheck.lib.roles import READER, ROLE_NAMES


def workbench(request):
    user = getattr(request, "user", None)
    return {
        "site_name": settings.FACTCHECK_SITE_NAME,
        # Their names in the page's language (the codes are data: "reviewer").
        "user_roles": [ROLE_NAMES.get(role, role) for role in _roles(user)],
    }


def _roles(user) -> list[str]:
    # The menu's roles, from the permission cache (no query while nothing changed).
    if user is None:
        return []
    if not user.is_authenticated:
        return [READER]
    return list(grants(user).roles)
