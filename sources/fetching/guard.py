"""The SSRF guard's rules: which addresses are forbidden, how a host is read as an
address, and whether a URL (or hop) may be requested.  Pure: nothing here resolves nor
connects; resolved addresses are judged at connection time by
:class:`~sources.fetching.transport.GuardedNetworkBackend` with these same rules."""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
import urllib.parse

import httpx

from sources.fetching.results import Outcome
from sources.fetching.urls import _ALLOWED_SCHEMES, InvalidURL, _effective_port


def is_allowed_host(host: str, port: int, allow_hosts: frozenset[tuple[str, int]]) -> bool:
    """Whether ``host:port`` (as written in the URL) is on the exact allow-list."""
    return (host.lower().strip("[]").rstrip("."), int(port)) in allow_hosts


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


# The longest web address stored or requested (the ``URLField``s' ``max_length``).
MAX_URL_LENGTH = 2000


def web_address(url: str, *, fetch: bool = False, allow_hosts=None) -> str:
    """The normalised form of a web address a person typed, or :class:`InvalidURL` whose
    message is meant for them.  Pure: never resolves nor connects.

    Every form that takes a URL checks it here, so that nothing a model's ``URLField``
    would refuse (and no trick a fetch would be refused for) gets past the form: longer
    than :data:`MAX_URL_LENGTH`, not ``http``/``https``, a user name or password before
    the host (``https://bank.example@10.0.0.1/``), an IP address written any other way
    than four decimal numbers or a bracketed IPv6 literal (``2130706433``,
    ``0x7f.0.0.1``, ``0177.0.0.1``, ``127.1``), or what Django's URL validator refuses.
    With ``fetch``, an address on a private, local or reserved network is refused too (as
    the fetcher would, honouring the ``allow_hosts`` pairs); a host *name* is only judged
    when it is resolved, at connection time.
    """
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator
    from django.utils.translation import gettext

    from sources.fetching.urls import normalize_url

    text = (url or "").strip() if isinstance(url, str) else ""
    shown = text if len(text) <= 80 else f"{text[:80]}…"
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL(
            gettext("The web address is %(length)s characters long; the limit is %(limit)s.")
            % {"length": len(text), "limit": MAX_URL_LENGTH}
        )
    not_web = gettext("“%(url)s” is not a web address: use a full http:// or https:// URL.") % {
        "url": shown
    }
    try:
        normalized = normalize_url(text)
        parts = urllib.parse.urlsplit(normalized)
        host = parts.hostname or ""
    except (InvalidURL, ValueError):
        raise InvalidURL(not_web) from None
    if "@" in parts.netloc:
        raise InvalidURL(
            gettext(
                "“%(url)s” has a user name or password before its host: give the address "
                "without them."
            )
            % {"url": shown}
        )
    address = parse_host_address(host)
    if address is not None:
        written = host.strip("[]").split("%", 1)[0]
        canonical = str(address)
        if written.lower() != canonical and not (
            isinstance(address, ipaddress.IPv6Address) and _same_ipv6(written, address)
        ):
            raise InvalidURL(
                gettext(
                    "“%(url)s” writes its IP address in an unusual way: write an IPv4 address "
                    "as four decimal numbers (%(canonical)s), or use the site's name."
                )
                % {"url": shown, "canonical": canonical}
            )
    elif re.fullmatch(r"[0-9.]+", host):
        raise InvalidURL(gettext("“%(url)s” has an invalid IP address.") % {"url": shown})
    if len(normalized) > MAX_URL_LENGTH:
        raise InvalidURL(
            gettext(
                "The web address is %(length)s characters long once encoded; the limit is "
                "%(limit)s."
            )
            % {"length": len(normalized), "limit": MAX_URL_LENGTH}
        )
    try:
        URLValidator(schemes=sorted(_ALLOWED_SCHEMES))(normalized)
    except ValidationError:
        raise InvalidURL(not_web) from None
    if fetch:
        allowed = allow_hosts if allow_hosts is not None else _configured_allow_hosts()
        reason = url_guard_reason(normalized, allowed)
        if reason:
            raise InvalidURL(
                gettext(
                    "“%(url)s” is refused (%(reason)s): addresses on private or local networks "
                    "are never fetched."
                )
                % {"url": shown, "reason": reason}
            )
    return normalized


def _same_ipv6(written: str, address: _IPAddress) -> bool:
    try:
        return ipaddress.IPv6Address(written) == address
    except ValueError:
        return False


def _configured_allow_hosts() -> frozenset[tuple[str, int]]:
    from sources.fetching.config import FetchConfig

    return FetchConfig.from_settings().allow_hosts
