"""Extension points of the claims app that an app above it fills in.

The reviewer pages link to the public page of an article or claim, but the public site is
the ``reader`` app, above this one: it registers how to make those addresses from its
``AppConfig.ready()`` with :func:`set_public_url`. Without it (the reader app not
installed) there is no public page and no link.
"""

from __future__ import annotations

from collections.abc import Callable

_public_url: Callable[[object], str | None] | None = None


def set_public_url(func: Callable[[object], str | None]) -> None:
    """``func(article_or_claim)`` returns its public address, or None."""
    global _public_url
    _public_url = func


def public_url(obj) -> str | None:
    """The public address of an article or a published claim, when the site has one."""
    return _public_url(obj) if _public_url is not None else None
