"""``Link`` rows made for a URL: one per normalised URL, attached to the source owning its
domain, whoever asks first (an ingested article's cited links, a reviewer's evidence).

Two requests creating the same URL at once make one row: the insert runs in a savepoint and,
if the unique URL is taken meanwhile, the row the other request made is read back. What a
caller does with a new link (its first check, enqueued on commit) stays with the caller.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sources.models import Link

__all__ = ["link_get_or_create"]


def link_get_or_create(*, url: str) -> tuple[Link, bool]:
    """The ``Link`` for ``url`` (normalised) and whether this call created it.

    A new link is attached to the source owning its host (sources registry), or to none while
    the domain is unregistered. Raises ``ValidationError`` on the ``url`` field for an
    address that cannot be a link (not http(s), no host, too long, refused by the URL field).
    """
    from sources.fetching import InvalidURL, normalize_url
    from sources.registry import source_for_host

    url = (url or "").strip()
    try:
        normalized = normalize_url(url)
    except InvalidURL:
        raise ValidationError(
            {
                "url": _("“%(url)s” is not a web address: use a full http:// or https:// URL.")
                % {"url": url[:200]}
            }
        ) from None
    if len(normalized) > Link._meta.get_field("url").max_length:
        raise ValidationError({"url": _("This web address is too long.")})
    link = Link.objects.filter(url=normalized).first()
    if link is not None:
        return link, False
    host = (urlsplit(normalized).hostname or "")[:255]
    link = Link(url=normalized, host=host, source=source_for_host(host))
    try:
        # The unique URL is the database's to enforce (below): a uniqueness query here would
        # only move the race, turning a link added meanwhile into an error.
        link.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise ValidationError({"url": " ".join(exc.messages)}) from None
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        # Added meanwhile by someone else: theirs is the row (the savepoint kept the
        # caller's transaction usable).
        existing = Link.objects.filter(url=normalized).first()
        if existing is None:  # not the unique URL after all
            raise
        return existing, False
    return link, True
