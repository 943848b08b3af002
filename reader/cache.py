"""The reader site's page cache: public pages cached per published version.

Anonymous readers get a page rendered once per *stamp*: a token stored in Django's cache for
each public object (``claim:<pk>``, ``article:<pk>``), one for the lists (``lists``: home,
corrections, feeds, sitemap) and one for the whole site (``site``: what every page shows,
such as rating labels, publishers' names and topics). Publishing or correcting a verdict
replaces the stamps of its claim, its article and the lists once the transaction commits
(``claims.services.reader.reader_pages_changed``); a change in the health of a link used as
evidence replaces the stamps of the published claims resting on it; an admin's edit of what
every page shows replaces the site stamp. The next request then renders afresh; stale
entries are never read again and expire after ``FACTCHECK_READER_CACHE_SECONDS``.

Published pages are rendered ahead of readers (``claims.services.reader``'s prerender job
after each publication, and ``manage.py warm_reader_cache`` for all of them after a deploy
or a cache flush), so a reader's first visit is a hit too.

A cache hit costs two cache round trips (the stamps, then the page) and no SQL query: the
session and auth middleware do not touch the database for a visitor without a session cookie.
Entries are compressed (zlib): a claim page of about 9 KB keeps about 3 KB. Signed-in users
(the desk) are never served from or written to this cache: their pages carry their own
navigation. The key also carries a fingerprint of the code that renders the pages, so a
deploy never serves pages rendered by the previous release.
"""

from __future__ import annotations

import hashlib
import pickle
import secrets
import zlib
from collections.abc import Callable
from functools import cache as memoize
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

# Prefix of every key; tests give each test its own (object ids are reused between tests).
NAMESPACE = "reader"
LISTS = "lists"
SITE = "site"
STAMP_TIMEOUT = 30 * 24 * 3600
# Headers a view sets that a cached copy keeps (the middleware adds the others on each hit).
_KEPT_HEADERS = {"content-type", "content-language", "last-modified", "x-robots-tag"}


def _ttl() -> int:
    return int(getattr(settings, "FACTCHECK_READER_CACHE_SECONDS", 86400))


# What renders the pages besides the apps' code: the templates and the style sheets.
_RENDERING_FILES = ("templates", "static/css", "factcheck")
_RENDERING_SUFFIXES = {".py", ".html", ".txt", ".xml", ".css"}


@memoize
def release() -> str:
    """A fingerprint of the code and templates that render the pages (their contents: a few
    MB read once per process), so that pages rendered by an earlier release are never served
    after a deploy, and web servers and workers of one release agree on every key."""
    root = Path(settings.BASE_DIR)
    folders = [root / name for name in _RENDERING_FILES]
    folders += sorted(p for p in root.iterdir() if (p / "apps.py").is_file())
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in _RENDERING_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


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


def _stamps(scope: str) -> str:
    """The stamps a page of ``scope`` is keyed by (the site's and the scope's), in one
    round trip when both exist."""
    keys = [_stamp_key(SITE), _stamp_key(scope)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        return f"{stamp(SITE)}.{stamp(scope)}"
    return f"{found[keys[0]]}.{found[keys[1]]}"


def page_key(scope: str, where: str) -> str:
    """The cache key of the page at ``where`` (host and full path) in ``scope``."""
    digest = hashlib.sha256(where.encode()).hexdigest()[:32]
    return f"{NAMESPACE}:page:{release()}:{scope}:{_stamps(scope)}:{digest}"


def _pack(content: bytes, headers: dict[str, str]) -> bytes:
    return zlib.compress(pickle.dumps((content, headers), protocol=pickle.HIGHEST_PROTOCOL), 6)


def _unpack(entry) -> tuple[bytes, dict[str, str]] | None:
    if not isinstance(entry, bytes):
        return None
    try:
        content, headers = pickle.loads(zlib.decompress(entry))  # noqa: S301 (our own entries)
    except (zlib.error, pickle.UnpicklingError, ValueError, TypeError):
        return None
    return content, headers


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
            where = f"{request.get_host()}{request.get_full_path()}"
            scope = scope_of(request, kwargs)
            key = page_key(scope, where) if scope else None
            entry = _unpack(cache.get(key)) if key else None
            if entry is not None:
                content, headers = entry
                response = HttpResponse(content)
                for name, value in headers.items():
                    response[name] = value
                return _public(response, cached=True)
            response = view(request, *args, **kwargs)
            if key is None:
                # The view may have learnt the scope (an article's slug -> its number).
                scope = scope_of(request, kwargs)
                if scope is None:
                    return response
                key = page_key(scope, where)
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
                cache.set(key, _pack(response.content, headers), _ttl())
                return _public(response, cached=False)
            return response

        return wrapper

    return decorator


def memo(scope: str, name: str, compute: Callable[[], object]) -> object:
    """``compute()``'s value, kept per stamp of ``scope`` like a page (for parts a page
    needs on every cache miss, such as the home page's filter choices and its counts)."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    key = f"{NAMESPACE}:memo:{release()}:{scope}:{_stamps(scope)}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, _ttl())
    return value
