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
navigation (``Cache-Control: private``, no validator). The key also carries a fingerprint of
the code that renders the pages, so a deploy never serves pages rendered by the previous
release.

Browsers and proxies. A page's key names its version (release, stamps, address), so the
page's ``ETag`` is derived from it, and its ``Last-Modified`` is the latest time one of its
stamps (or the release) changed; both are sent with ``Cache-Control: public, max-age=0,
must-revalidate, s-maxage=FACTCHECK_READER_SHARED_MAX_AGE``. A browser therefore asks again
on every visit and a correction shows at once; while nothing changed, the answer is a 304
made from the stamps alone (two cache round trips, one of them a bare existence check of
the page's entry; no rendering, no SQL query). A shared proxy may keep a page for the short
``s-maxage``.
"""

from __future__ import annotations

import hashlib
import pickle
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

# Prefix of every key; tests give each test its own (object ids are reused between tests).
NAMESPACE = "reader"
LISTS = "lists"
SITE = "site"
# The desk's pages about itself (about, methodology, corrections policy): an admin's edit
# of one, like a rating level's, replaces the site stamp (``RefreshesReaderPages``).
PAGES = "pages"
STAMP_TIMEOUT = 30 * 24 * 3600
# Headers a view sets that a cached copy keeps (the middleware adds the others on each hit;
# Last-Modified is the cache's own, from the stamps, so that it always names the version).
_KEPT_HEADERS = {"content-type", "content-language", "x-robots-tag"}
# Stamps name the second they were made in; older entries (random digits only) name none.
_EARLIEST = 1_600_000_000  # September 2020: a stamp older than this is not a time


def _ttl() -> int:
    return int(getattr(settings, "FACTCHECK_READER_CACHE_SECONDS", 86400))


def _shared_max_age() -> int:
    return max(0, int(getattr(settings, "FACTCHECK_READER_SHARED_MAX_AGE", 60)))


# What renders the pages besides the apps' code: the templates, the style sheets and the
# translations (locale/).
_RENDERING_FILES = ("templates", "static/css", "factcheck", "locale")
_RENDERING_SUFFIXES = {".py", ".html", ".txt", ".xml", ".css", ".po"}


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


def _release_key() -> str:
    return f"{NAMESPACE}:release"


def _new_stamp() -> str:
    """A new stamp: the second it is made (hex), then random digits."""
    return f"{int(time.time()):x}-{secrets.token_hex(6)}"


def _stamp_time(value: str) -> int | None:
    """The second a stamp was made in (``None``: not known)."""
    made, sep, _ = value.partition("-")
    if not sep:
        return None
    try:
        seconds = int(made, 16)
    except ValueError:
        return None
    return seconds if _EARLIEST <= seconds <= time.time() + 3600 else None


def stamp(scope: str) -> str:
    """The current stamp of ``scope`` (made on first use)."""
    key = _stamp_key(scope)
    value = cache.get(key)
    if value is None:
        cache.add(key, _new_stamp(), timeout=STAMP_TIMEOUT)
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


def _release_time(found) -> int:
    """When this release started serving pages, as every process of it agrees (the first
    to find another release's record, or none, writes its own: a deploy, or going back to
    an earlier release, always moves the time forward)."""
    fingerprint = release()
    if isinstance(found, str):
        name, _, seconds = found.partition("@")
        if name == fingerprint and seconds.isdigit():
            return int(seconds)
    now = int(time.time())
    cache.set(_release_key(), f"{fingerprint}@{now}", timeout=STAMP_TIMEOUT)
    return now


@dataclass(frozen=True)
class PageVersion:
    """What names one version of a page: its cache key, the ETag derived from it and the
    time it was last modified (``None`` when a stamp does not say)."""

    key: str
    etag: str
    last_modified: int | None


def page_version(scope: str, where: str) -> PageVersion:
    """The current version of the page at ``where`` (host and full path) in ``scope``: its
    stamps, and the release record, in one cache round trip when they all exist."""
    keys = [_stamp_key(SITE), _stamp_key(scope), _release_key()]
    found = cache.get_many(keys)
    site = found.get(keys[0]) or stamp(SITE)
    own = found.get(keys[1]) or stamp(scope)
    released = _release_time(found.get(keys[2]))
    digest = hashlib.sha256(where.encode()).hexdigest()[:32]
    key = f"{NAMESPACE}:page:{release()}:{scope}:{site}.{own}:{digest}"
    etag = 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'
    times = (_stamp_time(site), _stamp_time(own))
    last = None if None in times else max(*times, released)
    return PageVersion(key=key, etag=etag, last_modified=last)


def page_key(scope: str, where: str) -> str:
    """The cache key of the page at ``where`` (host and full path) in ``scope``."""
    return page_version(scope, where).key


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
    cache.set_many({_stamp_key(s): _new_stamp() for s in scopes}, timeout=STAMP_TIMEOUT)


def claim_scope(pk: int) -> str:
    return f"claim:{pk}"


def article_scope(pk: int) -> str:
    return f"article:{pk}"


def _cacheable_request(request: HttpRequest) -> bool:
    return request.method in {"GET", "HEAD"} and not request.user.is_authenticated


def _conditional(request: HttpRequest) -> bool:
    return "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META


def _public(response: HttpResponseBase, version: PageVersion, *, served: str) -> HttpResponseBase:
    """The headers of a page anonymous readers share: browsers revalidate every time (a
    correction shows at once), shared proxies may keep it ``s-maxage`` seconds."""
    patch_cache_control(
        response, public=True, max_age=0, must_revalidate=True, s_maxage=_shared_max_age()
    )
    patch_vary_headers(response, ["Cookie"])
    response["ETag"] = version.etag
    if version.last_modified is not None:
        response["Last-Modified"] = http_date(version.last_modified)
    elif "Last-Modified" in response:
        del response["Last-Modified"]  # a view's own (feeds, sitemap) does not name the version
    response["X-Reader-Cache"] = served
    return response


def _not_modified(request: HttpRequest, version: PageVersion) -> HttpResponseBase | None:
    """The answer to a conditional request for a page that exists at ``version`` (304, or
    412 for a failed If-Match), or ``None`` when the page is to be sent."""
    answer = get_conditional_response(
        request, etag=version.etag, last_modified=version.last_modified
    )
    if answer is None:
        return None
    if answer.status_code == 304:
        return _public(answer, version, served="revalidated")
    return answer


def reader_page(scope_of: Callable[[HttpRequest, dict], str | None]):
    """Cache a public view's 200 answers for anonymous readers, per stamp of
    ``scope_of(request, kwargs)`` (``None``: not cached, e.g. a key that names no object),
    and answer their conditional requests (``If-None-Match``, ``If-Modified-Since``).

    The cached entry is the rendered body; the response is rebuilt on every hit so the
    middleware still adds its headers (CSP, security headers) each time. A 304 is sent only
    for a page whose entry exists at the current version (it was a 200 then), so an address
    that names nothing public is never answered "not modified".
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
            version = page_version(scope, where) if scope else None
            if version is not None:
                if _conditional(request) and cache.has_key(version.key):
                    answer = _not_modified(request, version)
                    if answer is not None:
                        return answer
                entry = _unpack(cache.get(version.key))
                if entry is not None:
                    content, headers = entry
                    response = HttpResponse(content)
                    for name, value in headers.items():
                        response[name] = value
                    return _public(response, version, served="hit")
            response = view(request, *args, **kwargs)
            if version is None:
                # The view may have learnt the scope (an article's slug -> its number).
                scope = scope_of(request, kwargs)
                if scope is None:
                    return response
                version = page_version(scope, where)
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
                cache.set(version.key, _pack(response.content, headers), _ttl())
                return _not_modified(request, version) or _public(response, version, served="miss")
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
