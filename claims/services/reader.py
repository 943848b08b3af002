"""What the reader site needs from the desk: topics and publisher of an article, and telling
the reader page cache that published pages changed (``claims.cache``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from audit.services import audit_record
from claims import cache
from claims.models import Article, Claim, Topic
from claims.services.common import REVIEW_PERMISSION, require
from factcheck.lib.jobs import send_quietly_on_commit

__all__ = [
    "article_reader_details_update",
    "reader_pages_changed",
    "reader_pages_changed_for_links",
    "reader_site_changed",
    "topic_get_or_create",
]

logger = logging.getLogger(__name__)


def _prerender_on_commit(claim_pks, article_pks) -> None:
    """Once the transaction commits, ask a worker to render the new pages ahead of readers.
    Without a broker the pages are rendered by the first reader instead: nothing is lost, so
    nothing is raised."""
    from claims.tasks import reader_pages_prerender

    if not getattr(settings, "FACTCHECK_READER_PRERENDER", True):
        return
    send_quietly_on_commit(
        reader_pages_prerender,
        [sorted(set(claim_pks)), sorted(set(article_pks))],
        logger=logger,
        what="the prerendering of reader pages",
        max_retries=1,
    )


def reader_pages_changed(*, claim: Claim | None = None, article: Article | None = None) -> None:
    """Once the transaction commits, readers get fresh pages: the claim's, its article's
    and the lists (home, corrections, feeds, sitemap). Called by every service that changes
    what readers see (publishing, correcting, an article's topics)."""
    scopes = [cache.LISTS]
    claim_pks, article_pks = [], []
    if claim is not None:
        scopes += [cache.claim_scope(claim.pk), cache.article_scope(claim.article_id)]
        claim_pks.append(claim.pk)
        article_pks.append(claim.article_id)
    if article is not None:
        scopes.append(cache.article_scope(article.pk))
        article_pks.append(article.pk)
        # The article's claim pages name its title and topics.
        published = list(
            Claim.objects.filter(article=article, status=Claim.Status.PUBLISHED).values_list(
                "pk", flat=True
            )
        )
        scopes += [cache.claim_scope(pk) for pk in published]
        claim_pks += published
    transaction.on_commit(lambda: cache.bump(*scopes))
    # After the stamps are new (callbacks run in order), render the new pages ahead of readers.
    _prerender_on_commit(claim_pks, article_pks)


def reader_pages_changed_for_links(*, link_ids) -> None:
    """Once the transaction commits, readers get fresh pages of the published claims whose
    evidence uses one of these links (their health or archived copy changed)."""
    from claims.models import Evidence

    rows = list(
        Evidence.objects.filter(link_id__in=list(link_ids), claim__status=Claim.Status.PUBLISHED)
        .values_list("claim_id", "claim__article_id")
        .distinct()
    )
    if not rows:
        return
    scopes = {cache.claim_scope(claim_pk) for claim_pk, _ in rows}
    transaction.on_commit(lambda: cache.bump(*scopes))
    _prerender_on_commit([claim_pk for claim_pk, _ in rows], [])


def reader_site_changed() -> None:
    """Once the transaction commits, every reader page renders afresh: something every page
    may show changed (a rating level's label or colour, a publisher's name, a topic)."""
    transaction.on_commit(lambda: cache.bump(cache.SITE))


def topic_get_or_create(*, name: str) -> Topic:
    """The topic called ``name`` (case-insensitively), created if there is none."""
    name = " ".join((name or "").split())[:100]
    slug = slugify(name)[:100]
    if not name or not slug:
        raise ValidationError({"new_topic": "Give the topic a name made of letters or digits."})
    topic = (
        Topic.objects.filter(name__iexact=name).first() or Topic.objects.filter(slug=slug).first()
    )
    if topic is not None:
        return topic
    topic = Topic(name=name, slug=slug)
    topic.full_clean()
    topic.save()
    return topic


@transaction.atomic
def article_reader_details_update(
    *,
    article: Article,
    user,
    topics: list[Topic],
    new_topic: str = "",
    publisher=None,
) -> Article:
    """Set what readers filter an article's fact-checks by: its topics (plus one new topic
    by name) and its publisher (a ``sources.Source`` or ``None``)."""
    require(user, REVIEW_PERMISSION, "change an article's topics")
    article = Article.objects.select_for_update().get(pk=article.pk)
    chosen = {topic.pk: topic for topic in topics}
    if (new_topic or "").strip():
        topic = topic_get_or_create(name=new_topic)
        chosen[topic.pk] = topic
    before_topics = sorted(article.topics.values_list("name", flat=True))
    after_topics = sorted(topic.name for topic in chosen.values())
    before_publisher = article.publisher.name if article.publisher_id else None
    after_publisher = publisher.name if publisher is not None else None
    changes = {}
    if before_topics != after_topics:
        changes["topics"] = [before_topics, after_topics]
        article.topics.set(list(chosen.values()))
    if before_publisher != after_publisher:
        changes["publisher"] = [before_publisher, after_publisher]
        article.publisher = publisher
        article.full_clean(exclude=["previous_revision", "ingested_by"])
        article.save(update_fields=["publisher", "updated_at"])
    if changes:
        audit_record(
            actor=user,
            action="claims.article.reader_details_changed",
            article=article,
            target=article,
            changes=changes,
        )
        reader_pages_changed(article=article)
    return article
