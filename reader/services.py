"""How the reader site keeps its pages true: it listens to the apps below it.

- ``claims.signals.published_changed`` (a verdict published or corrected, an article's topics
  or publisher changed): the claims' and articles' pages and the lists are refreshed once the
  transaction commits, then rendered ahead of readers by a job.
- ``sources.signals.links_changed`` (a link's health as shown changed): the pages of the
  published claims whose evidence uses one of those links.
- ``factcheck.lib.published.site_content_changed`` (rating levels, publishers, topics, names):
  every page.

Receivers are connected in ``ReaderConfig.ready()``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from claims.models import Claim, Evidence
from factcheck.lib.jobs import send_quietly_on_commit
from reader import cache

logger = logging.getLogger(__name__)


def _prerender_on_commit(claim_pks, article_pks) -> None:
    """Once the transaction commits, ask a worker to render the new pages ahead of readers.
    Without a broker the pages are rendered by the first reader instead: nothing is lost, so
    nothing is raised."""
    from reader.tasks import reader_pages_prerender

    if not getattr(settings, "FACTCHECK_READER_PRERENDER", True):
        return
    send_quietly_on_commit(
        reader_pages_prerender,
        [sorted(set(claim_pks)), sorted(set(article_pks))],
        logger=logger,
        what="the prerendering of reader pages",
        max_retries=1,
    )


def pages_changed(*, claim_ids=(), article_ids=()) -> None:
    """Once the transaction commits, readers get fresh pages of these claims and articles
    and of the lists (home, corrections, feeds, sitemap)."""
    scopes = [cache.LISTS]
    scopes += [cache.claim_scope(pk) for pk in claim_ids]
    scopes += [cache.article_scope(pk) for pk in article_ids]
    transaction.on_commit(lambda: cache.bump(*scopes))
    # After the stamps are new (callbacks run in order), render the new pages ahead of readers.
    _prerender_on_commit(claim_ids, article_ids)


def pages_changed_for_links(*, link_ids) -> None:
    """Once the transaction commits, readers get fresh pages of the published claims whose
    evidence uses one of these links (their health or archived copy changed)."""
    claim_pks = sorted(
        set(
            Evidence.objects.filter(
                link_id__in=list(link_ids), claim__status=Claim.Status.PUBLISHED
            ).values_list("claim_id", flat=True)
        )
    )
    if not claim_pks:
        return
    scopes = {cache.claim_scope(pk) for pk in claim_pks}
    transaction.on_commit(lambda: cache.bump(*scopes))
    _prerender_on_commit(claim_pks, [])


def site_changed() -> None:
    """Once the transaction commits, every reader page renders afresh."""
    transaction.on_commit(lambda: cache.bump(cache.SITE))


# ------------------------------------------------------------------ signal receivers


def on_published_changed(sender, *, claim_ids, article_ids, **kwargs) -> None:
    pages_changed(claim_ids=claim_ids, article_ids=article_ids)


def on_links_changed(sender, *, links, **kwargs) -> None:
    pages_changed_for_links(link_ids=[link.pk for link in links])


def on_site_content_changed(sender, **kwargs) -> None:
    site_changed()
