"""The domain registry: which publisher (``Source``) a URL or host belongs to.

A source owns domains (``SourceDomain``). A host belongs to the source of the **longest
registered domain it ends with**, never looking above its registrable domain (the public
suffix list, bundled with the ``tld`` package, says where that is): ``news.bbc.co.uk`` is the
source of ``news.bbc.co.uk`` if that is registered, else of ``bbc.co.uk``; ``co.uk`` itself can
never be registered. Hosts whose top-level domain the list does not know (``intranet.corp``)
try every parent with two labels or more; an IP address matches only itself.

Domains are stored normalised by :func:`normalize_domain`: lower case, IDNA (``xn--``) form as
``yarl`` writes a link's host (so a registered domain and ``Link.host`` compare as strings),
no trailing dot, and no leading ``www.`` label unless that label is part of the registrable
domain (``www.gov.uk`` is a domain of its own under the public suffix ``gov.uk``).

Reads only: attaching links and evidence when the registry changes is
``sources.services.registry``'s job.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sources.models import Source, SourceDomain

# A label as hosts of real links have them (LDH, plus the underscore some sites use).
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_MAX_DOMAIN = 253
_LOOKUP_CHUNK = 2000


def _fld(host: str) -> str | None:
    """The registrable domain of a (normalised) host by the public suffix list (private
    suffixes included: ``foo.blogspot.com`` is one of its own); ``None`` when the list does
    not know the suffix, or the host is a suffix itself."""
    from tld import get_fld

    return get_fld(host, fix_protocol=True, fail_silently=True)


def _is_public_suffix(host: str) -> bool:
    from tld import is_tld

    return bool(is_tld(host))


_NOT_AN_IP = re.compile(r"[^0-9a-fA-F.:\[\]]")


def _ip(host: str) -> str | None:
    """The canonical text of an IP address host (``[::1]`` -> ``::1``), else ``None``."""
    if "%" not in host and _NOT_AN_IP.search(host):
        # A letter past "f" or another sign, and no IPv6 zone ("%eth0"): a name, as most
        # hosts are (no exception raised and caught for each).
        return None
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def _idna(host: str) -> str:
    """IDNA (``xn--``) form of a host, as ``yarl`` writes link hosts; unchanged if ASCII."""
    if host.isascii():
        return host
    from yarl import URL

    try:
        return URL.build(scheme="http", host=host).raw_host or host
    except (ValueError, TypeError, UnicodeError):
        return host


def clean_host(host: str) -> str:
    """A ``Link.host``-like host for comparisons: IDNA form, lower case, no trailing dot,
    IPv6 without brackets."""
    host = _idna((host or "").strip().rstrip(".")).lower()
    return _ip(host) or host


def registrable_domain(url: str) -> str:
    """``https://www.bbc.co.uk/news`` -> ``bbc.co.uk``; an IP address or a single-label
    host (``localhost``) is returned as it is."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        raise ValueError(f"{url!r} has no host")
    return _fld(host) or host


def _strip_www(host: str) -> str:
    """``www.bbc.co.uk`` -> ``bbc.co.uk``, but ``www.gov.uk`` stays (``gov.uk`` is a public
    suffix, so ``www`` is part of the registrable domain there)."""
    if host.startswith("www.") and _fld(host) != host:
        rest = host[4:]
        if rest and not _is_public_suffix(rest):
            return rest
    return host


def normalize_domain(value: str) -> str:
    """The stored form of a domain given by a person: a bare domain (``BBC.co.uk``,
    ``www.bbc.co.uk``, ``пример.рф``) or a URL (``https://www.bbc.co.uk/news``).

    Raises ``ValidationError`` for an empty or malformed name, a public suffix (``co.uk``)
    or a name too long for DNS."""
    text = (value or "").strip()
    shown = text[:80]
    if not text:
        raise ValidationError(_("Give a domain, such as example.org."), code="domain")
    if "://" in text:
        host = urlsplit(text).hostname or ""
        if not host:
            raise ValidationError(
                _("“%(domain)s” has no domain in it.") % {"domain": shown}, code="domain"
            )
        text = host
    else:
        text = re.sub(r":\d+$", "", text.split("/", 1)[0])
    ip = _ip(text.strip("[]"))
    if ip is not None:
        return ip
    from yarl import URL

    try:
        host = URL.build(scheme="http", host=text.rstrip(".")).raw_host or ""
    except (ValueError, TypeError, UnicodeError):
        raise ValidationError(
            _("“%(domain)s” is not a domain name.") % {"domain": shown}, code="domain"
        ) from None
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if not host or len(host) > _MAX_DOMAIN or not all(_LABEL.match(lbl) for lbl in labels):
        raise ValidationError(
            _("“%(domain)s” is not a domain name.") % {"domain": shown}, code="domain"
        )
    if _is_public_suffix(host):
        raise ValidationError(
            _(
                "“%(domain)s” is a public suffix (like co.uk), shared by many owners: register "
                "the organisation's own domain under it."
            )
            % {"domain": host},
            code="public_suffix",
        )
    return _strip_www(host)


def display_domain(domain: str) -> str:
    """A stored domain as people read it: ``xn--e1afmkfd.xn--p1ai`` -> ``пример.рф``."""
    from yarl import URL

    try:
        return URL.build(scheme="http", host=domain).host or domain
    except (ValueError, TypeError, UnicodeError):
        return domain


def domain_candidates(host: str) -> list[str]:
    """The registered domains that could own ``host``, longest first: the host and its
    parents down to its registrable domain."""
    host = clean_host(host)
    if not host or _ip(host) is not None:
        return [host] if host else []
    labels = host.split(".")
    floor = _fld(host)
    # Unknown suffix: any parent with two labels or more (a single label alone if that is
    # all there is).
    lowest = len(floor.split(".")) if floor else min(2, len(labels))
    return [".".join(labels[i:]) for i in range(len(labels) - lowest + 1)]


def unregistered_key(host: str) -> str:
    """The domain an unregistered host is listed under (and registered as, in one step):
    its registrable domain (``news.example.org`` -> ``example.org``)."""
    candidates = domain_candidates(host)
    return candidates[-1] if candidates else clean_host(host)


def resolve_hosts(hosts: Iterable[str]) -> dict[str, int | None]:
    """``{host: source id or None}`` for many hosts in one query (per 2,000 candidates)."""
    hosts = set(hosts)
    candidates = {host: domain_candidates(host) for host in hosts}
    wanted = sorted({c for cands in candidates.values() for c in cands})
    owners: dict[str, int] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        owners.update(
            SourceDomain.objects.filter(domain__in=chunk).values_list("domain", "source_id")
        )
    return {
        host: next((owners[c] for c in cands if c in owners), None)
        for host, cands in candidates.items()
    }


def source_for_host(host: str) -> Source | None:
    """The source owning ``host`` (longest registered domain wins), or ``None``. One query."""
    candidates = domain_candidates(host)
    if not candidates:
        return None
    rows = {
        row.domain: row.source
        for row in SourceDomain.objects.filter(domain__in=candidates).select_related("source")
    }
    return next((rows[c] for c in candidates if c in rows), None)


def source_for_url(url: str) -> Source | None:
    """The source owning the URL's host, or ``None`` when its domain is not registered (it
    is then listed among the unregistered domains)."""
    host = urlsplit(url).hostname or ""
    return source_for_host(host) if host else None
