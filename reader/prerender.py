"""Rendering published pages into the reader cache ahead of readers (``reader.cache``).

A page is rendered the way a reader's first request would render it: the public view is
called with an anonymous GET request for the site's public address
(``FACTCHECK_SITE_URL``), and the view's cache wrapper stores the result under the key that
readers' requests for that address look up. The publish and correct services enqueue
``reader.pages_prerender`` for the claim and its article once the transaction has
committed (and the stamps are new); ``manage.py warm_reader_cache`` renders every published
page, for use after a deploy or a cache flush.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from reader import selectors as public

logger = logging.getLogger(__name__)


@dataclass
class Rendered:
    pages: int = 0
    failed: int = 0


def _request(path: str) -> HttpRequest:
    site = urlsplit(settings.FACTCHECK_SITE_URL)
    request = RequestFactory().get(
        path, HTTP_HOST=site.netloc or "localhost", secure=site.scheme == "https"
    )
    request.user = AnonymousUser()
    return request


def _render(view, path: str, **kwargs) -> bool:
    """Render ``path`` through ``view`` (which stores it in the reader cache)."""
    try:
        response = view(_request(path), **kwargs)
    except Http404:
        return False
    except DisallowedHost:
        logger.warning("FACTCHECK_SITE_URL's host is not in ALLOWED_HOSTS: nothing prerendered")
        raise
    return response.status_code == 200


def published_paths(
    *, claim_ids: Iterable[int] | None = None, article_ids: Iterable[int] | None = None
) -> Iterator[tuple[str, str, str]]:
    """``(kind, path, key)`` of the published claims and of the articles named (every
    published one when both are ``None``), claims first."""
    claims = public.published_claims(user=None).only("id", "text")
    articles = public.public_articles(user=None)
    if claim_ids is not None or article_ids is not None:
        claims = claims.filter(pk__in=list(claim_ids or ()))
        articles = articles.filter(pk__in=list(article_ids or ()))
    for claim in claims.order_by("pk").iterator(chunk_size=2000):
        yield "claim", public.claim_path(claim), public.claim_key(claim)
    for article in articles.only("id", "slug").order_by("pk").iterator(chunk_size=2000):
        yield "article", public.article_path(article), article.slug


def reader_pages_prerender(
    *,
    claim_ids: Iterable[int] | None = None,
    article_ids: Iterable[int] | None = None,
    lists: bool = True,
    shard: tuple[int, int] = (0, 1),
) -> Rendered:
    """Render the named published claims' and articles' pages (all of them when neither is
    given) and, with ``lists``, the home page, into the reader cache. ``shard=(i, n)``
    renders every n-th page only, starting at the i-th, so that n processes share the work."""
    from reader import views

    index, count = shard
    done = Rendered()
    paths = list(published_paths(claim_ids=claim_ids, article_ids=article_ids))
    if lists:
        paths.append(("home", "/", ""))
    for position, (kind, path, key) in enumerate(paths):
        if position % count != index:
            continue
        if kind == "claim":
            ok = _render(views.claim_page, path, key=key)
        elif kind == "article":
            ok = _render(views.article_detail, path, key=key)
        else:
            ok = _render(views.home, path)
        done.pages += ok
        done.failed += not ok
    return done
