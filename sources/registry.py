"""Which publisher (``Source``) a URL belongs to.

One function on purpose: a proper domain registry (several domains per source, aliases,
reliability history) will replace its internals without changing its callers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from sources.models import Source

UNRATED_NOTE = "Added automatically from an evidence link; not rated yet."


def registrable_domain(url: str) -> str:
    """``https://www.bbc.co.uk/news`` -> ``bbc.co.uk``; an IP address or a single-label
    host (``localhost``) is returned as it is."""
    from tld import get_fld

    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        raise ValueError(f"{url!r} has no host")
    return get_fld(host, fix_protocol=True, fail_silently=True) or host


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def source_for_url(url: str) -> Source:
    """The ``Source`` whose home URL is on the URL's registrable domain; a new, unrated one
    named after the domain when the registry has none."""
    domain = registrable_domain(url)
    for source in Source.objects.filter(home_url__icontains=domain).order_by("id"):
        host = _host(source.home_url)
        if host == domain or host.endswith(f".{domain}"):
            return source
    existing = Source.objects.filter(name=domain).first()
    if existing is not None:
        return existing
    source = Source(name=domain, home_url=f"https://{domain}/", notes=UNRATED_NOTE)
    source.full_clean()
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:  # created meanwhile by a concurrent request
        return Source.objects.get(name=domain)
    return source
