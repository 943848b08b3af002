"""Template context shared by every page."""

from django.conf import settings

from factcheck.lib.roles import user_roles


def workbench(request):
    user = getattr(request, "user", None)
    return {
        "site_name": settings.FACTCHECK_SITE_NAME,
        "user_roles": user_roles(user) if user is not None else [],
    }
