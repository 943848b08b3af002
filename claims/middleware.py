"""The ingest form answers a request too large (or unreadable) with itself and its message.

Django refuses to read a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (derived from
``FACTCHECK_INGEST_MAX_BYTES`` in the settings) with a bare 400, raised where the body is
first read: the CSRF middleware, before any view. For the ingest form's address only, this
middleware looks first: a declared length over the limit is refused without reading a byte
(a huge upload is never streamed to disk), and a body Django will not parse (over the limit,
too many fields or files, a broken multipart body) gets the form back with what went wrong,
status 413 or 400. Every other request passes untouched.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

INGEST_PERMISSION = "claims.add_article"


class IngestRequestLimitMiddleware:
    """Must come after ``AuthenticationMiddleware`` (the form is shown to those who may
    use it) and runs before the CSRF check reads the body (``process_view``)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._path = None

    def __call__(self, request):
        if request.method == "POST" and request.path_info == self._ingest_path():
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _ingest_path(self) -> str:
        if self._path is None:
            self._path = reverse("claims:article_ingest")
        return self._path

    def _refusal(self, request) -> HttpResponse | None:
        from claims.forms import ArticleIngestForm

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return self._answer(
                request, ArticleIngestForm.too_large_message("request", length), 413
            )
        try:
            # Parsed here, where its refusal can be answered (the CSRF check reuses it).
            request.POST  # noqa: B018
            request.FILES  # noqa: B018
        except RequestDataTooBig:
            return self._answer(
                request, ArticleIngestForm.too_large_message("request", length), 413
            )
        except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError) as exc:
            message = _("The form could not be read (%(error)s): send it again.") % {"error": exc}
            return self._answer(request, message, 400)
        return None

    def _answer(self, request, message: str, status: int) -> HttpResponse:
        from claims.forms import ArticleIngestForm
        from claims.services import human_size, max_ingest_bytes

        user = getattr(request, "user", None)
        if user is None or not user.has_perm(INGEST_PERMISSION):
            return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
        return render(
            request,
            "claims/article_ingest.html",
            {
                "form": ArticleIngestForm(),
                "request_error": message,
                "max_size": human_size(max_ingest_bytes()),
            },
            status=status,
        )
