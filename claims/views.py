"""Pages of the claims app: the public reading side and the reviewer area's entry."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from claims import selectors
from claims.models import Article
from factcheck.lib.auth import permission_required


def home(request):
    page = Paginator(selectors.article_list(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "claims/article_list.html", {"page": page})


def article_detail(request, key: str):
    try:
        article = selectors.article_get(user=request.user, key=key)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    return render(
        request,
        "claims/article_detail.html",
        {"article": article, "paragraphs": selectors.article_paragraphs(article)},
    )


@permission_required("claims.review_claim")
def review_home(request):
    page = Paginator(selectors.article_list(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "claims/review_home.html", {"page": page})
