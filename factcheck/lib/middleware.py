"""Reviewer pages are never stored by a browser or a shared cache.

Everything under the reviewer area (``/review/``: the workbench, link health, sources and the
desk's pages), the Django admin and the account pages (login, password reset, invitations)
shows unpublished work or personal data: it goes out with ``Cache-Control: private, no-store``
whatever the view set. The reader site (``/``) keeps its own public caching
(``reader/cache.py``).
"""

from __future__ import annotations

from django.conf import settings

PRIVATE_CACHE_CONTROL = "private, no-store"


class PrivatePagesNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.FACTCHECK_PRIVATE_PATH_PREFIXES)

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(self.prefixes):
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
            # A validator would let a shared cache keep the page for revalidation.
            if "Expires" in response:
                del response["Expires"]
        return response
