"""The interface's language: which one a request is answered in, and how people choose it.

* **Reader pages** carry their language in the address (``i18n_patterns`` in
  ``factcheck/urls.py``): ``/claims/…`` is English (the default language has no prefix, so every
  address published before stays valid), ``/es/claims/…`` Spanish. Django's
  ``LocaleMiddleware`` activates the prefix's language. A reader who arrives on an English
  address with a browser asking for another of the site's languages (``Accept-Language``),
  and who has not chosen a language here before (the language cookie), is sent to that
  language's address once (:class:`ReaderLanguageRedirectMiddleware`).
* **Staff pages** (the workbench, the desk, sources, admin: addresses without a prefix) are in
  the person's own choice: the language saved in their settings
  (:class:`LanguagePreference`, copied into the session at log-in so that no page pays a query
  for it), else the language cookie, else ``Accept-Language``, else ``LANGUAGE_CODE``
  (:class:`StaffLanguageMiddleware`).
* **The switcher** in every page's header: for a signed-in person a small form (POST,
  :func:`language_set`) that saves their preference; for an anonymous reader plain links
  (reader pages are cached and carry no CSRF token) to :func:`language_switch`, which sets the
  cookie and goes to the page's address in that language.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from factcheck.lib.views import safe_next

__all__ = [
    "READER_HTML_PAGES",
    "SESSION_KEY",
    "ReaderLanguageRedirectMiddleware",
    "StaffLanguageMiddleware",
    "in_language",
    "is_reader_page",
    "language_set",
    "language_switch",
    "supported",
    "user_languages",
]

# Where the signed-in person's saved language is kept for the session's life.
SESSION_KEY = "factcheck_language"


def supported(code: str | None) -> str | None:
    """``code`` if it is one of the site's languages (``LANGUAGES``), else None."""
    if not code:
        return None
    code = code.lower()
    return code if code in dict(settings.LANGUAGES) else None


def user_languages(users) -> dict[int, str]:
    """The language to write to each of ``users`` in (e-mails sent by a task, where no
    request says it): the one each saved in their settings, else ``LANGUAGE_CODE``. One
    query for them all; keyed by user id."""
    from factcheck.lib.models import LanguagePreference

    ids = [user.pk for user in users]
    saved = dict(
        LanguagePreference.objects.filter(user_id__in=ids).values_list("user_id", "language")
    )
    return {pk: supported(saved.get(pk)) or settings.LANGUAGE_CODE for pk in ids}


def _language_of_path(path: str) -> str | None:
    return translation.get_language_from_path(path)


def _reader_match(request: HttpRequest):
    """The reader URL pattern the request's address resolves to (in the language active
    now: the prefix's, or the default), or None."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        # Both language middlewares ask before Django resolves the address: resolve once.
        if not hasattr(request, "_language_match"):
            from django.urls import Resolver404, resolve

            try:
                request._language_match = resolve(request.path_info)
            except Resolver404:
                request._language_match = None
        match = request._language_match
        if match is None:
            return None
    return match if match.namespace == "reader" else None


def is_reader_page(request: HttpRequest) -> bool:
    """A reader page a person reads (not a feed, the sitemap or an embeddable card: machines
    and other sites ask for those, in the language of the address they were given)."""
    match = _reader_match(request)
    return match is not None and match.url_name in READER_HTML_PAGES


# The reader pages a person reads (their language follows the reader's choice).
READER_HTML_PAGES = frozenset(
    {
        "home",
        "article_detail",
        "claim_page",
        "corrections",
        "claimant_page",
        "about",
        "methodology",
        "corrections_policy",
    }
)


def _cookie(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def in_language(path: str, code: str) -> str:
    """``path`` (an address of this site, with its query) in language ``code``: a reader
    page's address gets the language's prefix; other addresses are the same in every
    language."""
    with translation.override(_language_of_path(path.split("?")[0]) or settings.LANGUAGE_CODE):
        return translate_url(path, code)


@require_GET
def language_switch(request: HttpRequest, code: str) -> HttpResponse:
    """An anonymous reader's choice: remember it (cookie) and show ``next`` in it."""
    code = supported(code)
    target = safe_next(request, "/")
    if code is None:
        return HttpResponseRedirect(target)
    response = HttpResponseRedirect(in_language(target, code))
    _cookie(response, code)
    return response


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """A signed-in person's choice: saved with their account (and this browser's cookie)."""
    code = supported(request.POST.get("language"))
    target = safe_next(request, "/")
    if code is None:
        return HttpResponseRedirect(target)
    if request.user.is_authenticated:
        from factcheck.lib.models import LanguagePreference

        LanguagePreference.objects.update_or_create(user=request.user, defaults={"language": code})
        request.session[SESSION_KEY] = code
    response = HttpResponseRedirect(in_language(target, code))
    _cookie(response, code)
    return response


def _preference_into_session(sender, request, user, **kwargs) -> None:
    from factcheck.lib.models import LanguagePreference

    code = LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()
    if supported(code):
        request.session[SESSION_KEY] = code
    else:
        request.session.pop(SESSION_KEY, None)


user_logged_in.connect(_preference_into_session, dispatch_uid="language-preference-login")


class StaffLanguageMiddleware:
    """After authentication: an address without a language prefix that is not a reader page
    (the workbench, the desk, admin, accounts, the API's pages) is answered in the person's
    language: saved preference, cookie, ``Accept-Language``, default. (``LocaleMiddleware``
    alone would answer every unprefixed address in the default language, because the reader's
    addresses use ``i18n_patterns`` without a prefix for it.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _language_of_path(request.path_info) is None and _reader_match(request) is None:
            code = None
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                code = supported(request.session.get(SESSION_KEY))
            if code is None:
                code = translation.get_language_from_request(request, check_path=False)
            translation.activate(code)
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
            return response
        return self.get_response(request)


class ReaderLanguageRedirectMiddleware:
    """An anonymous reader on a default-language reader page whose browser prefers another of
    the site's languages, and who has not chosen one here (no language cookie), is sent to the
    page in that language (302; ``Vary: Accept-Language, Cookie`` on the English page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in ("GET", "HEAD")
            and _language_of_path(request.path_info) is None
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.user.is_authenticated
            and is_reader_page(request)
        ):
            wanted = _from_accept_language(request)
            if wanted and wanted != settings.LANGUAGE_CODE:
                response = HttpResponseRedirect(in_language(request.get_full_path(), wanted))
                # The browser's language decided it: no shared cache may keep it for others.
                response.headers["Cache-Control"] = "private, no-store"
                response.headers["Vary"] = "Accept-Language, Cookie"
                return response
        return self.get_response(request)


def _from_accept_language(request: HttpRequest) -> str | None:
    from django.utils.translation.trans_real import parse_accept_lang_header

    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None
