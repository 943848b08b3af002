"""The reader site's page cache: public pages cached per published version.

Anonymous readers get a page rendered once per *stamp*: a token stored in Django's cache for
each public object (``claim:<pk>``, ``article:<pk>``) and one for the lists (``lists``: home,
corrections, feeds, sitemap). Publishing or correcting a verdict replaces the stamps of its
claim, its article and the lists once the transaction commits
(``claims.services.reader.reader_pages_changed``), so the next request renders afresh; stale
entries are never read again and expire after ``FACTCHECK_READER_CACHE_SECONDS`` (which
also bounds how long a change that bumps no stamp, such as a link's health, takes to show).

A cache hit costs two cache reads and no SQL query: the session and auth middleware do not
touch the database for a visitor without a session cookie. Signed-in users (the desk) are
never served from or written to this cache: their pages carry their own navigation.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

# Prefix of every key; tests give each test its own (object ids are reused between tests).
NAMESPACE = "reader"
LISTS = "lists"
STAMP_TIMEOUT = 7 * 24 * 3600
# Headers a view sets that a cached copy keeps (the middleware adds the others on each hit).
_KEPT_HEADERS = {"content-type", "content-language", "last-modified", "x-robots-tag"}


def _ttl() -> int:
    return int(getattr(settings, "FACTCHECK_READER_CACHE_SECONDS", 600))


def _stamp_key(scope: str) -> str:
    return f"{NAMESPACE}:stamp:{scope}"


def stamp(scope: str) -> str:
    """The current stamp of ``scope`` (made on first use)."""
    key = _stamp_key(scope)
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.token_hex(8), timeout=STAMP_TIMEOUT)
        value = cache.get(key) or "0"
    return value


def bump(*scopes: str) -> None:
    """Give each scope a new stamp: its cached pages are never served again."""
    cache.set_many({_stamp_key(s): secrets.token_hex(8) for s in scopes}, timeout=STAMP_TIMEOUT)


def claim_scope(pk: int) -> str:
    return f"claim:{pk}"


def article_scope(pk: int) -> str:
    return f"article:{pk}"


def _cacheable_request(request: HttpRequest) -> bool:
    return request.method in {"GET", "HEAD"} and not request.user.is_authenticated


def _public(response: HttpResponse, *, cached: bool | None) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=min(_ttl(), 300))
    patch_vary_headers(response, ["Cookie"])
    if cached is not None:
        response["X-Reader-Cache"] = "hit" if cached else "miss"
    return response


def reader_page(scope_of: Callable[[HttpRequest, dict], str | None]):
    """Cache a public view's 200 answers for anonymous readers, per stamp of
    ``scope_of(request, kwargs)`` (``None``: not cached, e.g. a key that names no object).

    The cached entry is the rendered body; the response is rebuilt on every hit so the
    middleware still adds its headers (CSP, security headers) each time.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not _cacheable_request(request):
                response = view(request, *args, **kwargs)
                if request.user.is_authenticated:
                    patch_cache_control(response, private=True)
                return response
            where = f"{request.get_host()}{request.get_full_path()}".encode()
            digest = hashlib.sha256(where).hexdigest()[:32]
            scope = scope_of(request, kwargs)
            page_key = f"{NAMESPACE}:page:{scope}:{stamp(scope)}:{digest}" if scope else None
            entry = cache.get(page_key) if page_key else None
            if entry is not None:
                content, headers = entry
                response = HttpResponse(content)
                for name, value in headers.items():
                    response[name] = value
                return _public(response, cached=True)
            response = view(request, *args, **kwargs)
            if page_key is None:
                # The view may have learnt the scope (an article's slug -> its number).
                scope = scope_of(request, kwargs)
                if scope is None:
                    return response
                page_key = f"{NAMESPACE}:page:{scope}:{stamp(scope)}:{digest}"
            messages = getattr(request, "_messages", None)
            if (
                response.status_code == 200
                and not response.streaming
                and not getattr(messages, "used", False)
                and not response.cookies
            ):
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                headers = {k: v for k, v in response.items() if k.lower() in _KEPT_HEADERS}
                cache.set(page_key, (response.content, headers), _ttl())
                return _public(response, cached=False)
            return response

        return wrapper

    return decorator
