"""What the reader site needs from the desk: topics and publisher of an article, and telling
the reader site that published pages changed (``claims.signals``, ``factcheck.lib.published``:
the reader app is above this one and listens)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from audit.services import audit_record
from claims.models import Article, Claim, Topic
from claims.services.common import REVIEW_PERMISSION, require
from claims.signals import published_pages_changed
from factcheck.lib.published import site_changed

__all__ = [
    "article_reader_details_update",
    "reader_pages_changed",
    "reader_site_changed",
    "topic_get_or_create",
]


def reader_pages_changed(*, claim: Claim | None = None, article: Article | None = None) -> None:
    """Readers must get fresh pages: the claim's, its article's and the lists (home,
    corrections, feeds, sitemap). Called inside the transaction by every service that changes
    what readers see (publishing, correcting, an article's topics); the reader site listens
    (``claims.signals.published_changed``) and acts once it commits."""
    claim_ids, article_ids = [], []
    if claim is not None:
        claim_ids.append(claim.pk)
        article_ids.append(claim.article_id)
    if article is not None:
        article_ids.append(article.pk)
        # The article's claim pages name its title and topics.
        claim_ids += list(
            Claim.objects.filter(article=article, status=Claim.Status.PUBLISHED).values_list(
                "pk", flat=True
            )
        )
    published_pages_changed(claim_ids=claim_ids, article_ids=article_ids)


def reader_site_changed() -> None:
    """Every public page may be stale: something every page may show changed (a rating
    level's label or colour, a topic)."""
    site_changed(sender=Claim)


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
