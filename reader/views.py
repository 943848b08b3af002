"""The reader site: the latest fact-checks, an article with its published claims
highlighted, a claim's fact-check page (with ClaimReview JSON-LD) and the corrections log
(the ratings style sheet is the claims app's: reviewer pages use it too). Public, cached
per published version for anonymous readers (``reader.cache``), and built from
``reader.selectors`` only."""

from __future__ import annotations

from django.core.cache import cache as django_cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe

from claims.models import Article, Claim
from reader import cache
from reader import selectors as public
from reader.claimreview import claim_review, json_ld
from reader.filters import FactCheckFilter

PAGE_SIZE = 20


def _lists(request, kwargs) -> str:
    return cache.LISTS


def _article_slug_key(slug: str) -> str:
    return f"{cache.NAMESPACE}:article-slug:{slug}"


def _article_scope(request, kwargs) -> str | None:
    key = kwargs.get("key", "")
    number = public.article_pk_from_key(key)
    if number is not None:
        return cache.article_scope(number)
    pk = django_cache.get(_article_slug_key(key))  # learnt when the page was first built
    return cache.article_scope(pk) if pk else None


def _claim_scope(request, kwargs) -> str | None:
    pk = public.claim_pk_from_key(kwargs.get("key", ""))
    return cache.claim_scope(pk) if pk else None


class ListPaginator(Paginator):
    """A paginator whose count (a ``COUNT(*)`` over every matching fact-check, the dearest
    query of a list page) is kept per stamp of the lists for anonymous readers: the pages
    of one filter share it, and it is counted again only after a publication."""

    def __init__(self, object_list, per_page, *, count_name: str | None = None):
        super().__init__(object_list, per_page)
        self.count_name = count_name

    @cached_property
    def count(self) -> int:
        if self.count_name is None:
            return self.object_list.count()
        return cache.memo(cache.LISTS, self.count_name, self.object_list.count)


def _filters_without_page(request) -> str:
    return "&".join(
        f"{name}={value}"
        for name, values in sorted(request.GET.lists())
        if name != "page"
        for value in values
    )


@require_safe
@cache.reader_page(_lists)
def home(request):
    """The latest fact-checks, with filters (rating, publisher, topic, dates) and search."""
    anonymous = not request.user.is_authenticated
    if anonymous:  # what the filters offer changes only when something is published
        choices = cache.memo(
            cache.LISTS, "home:choices", lambda: public.filter_choices(user=request.user)
        )
    else:
        choices = public.filter_choices(user=request.user)
    filterset = FactCheckFilter(
        request.GET or None, queryset=public.fact_check_list(user=request.user), choices=choices
    )
    count_name = f"home:count:{_filters_without_page(request)}" if anonymous else None
    page = ListPaginator(filterset.qs, PAGE_SIZE, count_name=count_name).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reader/home.html",
        {"filter": filterset, "page": page, "filtered": filterset.is_active()},
    )


@require_safe
@cache.reader_page(_article_scope)
def article_detail(request, key: str):
    """The article's text with every published claim highlighted; nothing unpublished is
    loaded, so nothing unpublished can reach the HTML. An article with no published
    fact-check is the desk's work in progress: 404 (as for an article that does not exist),
    whoever asks (the desk reads it under ``/review/articles/<id>/``)."""
    try:
        article = public.article_public_get(user=request.user, key=key)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    django_cache.set(_article_slug_key(article.slug), article.pk, timeout=None)
    context = public.article_page_context(user=request.user, article=article)
    return render(request, "reader/article.html", context)


@require_safe
@cache.reader_page(_claim_scope)
def claim_page(request, key: str):
    """A published claim's fact-check; 404 for any other claim, whoever asks (the desk
    works on claims under ``/review/claims/<id>/``)."""
    pk = public.claim_pk_from_key(key)
    try:
        if pk is None:
            raise Claim.DoesNotExist
        claim = public.claim_public_get(user=request.user, pk=pk)
    except Claim.DoesNotExist:
        raise Http404("No such fact-check.") from None
    context = public.claim_page_context(user=request.user, claim=claim)
    if context["verdict"] is None:
        raise Http404("No such fact-check.")
    claim_url = request.build_absolute_uri(public.claim_path(claim))
    bounds = public.scale_bounds(user=request.user).get(context["verdict"].rating.scale_id)
    context["canonical_url"] = claim_url
    context["claim_review_json"] = json_ld(
        claim_review(
            claim=claim,
            verdict=context["verdict"],
            first_published=context["first_published"],
            claim_url=claim_url,
            site_url=request.build_absolute_uri("/"),
            bounds=bounds,
        )
    )
    return render(request, "reader/claim.html", context)


@require_safe
@cache.reader_page(_lists)
def corrections(request):
    """Every change to a published verdict, newest first: what changed and why."""
    page = Paginator(public.corrections_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reader/corrections.html", {"page": page})
