"""URLs: :func:`normalize_url` (the canonical form that makes ``Link`` rows unique) and
URLs parsed for requesting.

URL parsing for requests is httpx's (so the guard judges the host httpx will connect
to); :func:`normalize_url` uses ``yarl``.
"""

from __future__ import annotations

import httpx
from yarl import URL

_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidURL(ValueError):
    """The URL is not an absolute http(s) URL with a host."""


def normalize_url(url: str) -> str:
    """Canonical form of an http(s) URL, used to make ``Link`` rows unique.

    Lower-cases scheme and host, IDNA-encodes the host, drops the default port and the
    fragment, resolves dot segments, normalises percent-encoding (unreserved characters
    decoded, hex upper-cased, unsafe characters encoded) and keeps the query order.
    Parsing and normalisation are done by ``yarl``.
    """
    if not isinstance(url, str):
        raise InvalidURL(f"not a string: {url!r}")
    text = url.strip()
    try:
        parsed = URL(text)
        scheme = parsed.scheme.lower()
        host = parsed.raw_host
        parsed.explicit_port  # noqa: B018 - validates the port
    except (ValueError, TypeError, UnicodeError) as exc:
        raise InvalidURL(f"cannot parse URL {text!r}: {exc}") from None
    if scheme not in _ALLOWED_SCHEMES:
        raise InvalidURL(f"only http and https URLs are supported, not {text!r}")
    if not host:
        raise InvalidURL(f"URL has no host: {text!r}")
    parsed = parsed.with_fragment(None)
    if parsed.raw_path in ("", "/"):  # "http://host" and "http://host/" are one URL
        parsed = parsed.with_path("/", keep_query=True)
    return str(parsed)


def _prepare_url(url: str) -> httpx.URL:
    """Parse a URL for requesting; fragment and userinfo are dropped (credentials found
    in cited links are never sent)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL("empty URL")
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
        raise InvalidURL(f"cannot parse URL: {exc}") from None
    if parsed.scheme not in _ALLOWED_SCHEMES:
        raise InvalidURL(f"only http and https URLs are supported (got {parsed.scheme!r})")
    if not parsed.host:
        raise InvalidURL("URL has no host")
    return parsed.copy_with(fragment=None, userinfo=b"")


def _effective_port(url: httpx.URL) -> int:
    return url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme, 0)
