"""factory_boy factories for the domain models."""

import factory
from django.contrib.auth import get_user_model

from claims.models import Article, Claim
from claims.services import content_hash
from sources.models import Link, Source


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


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Publisher {n}")


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link

    url = factory.Sequence(lambda n: f"https://news{n}.example.org/story")
    host = factory.LazyAttribute(lambda link: link.url.split("/")[2])
