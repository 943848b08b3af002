"""Project-level views: health and error pages, logging in and out."""

import sys

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils import translation
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog

from factcheck.lib.busy import busy_response, is_database_busy
from factcheck.lib.health import health_report
from factcheck.lib.languages import supported


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # A locked database (raised by a middleware's write, e.g. the session's) is "busy, try
    # again" (factcheck/lib/busy.py), not an error of ours.
    if is_database_busy(sys.exc_info()[1]):
        return busy_response()
    # No request context: the database may be what failed.
    return HttpResponseServerError(get_template("500.html").render({}))


class _SiteNamed:
    """Django's log-in and log-out views name the site after the host they were asked on
    ("127.0.0.1:8201"); the pages say the site's name, as every other page does."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "site_name": settings.FACTCHECK_SITE_NAME}


class LoginView(_SiteNamed, auth_views.LoginView):
    pass


class LogoutView(_SiteNamed, auth_views.LogoutView):
    pass


_javascript_catalog = JavaScriptCatalog.as_view()


@require_GET
@cache_control(public=True, max_age=3600)
def javascript_catalog(request, code):
    """The strings of ``static/js/`` in language ``code`` (named in the address, so that a
    page and its scripts always agree and any cache can keep one copy per language)."""
    code = supported(code) or settings.LANGUAGE_CODE
    with translation.override(code):
        return _javascript_catalog(request)
