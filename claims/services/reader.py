"""What the reader site needs from the desk: topics and publisher of an article, and telling
the reader site that published pages changed (``claims.signals``, ``factcheck.lib.published``:
the reader app is above this one and listens)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.selectors import last_change
from audit.services import audit_record
from claims.models import Appearance, Article, Claim, Topic
from claims.services.common import REVIEW_PERMISSION, require
from claims.signals import published_pages_changed
from factcheck.lib.published import site_changed
from factcheck.lib.versions import (
    ConflictError,
    Version,
    changes_between,
    conflict_message,
    version_check,
)

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
        if claim.article_id is not None:
            article_ids.append(claim.article_id)
        # The other articles it was confirmed as made in show its verdict too.
        article_ids += list(
            Appearance.objects.filter(claim=claim, kind=Appearance.Kind.ARTICLE)
            .exclude(article_id=claim.article_id)
            .values_list("article_id", flat=True)
        )
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
        raise ValidationError({"new_topic": _("Give the topic a name made of letters or digits.")})
    topic = (
        Topic.objects.filter(name__iexact=name).first() or Topic.objects.filter(slug=slug).first()
    )
    if topic is not None:
        return topic
    topic = Topic(name=name, slug=slug)
    topic.full_clean()
    topic.save()
    return topic


def _article_conflict(
    article: Article,
    topics,
    new_topic: str,
    publisher,
    may_republish: bool | None = None,
    language: str | None = None,
) -> ConflictError:
    """What a stale article-details form is told: who saved them, and the topics and
    publisher saved now next to the user's."""
    by, at = last_change(target=article)
    yours_topics = sorted({t.name for t in topics} | ({(new_topic or "").strip()} - {""}))
    yours = {
        "topics": yours_topics,
        "publisher": publisher.name if publisher is not None else _("Not known"),
    }
    theirs = {
        "topics": sorted(article.topics.values_list("name", flat=True)),
        "publisher": article.publisher.name if article.publisher_id else _("Not known"),
    }
    labels = {"topics": _("Topics"), "publisher": _("Publisher")}
    if may_republish is not None:
        shown = {True: _("Full text shown"), False: _("Checked claims quoted")}
        yours["may_republish"] = shown[bool(may_republish)]
        theirs["may_republish"] = shown[article.may_republish]
        labels["may_republish"] = _("On the reader site")
    if language is not None:
        from claims.languages import language_name

        yours["language"] = language_name(language.strip().lower()) or _("Unknown")
        theirs["language"] = language_name(article.language) or _("Unknown")
        labels["language"] = _("Language")
    return ConflictError(
        message=conflict_message(what="this article's topics and publisher", by=by, at=at),
        current=article,
        changes=changes_between(yours, theirs, labels),
        by=by,
        at=at,
    )


@transaction.atomic
def article_reader_details_update(
    *,
    article: Article,
    user,
    topics: list[Topic],
    new_topic: str = "",
    publisher=None,
    may_republish: bool | None = None,
    language: str | None = None,
    version: Version,
) -> Article:
    """Set what readers filter an article's fact-checks by: its topics (plus one new topic
    by name) and its publisher (a ``sources.Source`` or ``None``), and whether the reader
    site may show its full text (``may_republish``; ``None``: unchanged), and its language
    (``language``, a BCP-47 tag, blank for unknown; ``None``: unchanged; what that does to its
    sentences: ``claims.services.languages``), from the article's ``version`` (a stale one
    raises :class:`ConflictError`: nothing is saved)."""
    require(user, REVIEW_PERMISSION, _("You may not change an article's topics."))
    article = Article.objects.select_for_update().get(pk=article.pk)
    version_check(
        version,
        stored=article.version,
        conflict=lambda: _article_conflict(
            article, topics, new_topic, publisher, may_republish, language
        ),
        what="an article's details",
    )
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
    if may_republish is not None and bool(may_republish) != article.may_republish:
        changes["may_republish"] = [article.may_republish, bool(may_republish)]
        article.may_republish = bool(may_republish)
        article.save(update_fields=["may_republish", "updated_at"])
    language_changed = False
    if language is not None:
        from claims.services.languages import article_language_apply

        # Recorded as its own event (``claims.article.language_changed``).
        language_changed = bool(
            article_language_apply(article=article, language=language, user=user)
        )
    if changes or language_changed:
        article.version += 1
        article.save(update_fields=["version", "updated_at"])
        reader_pages_changed(article=article)
    if changes:
        audit_record(
            actor=user,
            action="claims.article.reader_details_changed",
            article=article,
            target=article,
            changes={**changes, "version": [article.version - 1, article.version]},
        )
    return article
