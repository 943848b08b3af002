"""The reader site: the latest fact-checks, an article with its published claims
highlighted, a claim's fact-check page (with ClaimReview JSON-LD) and the corrections log
(the ratings style sheet is the claims app's: reviewer pages use it too). Public, cached
per published version for anonymous readers (``reader.cache``), and built from
``reader.selectors`` only."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from claims.models import Article, Claim, Claimant
from claims.rendering import render_page_markdown
from reader import cache, embeds, site_pages
from reader import selectors as public
from reader.claimreview import claim_review, claim_review_feed, json_ld
from reader.filters import FactCheckFilter
from reader.models import SitePage

PAGE_SIZE = 20
# The card shown beside a shared link (scripts/make-og-card.py draws it): PNG, since most
# platforms refuse SVG; its size is stated in the page.
OG_IMAGE = "img/og-card.png"
OG_IMAGE_SIZE = (1200, 630)
HOME_DESCRIPTION = gettext_lazy(
    "Claims from articles, checked against the evidence by the desk: each with its rating, "
    "the sources and how we checked it."
)
_SCALE_LINE = re.compile(r"^[ \t]*" + re.escape(site_pages.RATING_SCALE_MARKER) + r"[ \t]*$", re.M)


def _social(
    request, *, title: str, description: str, kind: str = "website", path: str = ""
) -> dict:
    """The Open Graph and Twitter card metadata of a public page (escaped by the template)."""
    return {
        "title": Truncator(title).chars(200),
        "description": Truncator(" ".join(description.split())).chars(300),
        "type": kind,
        "url": request.build_absolute_uri(path or request.path),
        "site_name": settings.FACTCHECK_SITE_NAME,
        "image": request.build_absolute_uri(static(OG_IMAGE)),
        "image_width": OG_IMAGE_SIZE[0],
        "image_height": OG_IMAGE_SIZE[1],
        "image_alt": gettext("%(site)s: claims checked against the evidence")
        % {"site": settings.FACTCHECK_SITE_NAME},
    }


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
        {
            "filter": filterset,
            "page": page,
            "filtered": filterset.is_active(),
            "social": _social(
                request,
                title=gettext("Latest fact-checks · %(site)s")
                % {"site": settings.FACTCHECK_SITE_NAME},
                description=HOME_DESCRIPTION,
                path=reverse("reader:home"),
            ),
        },
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
    checked = context["published_claims"]
    ratings = ", ".join(f"{c.level.label} ({c.count})" for c in context["rating_counts"])
    context["social"] = _social(
        request,
        title=article.title,
        description=(
            ngettext(
                "%(count)s claim in this article fact-checked by %(site)s: %(ratings)s.",
                "%(count)s claims in this article fact-checked by %(site)s: %(ratings)s.",
                len(checked),
            )
            if ratings
            else ngettext(
                "%(count)s claim in this article fact-checked by %(site)s.",
                "%(count)s claims in this article fact-checked by %(site)s.",
                len(checked),
            )
        )
        % {"count": len(checked), "site": settings.FACTCHECK_SITE_NAME, "ratings": ratings},
        kind="article",
        path=public.article_path(article),
    )
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
    # oEmbed discovery: the API answers with the embeddable card (reader.embeds).
    if embeds.oembed_path is not None:
        context["oembed_url"] = request.build_absolute_uri(
            embeds.oembed_path() + "?" + urlencode({"url": claim_url, "format": "json"})
        )
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
    verdict = context["verdict"]
    context["social"] = _social(
        request,
        title=f"“{claim.checked_wording}”",
        description=gettext("Our rating: %(rating)s. %(summary)s")
        % {"rating": verdict.rating.label, "summary": verdict.summary},
        kind="article",
        path=public.claim_path(claim),
    )
    context["methodology_scale_url"] = _methodology_scale_url()
    return render(request, "reader/claim.html", context)


@require_safe
@cache.reader_page(_lists)
def claimant_page(request, key: str):
    """Who made claims we checked: their published fact-checks and how they were rated;
    404 for a claimant with none published, whoever asks. Cached on the lists' stamp (any
    publication, correction or change of a published claim's claimant replaces it)."""
    pk = public.claim_pk_from_key(key)
    try:
        if pk is None:
            raise Claimant.DoesNotExist
        claimant = public.claimant_public_get(user=request.user, pk=pk)
    except Claimant.DoesNotExist:
        raise Http404("No such claimant.") from None
    context = public.claimant_page_context(user=request.user, claimant=claimant)
    total = len(context["fact_checks"])
    context["social"] = _social(
        request,
        title=claimant.name,
        description=ngettext(
            "%(count)s claim by %(name)s fact-checked by %(site)s.",
            "%(count)s claims by %(name)s fact-checked by %(site)s.",
            total,
        )
        % {"count": total, "name": claimant.name, "site": settings.FACTCHECK_SITE_NAME},
        path=public.claimant_path(claimant),
    )
    return render(request, "reader/claimant.html", context)


@require_safe
@cache.reader_page(_lists)
def corrections(request):
    """Every change to a published verdict, newest first: what changed and why."""
    page = Paginator(public.corrections_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reader/corrections.html", {"page": page})


@require_safe
@cache.reader_page(_lists)
def feed_claimreview(request):
    """Every published fact-check as schema.org ClaimReview, in one ``DataFeed`` for
    fact-check aggregators: each element the review its claim's page embeds. Cached on the
    lists' stamp (any publication or correction replaces it)."""
    body = claim_review_feed(user=request.user, base_url=request.build_absolute_uri("/"))
    return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


def _methodology_scale_url() -> str:
    return reverse("reader:methodology") + "#" + site_pages.RATING_SCALE_ANCHOR


@require_safe
@cache.reader_page(lambda request, kwargs: cache.PAGES)
def site_page(request, slug: str):
    """The desk's page about itself (about, methodology, corrections policy): Markdown the
    admins edit, rendered and sanitised; the methodology page shows the active rating scale,
    read live, where its body says ``{rating-scale}`` (else at its end)."""
    try:
        page = public.site_page_get(slug=slug)
    except SitePage.DoesNotExist:
        raise Http404("No such page.") from None
    before, after, scale, levels = page.body, "", None, []
    if slug == site_pages.METHODOLOGY:
        parts = _SCALE_LINE.split(page.body, maxsplit=1)
        before, after = parts[0], parts[1] if len(parts) > 1 else ""
        scale, levels = public.rating_scale_shown(user=request.user)
    context = {
        "page": page,
        "body_before": render_page_markdown(before),
        "body_after": render_page_markdown(after) if after.strip() else "",
        "show_scale": slug == site_pages.METHODOLOGY,
        "scale": scale,
        "scale_levels": levels,
        "scale_anchor": site_pages.RATING_SCALE_ANCHOR,
        "social": _social(
            request,
            title=f"{page.title} · {settings.FACTCHECK_SITE_NAME}",
            description=_first_paragraph(page.body),
        ),
    }
    return render(request, "reader/site_page.html", context)


def _first_paragraph(body: str) -> str:
    """The first plain paragraph of a Markdown body (not a heading, quote or list), for
    the page's description when shared."""
    for block in re.split(r"\n\s*\n", body or ""):
        text = block.strip()
        if text and not text.startswith(("#", ">", "-", "*", "{", "|")):
            return re.sub(r"[*_`\[\]]", "", text)
    return ""
