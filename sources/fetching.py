"""The workbench's only HTTP client: link checks and article fetches.

Everything that leaves the process over HTTP goes through this module so that one
set of rules applies everywhere:

* **SSRF guard.**  Only ``http``/``https``.  Every redirect hop is vetted before it is
  requested.  The address that is actually connected to is vetted *at connection
  time*: :class:`GuardedNetworkBackend` (an ``httpcore`` network backend) resolves the
  host itself, refuses the connection if **any** resolved address is forbidden, and then
  connects to the vetted IP literal, so there is no window for DNS rebinding between the
  check and the connect.  TLS still verifies the original hostname because ``httpcore``
  passes the URL host as ``server_hostname`` to ``start_tls``.  Environment proxies are
  ignored (``trust_env=False``); a proxy would make the connect-time check meaningless.
* **Allow-list.**  ``FetchConfig.allow_hosts`` holds exact ``(host, port)`` pairs as
  written in the URL (default port implied).  A match exempts that URL/hop from the
  address check, nothing else.
* **Politeness.**  :func:`acheck_many` limits concurrent requests per host and spaces
  the requests sent to the same host (every request: HEAD, GET and each redirect hop);
  time spent queueing does not count against a check's deadline nor its ``elapsed_ms``.
* **Bounded work.**  Connect/read timeouts, an overall deadline per check, at most
  ``max_redirects`` hops, and bodies read as a stream and cut at ``max_bytes`` (raw and
  decoded), so an endless body or a gzip bomb cannot slow a check down.

HEAD/GET rule used by link checks (see :func:`acheck_url`):

1. HEAD the URL (redirects followed hop by hop).
2. A 2xx HEAD answer whose ``Content-Type`` is present and not HTML is final (``ok``).
   A 429 HEAD answer is final (``rate_limited``; we do not hammer a server that asked us
   to slow down).  Network-level failures (DNS, TLS, timeout, refused address, too many
   redirects) are final.
3. Everything else -- any HEAD 4xx/5xx (405, 501, 400, 403, 404, ...), a 2xx HTML page,
   a 2xx without a content type, a broken/odd HEAD response -- is re-checked with a GET
   from the original URL, reading at most ``max_bytes`` of the body.  **The GET answer
   is authoritative**: a HEAD 404 followed by a GET 200 is reported as ``ok``.
4. A 2xx HTML GET answer is examined for bot walls (``blocked``) and soft 404s.

Outcome vocabulary: besides the outcomes in the project brief this module uses
``client_error`` (4xx other than 401/403/404/410/429/451, e.g. 400 or 405 on GET) and
``too_large`` (only raised by :func:`fetch_document` when the body exceeds the cap).
The initial URL with a scheme other than http(s) is ``invalid_url``; a redirect to one
is ``unsafe``.  ``error`` is empty for ``ok`` results.

URL parsing for requests is httpx's (so the guard judges the host httpx will connect
to); :func:`normalize_url` uses ``yarl``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email.utils
import enum
import ipaddress
import logging
import os
import re
import socket
import ssl
import threading
import unicodedata
import urllib.parse
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import anyio
import certifi
import httpcore
import httpx
from yarl import URL

__all__ = [
    "CheckResult",
    "FetchConfig",
    "FetchError",
    "FetchedDocument",
    "GuardedAsyncClient",
    "GuardedNetworkBackend",
    "InvalidURL",
    "Outcome",
    "UnsafeAddressError",
    "acheck_many",
    "acheck_url",
    "build_async_client",
    "check_url",
    "detect_bot_wall",
    "detect_soft_404",
    "fetch_document",
    "forbidden_address_reason",
    "is_allowed_host",
    "normalize_url",
    "parse_allow_hosts",
    "parse_host_address",
    "parse_retry_after",
    "url_guard_reason",
]

logger = logging.getLogger(__name__)

PRODUCT = "FactcheckWorkbench-LinkChecker/1.0"
DEFAULT_CONTACT_URL = "https://factcheck-workbench.example/link-checker"
DEFAULT_USER_AGENT = f"{PRODUCT} (+{DEFAULT_CONTACT_URL})"
DEFAULT_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024

_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_ACCEPT_ENCODING = "gzip, deflate"
_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


# --------------------------------------------------------------------------- vocabulary


class Outcome(enum.StrEnum):
    """What a link check (or a failed document fetch) found."""

    OK = "ok"
    NOT_FOUND = "not_found"  # 404
    GONE = "gone"  # 410
    SERVER_ERROR = "server_error"  # 5xx (and malformed responses)
    CLIENT_ERROR = "client_error"  # other 4xx (400, 405 on GET, ...)
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    BLOCKED = "blocked"  # 401/403/451, bot walls / challenge pages
    RATE_LIMITED = "rate_limited"  # 429
    SOFT_404 = "soft_404"  # a 200 page that is really "not found"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    UNSAFE = "unsafe"  # refused by the SSRF guard
    INVALID_URL = "invalid_url"
    TOO_LARGE = "too_large"  # fetch_document only: body over the cap


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Result of one link check.

    ``redirects`` lists the hops as ``(status, location)`` pairs: the redirect status
    and the absolute URL it pointed to (fragment removed); ``final_url`` is the URL of
    the last response.  ``elapsed_ms`` excludes time spent queueing for politeness.
    """

    url: str
    outcome: Outcome
    status: int | None = None
    final_url: str = ""
    redirects: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    elapsed_ms: int = 0
    error: str = ""
    retry_after: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outcome": str(self.outcome),
            "status": self.status,
            "final_url": self.final_url,
            "redirects": [[status, url] for status, url in self.redirects],
            "elapsed_ms": self.elapsed_ms,
            "error": self.error,
            "retry_after": self.retry_after,
        }


@dataclasses.dataclass(frozen=True)
class FetchedDocument:
    """A document fetched for ingestion.  ``charset`` is the one declared in the
    ``Content-Type`` header (``None`` when absent); ``body`` is decoded from
    gzip/deflate but not from its character set."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    redirects: list[tuple[int, str]] = dataclasses.field(default_factory=list)


class FetchError(Exception):
    """A document could not be fetched; ``outcome`` says why."""

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = Outcome(outcome)
        self.message = message
        self.url = url
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.outcome}: {self.message}"


class InvalidURL(ValueError):
    """The URL is not an absolute http(s) URL with a host."""


class UnsafeAddressError(httpcore.ConnectError):
    """Raised by the guarded backend when a connection target is forbidden."""


class _DNSError(httpcore.ConnectError):
    """Raised by the guarded backend when the host does not resolve."""


# ------------------------------------------------------------------------ configuration


def _parse_host_port(entry: str) -> tuple[str, int]:
    text = entry.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"allow-list entry {entry!r} must be '[ipv6]:port'")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not host or ":" in host:
            raise ValueError(f"allow-list entry {entry!r} must be 'host:port'")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"allow-list entry {entry!r} has an invalid port")
    return host.strip().lower().rstrip("."), int(port_text)


def parse_allow_hosts(value: str | Iterable[Any] | None) -> frozenset[tuple[str, int]]:
    """Parse ``"host:port,[::1]:8000"`` (or a list of such strings, or of
    ``(host, port)`` pairs) into a frozenset of ``(host, port)``.  Entries without an
    explicit port are rejected: the allow-list is exact."""
    if value is None:
        return frozenset()
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    pairs: set[tuple[str, int]] = set()
    for item in items:
        if isinstance(item, tuple | list):
            host, port = item
            pairs.add((str(host).strip().lower().strip("[]").rstrip("."), int(port)))
        elif str(item).strip():
            pairs.add(_parse_host_port(str(item)))
    return frozenset(pairs)


def _django_settings() -> Any | None:
    try:
        from django.conf import settings
    except ImportError:  # pragma: no cover - Django is a project dependency
        return None
    try:
        if not settings.configured:
            return None
        settings.INSTALLED_APPS  # noqa: B018 - forces lazy settings to load
    except Exception:  # ImproperlyConfigured and friends: behave as "no Django"
        return None
    return settings


@dataclasses.dataclass(frozen=True)
class FetchConfig:
    """Limits and identity for outgoing requests.  ``max_bytes`` is the body cap for
    link checks; :func:`fetch_document` takes its own cap.  ``ca_bundle`` (a PEM path)
    replaces the default CA store -- for tests and intranet deployments only."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 65536
    max_redirects: int = 10
    user_agent: str = DEFAULT_USER_AGENT
    allow_hosts: frozenset[tuple[str, int]] = frozenset()
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"FetchConfig.{name} must be positive")
        if self.max_bytes < 1:
            raise ValueError("FetchConfig.max_bytes must be positive")
        if self.max_redirects < 0:
            raise ValueError("FetchConfig.max_redirects must not be negative")
        if not isinstance(self.allow_hosts, frozenset) or any(
            not isinstance(p, tuple) for p in self.allow_hosts
        ):
            object.__setattr__(self, "allow_hosts", parse_allow_hosts(self.allow_hosts))
        else:
            object.__setattr__(
                self,
                "allow_hosts",
                frozenset((h.lower().strip("[]").rstrip("."), int(p)) for h, p in self.allow_hosts),
            )

    @classmethod
    def from_settings(cls, **overrides: Any) -> FetchConfig:
        """Build from Django settings when Django is configured, else from defaults.

        Settings read: ``FACTCHECK_FETCH_CONNECT_TIMEOUT``, ``FACTCHECK_FETCH_READ_TIMEOUT``,
        ``FACTCHECK_FETCH_TOTAL_TIMEOUT``, ``FACTCHECK_FETCH_MAX_BYTES``,
        ``FACTCHECK_FETCH_MAX_REDIRECTS``, ``FACTCHECK_FETCH_USER_AGENT``,
        ``FACTCHECK_CONTACT_URL`` and ``FACTCHECK_FETCH_ALLOW_HOSTS``.  When the
        allow-list setting is absent (or Django is not configured) the environment
        variable ``FACTCHECK_FETCH_ALLOW_HOSTS`` is used.
        """
        s = _django_settings()

        def get(name: str, default: Any) -> Any:
            value = getattr(s, name, None) if s is not None else None
            return default if value is None or value == "" else value

        contact = get("FACTCHECK_CONTACT_URL", DEFAULT_CONTACT_URL)
        user_agent = get("FACTCHECK_FETCH_USER_AGENT", f"{PRODUCT} (+{contact})")
        allow_raw = getattr(s, "FACTCHECK_FETCH_ALLOW_HOSTS", None) if s is not None else None
        if allow_raw is None:
            allow_raw = os.environ.get("FACTCHECK_FETCH_ALLOW_HOSTS", "")
        values: dict[str, Any] = {
            "connect_timeout": float(get("FACTCHECK_FETCH_CONNECT_TIMEOUT", 5)),
            "read_timeout": float(get("FACTCHECK_FETCH_READ_TIMEOUT", 10)),
            "total_timeout": float(get("FACTCHECK_FETCH_TOTAL_TIMEOUT", 30)),
            "max_bytes": int(get("FACTCHECK_FETCH_MAX_BYTES", 65536)),
            "max_redirects": int(get("FACTCHECK_FETCH_MAX_REDIRECTS", 10)),
            "user_agent": str(user_agent),
            "allow_hosts": parse_allow_hosts(allow_raw),
        }
        values.update(overrides)
        return cls(**values)


# ------------------------------------------------------------------------- URL handling


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


def _refusal_for_unparseable(url: str, exc: InvalidURL) -> tuple[Outcome, str]:
    """For a URL httpx cannot use: ``unsafe`` when a lenient reading of its host is a
    forbidden address (e.g. ``http://0177.0.0.1/``), else ``invalid_url``."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or "" if parts.scheme.lower() in _ALLOWED_SCHEMES else ""
    except ValueError:
        host = ""
    address = parse_host_address(host) if host else None
    reason = forbidden_address_reason(address) if address is not None else None
    if reason:
        return Outcome.UNSAFE, f"refused: {reason}"
    return Outcome.INVALID_URL, str(exc)


def _effective_port(url: httpx.URL) -> int:
    return url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme, 0)


def is_allowed_host(host: str, port: int, allow_hosts: frozenset[tuple[str, int]]) -> bool:
    """Whether ``host:port`` (as written in the URL) is on the exact allow-list."""
    return (host.lower().strip("[]").rstrip("."), int(port)) in allow_hosts


# ---------------------------------------------------------------------- address guard

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Networks refused on top of what ``ipaddress`` already calls non-global; listed so the
# verdict does not depend on the Python version's special-purpose registry snapshot.
_EXTRA_FORBIDDEN_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # CGNAT shared address space
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "240.0.0.0/4",  # reserved
        "255.255.255.255/32",  # limited broadcast
    )
)
_EXTRA_FORBIDDEN_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",  # IPv4-compatible (deprecated), ::, ::1
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (incl. Teredo 2001::/32)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
        "64:ff9b:1::/48",  # local-use NAT64
        "fc00::/7",  # unique local
        "fec0::/10",  # site-local (deprecated)
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)
_NAT64_WKP = ipaddress.IPv6Network("64:ff9b::/96")


def forbidden_address_reason(ip: str | _IPAddress) -> str | None:
    """Why connecting to ``ip`` is forbidden, or ``None`` when it is a public address.

    IPv4 addresses embedded in IPv6 (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
    ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) are judged by the IPv4 address they
    carry; IPv4-compatible ``::a.b.c.d`` and local-use NAT64 are refused outright.
    """
    if isinstance(ip, str):
        try:
            ip = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return f"not an IP address: {ip!r}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return f"{ip} has a zone index"
        if ip.ipv4_mapped is not None:
            inner = forbidden_address_reason(ip.ipv4_mapped)
            return f"IPv4-mapped {ip}: {inner}" if inner else None
        if ip in _NAT64_WKP:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            inner = forbidden_address_reason(embedded)
            return f"NAT64 {ip}: {inner}" if inner else None
        if ip.sixtofour is not None:
            inner = forbidden_address_reason(ip.sixtofour)
            if inner:
                return f"6to4 {ip}: {inner}"
        if ip.teredo is not None:
            server, client = ip.teredo
            for embedded in (server, client):
                inner = forbidden_address_reason(embedded)
                if inner:
                    return f"Teredo {ip}: {inner}"
            return f"{ip} is a Teredo address"
        for net in _EXTRA_FORBIDDEN_V6:
            if ip in net:
                return f"{ip} is in special-purpose range {net}"
    else:
        for net in _EXTRA_FORBIDDEN_V4:
            if ip in net:
                return f"{ip} is in special-purpose range {net}"
    checks = (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    )
    for attr, label in checks:
        if getattr(ip, attr):
            return f"{ip} is a {label} address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return f"{ip} is a site-local address"
    if not ip.is_global:
        return f"{ip} is not a globally routable address"
    return None


def parse_host_address(host: str) -> _IPAddress | None:
    """The IP address a resolver or browser would read from ``host``, or ``None`` when
    ``host`` is a name.  Accepts bracketed IPv6 and every IPv4 spelling that
    ``inet_aton`` accepts (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``), after
    percent-decoding, NFKC folding (full-width digits) and dropping one trailing dot."""
    text = urllib.parse.unquote(host).strip()
    text = unicodedata.normalize("NFKC", text).lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return None
    if text.endswith("."):
        text = text[:-1]
    if not text or not re.fullmatch(r"[0-9a-fx.]+", text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def url_guard_reason(
    url: str | httpx.URL, allow_hosts: frozenset[tuple[str, int]] = frozenset()
) -> str | None:
    """Why the URL must not be requested, or ``None``.  Pure: never resolves nor
    connects.  A hostname passes here; its resolved addresses are judged at connection
    time by :class:`GuardedNetworkBackend`."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url).strip())
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
        return f"unparseable URL: {exc}"
    if parsed.scheme not in _ALLOWED_SCHEMES:
        return f"scheme {parsed.scheme!r} is not allowed"
    host = parsed.host
    if not host:
        return "URL has no host"
    if is_allowed_host(host, _effective_port(parsed), allow_hosts):
        return None
    address = parse_host_address(host)
    if address is not None:
        return forbidden_address_reason(address)
    if "%" in host:
        return f"percent-encoded host {host!r}"
    return None


# -------------------------------------------------------------- connect-time guard


async def _resolve(host: str, port: int) -> list[str]:
    """Resolve ``host`` to IP address strings (tests may monkeypatch this)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    return addresses


def _is_reserved_invalid_name(host: str) -> bool:
    # RFC 6761 6.4: "invalid" names never resolve; answer without asking the network.
    name = host.lower().rstrip(".")
    return name == "invalid" or name.endswith(".invalid")


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An ``httpcore`` network backend that resolves the host itself, refuses forbidden
    addresses and connects to the vetted IP literal.

    If any resolved address is forbidden the host is refused (a name that mixes public
    and private answers is treated as hostile).  Hosts on the allow-list skip the
    address check but still go through the same resolve-then-connect path.
    """

    def __init__(
        self,
        allow_hosts: frozenset[tuple[str, int]] = frozenset(),
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_hosts = allow_hosts
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def _addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        literal = parse_host_address(host)
        if literal is not None:
            return [str(literal)]
        if _is_reserved_invalid_name(host):
            raise _DNSError(f"cannot resolve {host!r}: reserved .invalid name")
        try:
            with anyio.fail_after(timeout):
                addresses = await _resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"DNS lookup for {host!r} timed out") from None
        except (OSError, UnicodeError) as exc:
            raise _DNSError(f"cannot resolve {host!r}: {exc}") from exc
        if not addresses:
            raise _DNSError(f"cannot resolve {host!r}: no addresses")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, port, timeout)
        if not is_allowed_host(host, port, self.allow_hosts):
            for address in addresses:
                reason = forbidden_address_reason(address)
                if reason:
                    raise UnsafeAddressError(f"refused {host}:{port}: {reason}")
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsafeAddressError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits,
        network_backend: httpcore.AsyncNetworkBackend,
    ) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        # httpx 0.28 has no public knob for the network backend: swap the pool for an
        # identical one that uses ours (tests prove the guard is in the path).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=network_backend,
        )


class GuardedAsyncClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose connections go through the guard.  Only clients
    made by :func:`build_async_client` are accepted by this module's functions."""

    fetch_config: FetchConfig


def build_async_client(
    config: FetchConfig | None = None,
    *,
    max_connections: int = 100,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> GuardedAsyncClient:
    """Create a guarded client.  ``network_backend`` replaces the backend *inside* the
    guard (tests use it as a trip-wire); the guard itself cannot be removed."""
    config = config or FetchConfig.from_settings()
    ssl_context = ssl.create_default_context(cafile=config.ca_bundle or certifi.where())
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=min(20, max_connections),
    )
    transport = _GuardedTransport(
        ssl_context=ssl_context,
        limits=limits,
        network_backend=GuardedNetworkBackend(config.allow_hosts, inner=network_backend),
    )
    client = GuardedAsyncClient(
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.total_timeout,
        ),
        headers={
            "User-Agent": config.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": _ACCEPT_ENCODING,
            "Accept-Language": "en;q=0.9, *;q=0.5",
        },
        # The client itself never stores cookies; each check keeps its own jar.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )
    client.fetch_config = config
    return client


# ----------------------------------------------------------------------- body reading


class _BodyDecodeError(Exception):
    pass


class _BodyDecoder:
    """Incremental gzip/deflate decoder that never produces more than asked for."""

    def __init__(self, content_encoding: str | None) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        self._raw_deflate_fallback = False
        self._started = False
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate_fallback = True
        else:
            raise _BodyDecodeError(f"unsupported content-encoding {encoding!r}")

    def feed(self, data: bytes, limit: int) -> bytes:
        if self._zlib is None:
            return data[:limit]
        limit = max(limit, 1)  # zlib treats max_length=0 as "unlimited"
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error as exc:
            if self._raw_deflate_fallback and not self._started:
                self._raw_deflate_fallback = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, limit)
            raise _BodyDecodeError(f"cannot decode body: {exc}") from None
        self._started = True
        return out


async def _read_capped(
    response: httpx.Response, max_decoded: int, max_raw: int
) -> tuple[bytes, bool]:
    """Read at most ``max_decoded`` decoded bytes while receiving at most about
    ``max_raw`` raw bytes.  Returns ``(body, truncated)``."""
    decoder = _BodyDecoder(response.headers.get("content-encoding"))
    body = bytearray()
    raw_seen = 0
    truncated = False
    async for chunk in response.aiter_raw():
        raw_seen += len(chunk)
        body += decoder.feed(chunk, max_decoded + 1 - len(body))
        if len(body) > max_decoded or raw_seen > max_raw:
            truncated = True
            break
    return bytes(body[:max_decoded]), truncated or len(body) > max_decoded


# ----------------------------------------------------------------- page heuristics

_WS = re.compile(r"\s+")


def _norm_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    return _WS.sub(" ", text).strip()


class _PageScanner(HTMLParser):
    """Collects <title>, <h1> texts and the other visible text from (possibly
    truncated) HTML."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self.h1s: list[str] = []
        self.text_parts: list[str] = []
        self._in_title = False
        self._h1_depth = 0
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._h1_depth += 1
            self.h1s.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._h1_depth = max(0, self._h1_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._skip_depth:
            return
        if self._h1_depth and self.h1s:
            self.h1s[-1] += data
        else:
            self.text_parts.append(data)

    @property
    def title(self) -> str:
        return _norm_text("".join(self.title_parts))


def _scan_html(body: bytes, charset: str | None) -> _PageScanner:
    scanner = _PageScanner()
    with contextlib.suppress(Exception):  # malformed markup: keep what was collected
        scanner.feed(_decode_html(body, charset))
        scanner.close()
    return scanner


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


def _decode_html(body: bytes, charset: str | None) -> str:
    candidates = [charset] if charset else []
    match = _META_CHARSET.search(body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    candidates.append("utf-8")
    for candidate in candidates:
        try:
            return body.decode(candidate or "utf-8", errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")  # pragma: no cover


# A title/heading *segment* must consist of a not-found phrase, optionally decorated
# ("Oops!", "Error 404:", trailing punctuation).  Headlines that merely mention such a
# phrase do not match, which keeps false positives down.
_DECORATION = (
    r"(?:(?:oops|oups|ups|whoops|sorry|uh[- ]?oh|hmm+|ouch|ooops|aw snap|error|erreur|fehler|"
    r"errore|erro|fout|błąd|ошибка|http)\s*[!,.:;…-]*\s*)*"
    r"(?:(?:error\s*)?404\s*[!,.:;…-]*\s*(?:error\s*[!,.:;…-]*\s*)?)?"
)
_THING = r"(?:page|web ?page|article|story|content|resource|file|document|url|link|post)"
_LOOKING = (
    r"(?:\s+(?:you(?:'re| are| were)? (?:looking for|trying to (?:reach|access|find))"
    r"|you (?:have )?requested|requested))?"
)
_STRONG_PHRASES = [
    rf"(?:the |this |that )?{_THING}? ?not found",
    r"nothing (?:was )?found here",
    rf"(?:the |this |that )?{_THING}{_LOOKING}\s+"
    r"(?:could not|couldn't|cannot|can't|can not) be found",
    rf"(?:the |this |that )?{_THING}{_LOOKING}\s+"
    r"(?:does not|doesn't|no longer) exists?(?: anymore| any more)?",
    rf"(?:the |this |that )?{_THING}{_LOOKING}\s+"
    r"(?:is|was|has been) (?:not found|no longer available|removed|deleted|moved)",
    rf"we (?:can't|cannot|couldn't|could not) find (?:that|the|this|your) {_THING}{_LOOKING}",
    r"(?:we|i) (?:can't|cannot|couldn't|could not) find what you(?:'re| are) looking for",
    r"(?:that|this) (?:page|content) is no longer available",
    # German
    r"(?:die )?(?:seite|datei)(?: wurde)? nicht gefunden",
    r"(?:die )?(?:angeforderte |gesuchte )?seite (?:wurde nicht gefunden|existiert nicht"
    r"(?: mehr)?|ist nicht (?:mehr )?verfügbar)",
    r"diese seite (?:gibt es|existiert) nicht(?: mehr)?",
    # French
    r"(?:la )?page (?:non trouvée|non trouvee|introuvable|inexistante)",
    r"(?:la |cette )?page(?: demandée| que vous recherchez)? (?:est introuvable"
    r"|n'existe pas|n'existe plus|n'est plus disponible)",
    # Spanish / Portuguese / Italian
    r"(?:la )?página no (?:encontrada|existe)",
    r"pagina no encontrada",
    r"(?:a )?página não (?:encontrada|existe)",
    r"pagina nao encontrada",
    r"(?:la )?pagina (?:non trovata|non esiste|richiesta non esiste)",
    # Dutch / Polish / Russian / Swedish
    r"(?:de )?pagina (?:niet gevonden|bestaat niet)",
    r"nie znaleziono strony",
    r"strona nie (?:została znaleziona|istnieje)",
    r"страница не найдена",
    r"(?:sidan|sida) (?:kunde inte hittas|hittades inte)",
    # Japanese / Chinese
    r"(?:お探しの)?ページ(?:が|は)見つかりません(?:でした)?",
    r"页面(?:不存在|未找到|找不到)",
    r"找不到(?:该)?页面",
    r"頁面不存在",
]
_STRONG_RE = re.compile(
    rf"^{_DECORATION}(?:{'|'.join(_STRONG_PHRASES)})\s*[!.…。\uff01]*$",
)
_WEAK_RE = re.compile(r"^(?:(?:error|erreur|fehler|errore|erro|fout|http)\s*)?404\s*[!.…]*$")
_TITLE_SPLIT = re.compile("\\s*[|\u2013\u2014\u00b7\u2022~]\\s*|\\s+-\\s+|\\s+::\\s+")

# Sentences that only appear on error pages; they count only on short pages.
_BODY_CUES = re.compile(
    r"(?:the page you(?:'re| are| were)? (?:looking for|requested|tried to)"
    r"|(?:page|url|link) (?:could not|couldn't|cannot|can't) be found"
    r"|(?:page|url) (?:does not|doesn't) exist"
    r"|mistyped the (?:url|address)|check the (?:url|address|spelling)"
    r"|may have been (?:moved|removed|deleted)|(?:error|http) 404|404 error"
    r"|seite wurde nicht gefunden|page (?:est )?introuvable|página no encontrada"
    r"|pagina non trovata|pagina niet gevonden|страница не найдена)",
)
_SHORT_PAGE_WORDS = 400


def _phrase_strength(text: str, *, split: bool) -> int:
    segments = _TITLE_SPLIT.split(text) if split else [text]
    best = 0
    for segment in segments:
        segment = segment.strip(" \"'“”«»()[]")
        if not segment:
            continue
        if _STRONG_RE.match(segment):
            return 2
        if _WEAK_RE.match(segment):
            best = 1
    return best


_TRIVIAL_SEGMENT = re.compile(
    r"^(?:|index\.[a-z0-9]+|default\.[a-z0-9]+|home|start|[a-z]{2}(?:[-_][a-z]{2,4})?)$"
)
_ERROR_PAGE_SEGMENT = re.compile(
    r"^(?:404|not[-_]?found|page[-_]?not[-_]?found|error[-_]?404|404[-_]?error|"
    r"404[-_]?page|notfound)(?:\.[a-z0-9]+)?$"
)


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _segments(url: httpx.URL) -> list[str]:
    return [urllib.parse.unquote(s).lower() for s in url.path.split("/") if s]


def _redirect_soft_404(original: str, final: str) -> str | None:
    try:
        src, dst = httpx.URL(original), httpx.URL(final)
    except (httpx.InvalidURL, ValueError):
        return None
    if src == dst:
        return None
    dst_segments = _segments(dst)
    if dst_segments and _ERROR_PAGE_SEGMENT.match(dst_segments[-1]):
        return f"redirected to error page {final}"
    if _site(src.host) != _site(dst.host):
        return None
    deep = any(not _TRIVIAL_SEGMENT.match(s) for s in _segments(src))
    root = all(_TRIVIAL_SEGMENT.match(s) for s in dst_segments)
    if deep and root:
        return f"deep link redirected to the site root {final}"
    return None


def detect_soft_404(
    body: bytes,
    *,
    charset: str | None = None,
    url: str | None = None,
    final_url: str | None = None,
) -> str | None:
    """Why a 200 HTML page looks like a "not found" page, or ``None``.

    Signals and weights: a title segment that *is* a not-found phrase (2; a bare "404"
    or "Error 404" segment 1), an ``<h1>`` that is one (2; bare "404" 1), and on short
    pages (< 400 words) error-page sentences in the text (1).  A page is a soft 404 at
    3 points, or when a deep link was redirected to the site root or to an error-page
    path (``url`` -> ``final_url``).  Conservative by design: a headline that merely
    mentions "page not found" scores nothing.
    """
    if url and final_url:
        reason = _redirect_soft_404(url, final_url)
        if reason:
            return reason
    scanner = _scan_html(body, charset)
    title = scanner.title
    score = 0
    signals = []
    title_strength = _phrase_strength(title, split=True)
    if title_strength:
        score += title_strength
        signals.append(f"title {title!r}")
    h1_strength = 0
    for h1 in scanner.h1s[:3]:
        h1_strength = max(h1_strength, _phrase_strength(_norm_text(h1), split=False))
    if h1_strength:
        score += h1_strength
        signals.append("heading")
    text = _norm_text(" ".join(scanner.text_parts))
    if len(text.split()) < _SHORT_PAGE_WORDS and _BODY_CUES.search(text):
        score += 1
        signals.append("error-page wording")
    if score >= 3:
        return "looks like a 'not found' page: " + ", ".join(signals)
    return None


_BOT_WALL_TITLES = re.compile(
    r"^(?:just a moment\.*|attention required! \| cloudflare|please wait\.*"
    r"|access denied \| .* used cloudflare to restrict access|ddos-guard"
    r"|are you a robot\??|robot check|human verification|verify you are human"
    r"|please verify you are a human|checking your browser.*|security check"
    r"|pardon our interruption\.*|sucuri website firewall - access denied)$"
)
_BOT_WALL_MARKERS = (
    b"window._cf_chl_opt",
    b"cf-browser-verification",
    b"cf_chl_prog",
    b"captcha-delivery.com",
    b"incapsula incident id",
    b"px-captcha",
    b"/_guard/auto.js",  # DDoS-Guard
)


def detect_bot_wall(headers: httpx.Headers | dict[str, str], body: bytes = b"") -> str | None:
    """Why a response looks like a bot wall / challenge page, or ``None``."""
    mitigated = (headers.get("cf-mitigated") or "").lower()
    if mitigated == "challenge":
        return "Cloudflare challenge (cf-mitigated: challenge)"
    if not body:
        return None
    lowered = body[:200_000].lower()
    for marker in _BOT_WALL_MARKERS:
        if marker in lowered:
            return f"challenge page ({marker.decode()})"
    title = _scan_html(body, None).title
    if title and _BOT_WALL_TITLES.match(title):
        return f"challenge page (title {title!r})"
    return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or HTTP-date), or ``None``."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


# ------------------------------------------------------------------- politeness


class _HostGate:
    """Per-host concurrency limit and minimum spacing of request starts, plus a global
    limit on requests in flight.

    Acquisition order (host slot, global slot, spacing) means one busy host holds at
    most ``per_host`` global slots.  The spacing is measured between the moments the
    request headers have actually been *sent* (reported through ``httpcore``'s trace
    hook), so DNS and connection set-up time cannot squeeze two arrivals together; the
    per-host turn is held until then, which serialises connection set-up per host.
    """

    def __init__(self, per_host: int, interval: float, concurrency: int) -> None:
        if per_host < 1 or concurrency < 1:
            raise ValueError("concurrency limits must be at least 1")
        if interval < 0:
            raise ValueError("per_host_interval must not be negative")
        self._per_host = per_host
        self._interval = interval
        self._global = asyncio.Semaphore(concurrency)
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[tuple[float, Callable[[], None]]]:
        """Yields ``(seconds waited, mark_sent)``; call ``mark_sent()`` once the request
        is on the wire (it is called on exit in any case)."""
        loop = asyncio.get_running_loop()
        begin = loop.time()
        host = host.lower()
        sem = self._host_sems.setdefault(host, asyncio.Semaphore(self._per_host))
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with sem, self._global:
            await lock.acquire()
            released = False

            def mark_sent() -> None:
                nonlocal released
                if not released:
                    released = True
                    self._next_start[host] = loop.time() + self._interval
                    lock.release()

            try:
                delay = self._next_start.get(host, 0.0) - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                yield loop.time() - begin, mark_sent
            finally:
                mark_sent()


# -------------------------------------------------------------------- request core


class _Stop(Exception):
    """Ends a check early with an outcome."""

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        *,
        status: int | None = None,
        retry_with_get: bool = False,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.status = status
        self.retry_with_get = retry_with_get


@dataclasses.dataclass
class _Hop:
    status: int
    url: httpx.URL
    headers: httpx.Headers
    body: bytes = b""
    truncated: bool = False
    decode_error: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _classify_exception(exc: BaseException) -> _Stop:
    chain = _exception_chain(exc)
    for item in chain:
        if isinstance(item, UnsafeAddressError):
            return _Stop(Outcome.UNSAFE, str(item))
        if isinstance(item, _DNSError):
            return _Stop(Outcome.DNS_ERROR, str(item))
        if isinstance(item, socket.gaierror):
            return _Stop(Outcome.DNS_ERROR, _describe(item))
    for item in chain:
        if isinstance(item, ssl.SSLError | ssl.CertificateError):
            return _Stop(Outcome.TLS_ERROR, _describe(item))
    if isinstance(exc, httpx.TimeoutException):
        return _Stop(Outcome.TIMEOUT, _describe(exc))
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return _Stop(Outcome.INVALID_URL, _describe(exc))
    if isinstance(exc, httpx.ConnectError):
        return _Stop(Outcome.CONNECTION_ERROR, _describe(exc))
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return _Stop(Outcome.CONNECTION_ERROR, _describe(exc), retry_with_get=True)
    return _Stop(Outcome.CONNECTION_ERROR, _describe(exc))


class _Session:
    """One check or fetch: a client, a deadline, a cookie jar and an optional gate."""

    def __init__(
        self,
        client: GuardedAsyncClient,
        config: FetchConfig,
        gate: _HostGate | None,
    ) -> None:
        self.client = client
        self.config = config
        self.gate = gate
        self.cookies = httpx.Cookies()
        self.waited = 0.0
        self.deadline: asyncio.Timeout | None = None
        self.current_url: httpx.URL | None = None
        self.chain: list[tuple[int, str]] = []

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        want_body: Callable[[_Hop], bool],
        max_decoded: int,
        max_raw: int,
    ) -> _Hop:
        request = self.client.build_request(method, url)
        self.cookies.set_cookie_header(request)
        gate_cm: contextlib.AbstractAsyncContextManager[tuple[float, Callable[[], None]]]
        gate_cm = self.gate.slot(url.host) if self.gate else _no_gate()
        # The deadline is paused while queueing for politeness and moved by the wait.
        deadline = self.deadline if self.gate else None
        paused = None
        if deadline is not None and not deadline.expired():
            paused = deadline.when()
            deadline.reschedule(None)
        async with gate_cm as (waited, mark_sent):
            self.waited += waited
            if deadline is not None and paused is not None and not deadline.expired():
                deadline.reschedule(paused + waited)

            async def trace(event: str, info: dict[str, Any]) -> None:
                if event.endswith(("send_request_headers.complete", "send_request_headers.failed")):
                    mark_sent()

            request.extensions["trace"] = trace
            response = await self.client.send(request, stream=True)
            mark_sent()
            try:
                self.cookies.extract_cookies(response)
                hop = _Hop(response.status_code, url, response.headers)
                if method != "HEAD" and want_body(hop):
                    try:
                        hop.body, hop.truncated = await _read_capped(response, max_decoded, max_raw)
                    except _BodyDecodeError as exc:
                        hop.decode_error = str(exc)
                return hop
            finally:
                await response.aclose()

    async def follow(
        self,
        method: str,
        start: httpx.URL,
        *,
        want_body: Callable[[_Hop], bool],
        max_decoded: int,
        max_raw: int,
        redirects: list[tuple[int, str]],
    ) -> _Hop:
        """Request ``start``, following redirects hop by hop (each vetted)."""
        url = start
        self.chain = redirects
        while True:
            self.current_url = url
            reason = url_guard_reason(url, self.config.allow_hosts)
            if reason:
                raise _Stop(Outcome.UNSAFE, f"refused {url}: {reason}")
            try:
                hop = await self._send(method, url, want_body, max_decoded, max_raw)
            except httpx.HTTPError as exc:
                raise _classify_exception(exc) from None
            location = hop.headers.get("location")
            if not (300 <= hop.status < 400 and hop.status != 304 and location):
                return hop
            try:
                target = url.join(location.strip()).copy_with(fragment=None)
            except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
                raise _Stop(
                    Outcome.INVALID_URL, f"bad redirect location {location!r}: {exc}"
                ) from None
            redirects.append((hop.status, str(target)))
            if target.scheme not in _ALLOWED_SCHEMES:
                raise _Stop(Outcome.UNSAFE, f"redirect to non-http(s) URL {target}")
            if len(redirects) > self.config.max_redirects:
                raise _Stop(
                    Outcome.TOO_MANY_REDIRECTS,
                    f"more than {self.config.max_redirects} redirects",
                    status=hop.status,
                )
            url = target


@contextlib.asynccontextmanager
async def _no_gate() -> AsyncIterator[tuple[float, Callable[[], None]]]:
    yield 0.0, lambda: None


def _status_outcome(hop: _Hop) -> tuple[Outcome, str]:
    status = hop.status
    if 200 <= status < 300:
        return Outcome.OK, ""
    if status == 404:
        return Outcome.NOT_FOUND, "HTTP 404"
    if status == 410:
        return Outcome.GONE, "HTTP 410"
    if status == 429:
        return Outcome.RATE_LIMITED, "HTTP 429"
    if status in (401, 403, 451):
        return Outcome.BLOCKED, f"HTTP {status}"
    if 400 <= status < 500:
        return Outcome.CLIENT_ERROR, f"HTTP {status}"
    if 300 <= status < 400:
        return Outcome.SERVER_ERROR, f"HTTP {status} without a usable Location"
    return Outcome.SERVER_ERROR, f"HTTP {status}"


def _retry_after(hop: _Hop) -> float | None:
    if hop.status in (429, 503):
        return parse_retry_after(hop.headers.get("retry-after"))
    return None


def _wants_check_body(hop: _Hop) -> bool:
    # Bodies are only needed to look for soft 404s and bot walls.
    return hop.is_html and (200 <= hop.status < 300 or hop.status in (403, 429, 503))


async def _run_check(session: _Session, start: httpx.URL) -> tuple[Outcome, _Hop, list, str]:
    cap = session.config.max_bytes
    head_redirects: list[tuple[int, str]] = []
    note = ""
    try:
        head = await session.follow(
            "HEAD",
            start,
            want_body=lambda hop: False,
            max_decoded=cap,
            max_raw=cap,
            redirects=head_redirects,
        )
    except _Stop as stop:
        if not stop.retry_with_get:
            raise
        note = f"HEAD failed ({stop.message}); used GET"
    else:
        wall = detect_bot_wall(head.headers)
        if wall and head.status in (403, 429, 503):
            return Outcome.BLOCKED, head, head_redirects, wall
        if 200 <= head.status < 300 and head.content_type and not head.is_html:
            return Outcome.OK, head, head_redirects, ""
        if head.status == 429:
            return Outcome.RATE_LIMITED, head, head_redirects, "HTTP 429"
        if not 200 <= head.status < 300:
            note = f"HEAD returned {head.status}; used GET"

    get_redirects: list[tuple[int, str]] = []
    hop = await session.follow(
        "GET",
        start,
        want_body=_wants_check_body,
        max_decoded=cap,
        max_raw=cap,
        redirects=get_redirects,
    )
    outcome, error = _status_outcome(hop)
    if hop.status in (403, 429, 503) or 200 <= hop.status < 300:
        wall = detect_bot_wall(hop.headers, hop.body if hop.is_html else b"")
        if wall and hop.status != 429:
            return Outcome.BLOCKED, hop, get_redirects, wall
    if outcome is Outcome.OK and hop.is_html:
        reason = detect_soft_404(
            hop.body, charset=hop.charset, url=str(start), final_url=str(hop.url)
        )
        if reason:
            return Outcome.SOFT_404, hop, get_redirects, reason
    if outcome is not Outcome.OK:
        error = "; ".join(filter(None, [error, note]))
    return outcome, hop, get_redirects, error


async def _check_with_session(
    url: str, client: GuardedAsyncClient, config: FetchConfig, gate: _HostGate | None
) -> CheckResult:
    loop = asyncio.get_running_loop()
    begin = loop.time()
    original = url.strip() if isinstance(url, str) else str(url)
    session = _Session(client, config, gate)

    def result(outcome: Outcome, **fields: Any) -> CheckResult:
        elapsed = max(0.0, loop.time() - begin - session.waited)
        return CheckResult(url=original, outcome=outcome, elapsed_ms=int(elapsed * 1000), **fields)

    try:
        start = _prepare_url(original)
    except InvalidURL as exc:
        outcome, message = _refusal_for_unparseable(original, exc)
        return result(outcome, error=message)
    reason = url_guard_reason(start, config.allow_hosts)
    if reason:
        return result(Outcome.UNSAFE, final_url=str(start), error=f"refused: {reason}")
    try:
        async with asyncio.timeout(config.total_timeout) as deadline:
            session.deadline = deadline
            outcome, hop, redirects, error = await _run_check(session, start)
    except TimeoutError:
        return result(
            Outcome.TIMEOUT,
            final_url=str(session.current_url or start),
            redirects=list(session.chain),
            error=f"check exceeded the {config.total_timeout:g}s deadline",
        )
    except _Stop as stop:
        return result(
            stop.outcome,
            status=stop.status,
            final_url=str(session.current_url or start),
            redirects=list(session.chain),
            error=stop.message,
        )
    except Exception as exc:
        # One odd response must not take down a batch of thousands of checks.
        logger.exception("unexpected error while checking %s", original)
        return result(
            Outcome.CONNECTION_ERROR,
            final_url=str(session.current_url or start),
            redirects=list(session.chain),
            error=f"unexpected error: {_describe(exc)}",
        )
    return result(
        outcome,
        status=hop.status,
        final_url=str(hop.url),
        redirects=redirects,
        error=error,
        retry_after=_retry_after(hop),
    )


def _require_guarded(client: httpx.AsyncClient) -> GuardedAsyncClient:
    if not isinstance(client, GuardedAsyncClient):
        raise TypeError("use a client made by sources.fetching.build_async_client()")
    return client


async def acheck_url(
    url: str,
    *,
    client: GuardedAsyncClient | None = None,
    config: FetchConfig | None = None,
) -> CheckResult:
    """Check one link (HEAD first, GET when needed; see the module docstring).

    Never raises for network or HTTP problems: they are reported in the result.  A
    given ``client`` must come from :func:`build_async_client`; its allow-list governs
    connections, ``config`` (default: the client's) governs everything else.
    """
    if client is not None:
        client = _require_guarded(client)
        config = config or client.fetch_config
        return await _check_with_session(url, client, config, None)
    config = config or FetchConfig.from_settings()
    async with build_async_client(config, max_connections=10) as own:
        return await _check_with_session(url, own, config, None)


async def acheck_many(
    urls: Iterable[str],
    *,
    config: FetchConfig | None = None,
    per_host_concurrency: int = 2,
    per_host_interval: float = 1.0,
    concurrency: int = 50,
    client: GuardedAsyncClient | None = None,
) -> list[CheckResult]:
    """Check many links concurrently, politely; results are in input order.

    At most ``per_host_concurrency`` requests are in flight per host and request
    starts to the same host are at least ``per_host_interval`` seconds apart (this
    covers every request: HEAD, GET and redirect hops).  At most ``concurrency``
    requests are in flight overall.  Hosts are keyed by lower-cased hostname.
    """
    url_list = list(urls)
    gate = _HostGate(per_host_concurrency, per_host_interval, concurrency)
    if client is not None:
        client = _require_guarded(client)
        config = config or client.fetch_config
        return list(
            await asyncio.gather(*(_check_with_session(u, client, config, gate) for u in url_list))
        )
    config = config or FetchConfig.from_settings()
    async with build_async_client(config, max_connections=concurrency + 10) as own:
        return list(
            await asyncio.gather(*(_check_with_session(u, own, config, gate) for u in url_list))
        )


def _run_sync[T](factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from sync code, also when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_as_coroutine(factory))
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(_as_coroutine(factory))
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="factcheck-fetch", daemon=True)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _as_coroutine[T](factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()


def check_url(url: str, *, config: FetchConfig | None = None) -> CheckResult:
    """Synchronous :func:`acheck_url`."""
    return _run_sync(lambda: acheck_url(url, config=config))


# ------------------------------------------------------------------ document fetch


async def afetch_document(
    url: str,
    *,
    max_bytes: int = DEFAULT_DOCUMENT_MAX_BYTES,
    config: FetchConfig | None = None,
    detect_soft_404_pages: bool = True,
) -> FetchedDocument:
    """GET a document for ingestion (same guard, redirects and deadline as checks).

    Raises :class:`FetchError` for anything but a 2xx answer with a body of at most
    ``max_bytes`` (decoded) bytes; an HTML challenge page raises ``blocked`` and, unless
    disabled, a soft-404 page raises ``soft_404``.
    """
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")
    config = config or FetchConfig.from_settings()
    original = url.strip() if isinstance(url, str) else str(url)
    try:
        start = _prepare_url(original)
    except InvalidURL as exc:
        outcome, message = _refusal_for_unparseable(original, exc)
        raise FetchError(outcome, message, url=original) from None
    reason = url_guard_reason(start, config.allow_hosts)
    if reason:
        raise FetchError(Outcome.UNSAFE, f"refused: {reason}", url=original)
    redirects: list[tuple[int, str]] = []
    async with build_async_client(config, max_connections=4) as client:
        session = _Session(client, config, None)
        try:
            async with asyncio.timeout(config.total_timeout):
                hop = await session.follow(
                    "GET",
                    start,
                    want_body=lambda h: (
                        200 <= h.status < 300 or (h.is_html and h.status in (403, 503))
                    ),
                    max_decoded=max_bytes,
                    max_raw=max_bytes + 65536,
                    redirects=redirects,
                )
        except TimeoutError:
            raise FetchError(
                Outcome.TIMEOUT,
                f"fetch exceeded the {config.total_timeout:g}s deadline",
                url=original,
            ) from None
        except _Stop as stop:
            raise FetchError(stop.outcome, stop.message, url=original, status=stop.status) from None
    outcome, error = _status_outcome(hop)
    wall = detect_bot_wall(hop.headers, hop.body if hop.is_html else b"")
    if wall and hop.status != 429:
        raise FetchError(Outcome.BLOCKED, wall, url=original, status=hop.status)
    if outcome is not Outcome.OK:
        raise FetchError(
            outcome, error, url=original, status=hop.status, retry_after=_retry_after(hop)
        )
    if hop.decode_error:
        raise FetchError(Outcome.SERVER_ERROR, hop.decode_error, url=original, status=hop.status)
    if hop.truncated:
        raise FetchError(
            Outcome.TOO_LARGE,
            f"body is larger than {max_bytes} bytes",
            url=original,
            status=hop.status,
        )
    if detect_soft_404_pages and hop.is_html:
        reason = detect_soft_404(
            hop.body, charset=hop.charset, url=str(start), final_url=str(hop.url)
        )
        if reason:
            raise FetchError(Outcome.SOFT_404, reason, url=original, status=hop.status)
    return FetchedDocument(
        url=original,
        final_url=str(hop.url),
        status=hop.status,
        content_type=hop.content_type,
        charset=hop.charset,
        body=hop.body,
        redirects=redirects,
    )


def fetch_document(
    url: str,
    *,
    max_bytes: int = DEFAULT_DOCUMENT_MAX_BYTES,
    config: FetchConfig | None = None,
    detect_soft_404_pages: bool = True,
) -> FetchedDocument:
    """Synchronous :func:`afetch_document`."""
    return _run_sync(
        lambda: afetch_document(
            url,
            max_bytes=max_bytes,
            config=config,
            detect_soft_404_pages=detect_soft_404_pages,
        )
    )
