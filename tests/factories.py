"""factory_boy factories for the domain models."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from claims.models import (
    Article,
    ArticleSentence,
    Claim,
    Evidence,
    IngestJob,
    Note,
    RatingLevel,
    Topic,
    Verdict,
)
from claims.services import content_hash
from claims.text_search import search_config_for
from sources.models import Link, LinkCheck, Source, SourceDomain


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-number-{n}")
    text = factory.Sequence(
        lambda n: (
            f"Article {n} says the city spent 4.2 million dollars on roads.\n\n"
            "Officials said the figure was audited in 2023."
        )
    )
    content_hash = factory.LazyAttribute(lambda a: content_hash(a.text))


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim quoting the first sentence of its article."""

    class Meta:
        model = Claim

    article = factory.SubFactory(ArticleFactory)
    start = 0
    end = factory.LazyAttribute(lambda c: c.article.text.index(".") + 1)
    text = factory.LazyAttribute(lambda c: c.article.text[c.start : c.end])
    # As ``claims.services.creation.claim_place`` sets it: the article's language.
    search_config = factory.LazyAttribute(
        lambda c: search_config_for(c.article.language if c.article else "")
    )


class SourceFactory(factory.django.DjangoModelFactory):
    """``SourceFactory(domains=["example.org"])`` also registers domains (normalised)."""

    class Meta:
        model = Source
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Publisher {n}")

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        from sources.registry import normalize_domain

        for domain in (extracted or []) if create else []:
            SourceDomain.objects.create(source=self, domain=normalize_domain(domain))


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link

    url = factory.Sequence(lambda n: f"https://news{n}.example.org/story")
    host = factory.LazyAttribute(lambda link: link.url.split("/")[2])


class LinkCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkCheck

    link = factory.SubFactory(LinkFactory)
    checked_at = factory.LazyFunction(timezone.now)
    outcome = "ok"
    status = 200
    state_before = "unchecked"
    state_after = "alive"


class ArticleSentenceFactory(factory.django.DjangoModelFactory):
    """The last sentence of its article, scored below the usual threshold."""

    class Meta:
        model = ArticleSentence

    article = factory.SubFactory(ArticleFactory)
    start = factory.LazyAttribute(lambda s: s.article.text.index("\n\n") + 2)
    end = factory.LazyAttribute(lambda s: len(s.article.text))
    text = factory.LazyAttribute(lambda s: s.article.text[s.start : s.end])
    score = 0.2


class IngestJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IngestJob

    url = factory.Sequence(lambda n: f"https://news{n}.example.org/article")


def ensure_default_scale() -> None:
    """The default rating scale of data migration 0004, recreated if a transactional test
    flushed the tables (migration data survives only in non-transactional tests)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("claims.migrations.0004_default_rating_scale")
    migration.create_default_scale(apps, None)


def rating_level(slug: str = "false") -> RatingLevel:
    """A level of the active scale (the default scale comes from a data migration)."""
    if not RatingLevel.objects.filter(scale__is_active=True).exists():
        ensure_default_scale()
    return RatingLevel.objects.get(scale__is_active=True, slug=slug)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    link = factory.SubFactory(LinkFactory)
    source = factory.SubFactory(SourceFactory)
    stance = Evidence.Stance.REFUTES
    quote = "The figure was 3.1 million."


class VerdictFactory(factory.django.DjangoModelFactory):
    """A draft verdict on a claim (the claim's status is left as it is)."""

    class Meta:
        model = Verdict

    claim = factory.SubFactory(ClaimFactory)
    rating = factory.LazyFunction(rating_level)
    summary = "The city spent 3.1 million, not 4.2 million."
    rationale = "The audited accounts show 3.1 million dollars."
    author = factory.SubFactory(UserFactory)
    # The wording it checks: the claim's, as ``verdict_save`` sets it.
    checked_text = factory.LazyAttribute(lambda verdict: verdict.claim.text)


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    claim = factory.SubFactory(ClaimFactory)
    author = factory.SubFactory(UserFactory)
    body = "Checked the council minutes."


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


def published_claim(*, rating: str = "false", **claim_fields) -> Claim:
    """A claim with a published verdict, made directly (not through the workflow services):
    for tests of the reader site that need published objects."""
    level = rating_level(rating)
    claim = ClaimFactory(status=Claim.Status.PUBLISHED, rating=level, **claim_fields)
    VerdictFactory(
        claim=claim,
        rating=level,
        state=Verdict.State.PUBLISHED,
        published_at=timezone.now(),
        approver=UserFactory(),
    )
    return claim
