"""The reviewer area's entry: articles, ingestion, the reviewer article page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from claims import selectors, services
from claims.forms import ArticleIngestForm, ClaimSelectionForm
from claims.models import Article, ArticleSentence, IngestJob
from factcheck.lib.auth import permission_required


@permission_required("claims.review_claim")
def review_home(request):
    page = Paginator(selectors.article_list(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    mentions = selectors.notes_mentioning(user=request.user)
    return render(request, "claims/review_home.html", {"page": page, "mentions": mentions})


def _reviewer_article_url(article: Article, anchor: str = "") -> str:
    url = reverse("claims:article_detail", kwargs={"pk": article.pk})
    return f"{url}#{anchor}" if anchor else url


@permission_required("claims.add_article")
def article_ingest(request):
    form = ArticleIngestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mode = data["mode"]
        try:
            if mode == form.FETCH:
                job = services.article_ingest_url(
                    url=data["url"], title=data["title"], user=request.user
                )
                return redirect("claims:ingest_job", pk=job.pk)
            common = {
                "title": data["title"],
                "author": data["author"],
                "url": data["url"],
                "user": request.user,
            }
            if mode == form.UPLOAD:
                upload = data["file"]
                result = services.article_ingest(
                    file_bytes=upload.read(services.max_ingest_bytes() + 1),
                    filename=upload.name,
                    **common,
                )
            else:
                result = services.article_ingest(
                    text=data["text"], text_format=data["text_format"], **common
                )
        except services.ArticleURLError as exc:
            form.add_error("url", str(exc))
        except services.IngestError as exc:
            form.add_error(form.ERROR_FIELD[mode], str(exc))
        else:
            if result.created:
                messages.success(
                    request,
                    f"Article added: {result.claims_created} claim"
                    f"{'' if result.claims_created == 1 else 's'} found"
                    + (
                        f", {result.reanchored} carried over from the previous revision"
                        if result.reanchored
                        else ""
                    )
                    + (f", {result.orphaned} no longer found" if result.orphaned else "")
                    + ".",
                )
            else:
                messages.info(request, "This text was already ingested: here is that article.")
            return redirect(_reviewer_article_url(result.article))
    return render(
        request,
        "claims/article_ingest.html",
        {"form": form, "max_size": services.human_size(services.max_ingest_bytes())},
    )


@permission_required("claims.add_article")
def ingest_job(request, pk: int):
    try:
        job = selectors.ingest_job_get(user=request.user, pk=pk)
    except IngestJob.DoesNotExist:
        raise Http404("No such ingest job.") from None
    return render(request, "claims/ingestjob_detail.html", {"job": job})


def reloaded_for_review(request, article: Article) -> Article:
    """The article as the reviewer page loads it (after a conflict: its current state)."""
    return selectors.article_review_get(user=request.user, pk=article.pk)


def render_article_review(request, article: Article, *, status: int = 200, conflict=None, **kept):
    """The reviewer article page; after a conflict (409) with what differs and the user's
    input kept (``reader_form``: the topics and publisher form; ``merge_kept``: a merge).
    ``article`` comes from ``selectors.article_review_get`` (conflicts load it again)."""
    context = selectors.article_review_context(user=request.user, article=article)
    context["selection_form"] = ClaimSelectionForm()
    context.update(conflict=conflict, **kept)
    return render(request, "claims/article_review.html", context, status=status)


@permission_required("claims.review_claim")
def review_article_detail(request, pk: int):
    try:
        article = selectors.article_review_get(user=request.user, pk=pk)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    return render_article_review(request, article)


@permission_required("claims.add_claim")
@require_POST
def sentence_promote(request, pk: int):
    sentence = get_object_or_404(
        ArticleSentence.objects.visible_to(request.user).select_related("article"), pk=pk
    )
    try:
        claim = services.claim_promote(sentence=sentence, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_reviewer_article_url(sentence.article, f"sentence-{sentence.pk}"))
    messages.success(request, f"The sentence is now claim #{claim.pk}.")
    return redirect(_reviewer_article_url(sentence.article, f"claim-{claim.pk}"))


@permission_required("claims.add_claim")
@require_POST
def claim_create(request, pk: int):
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
    form = ClaimSelectionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_reviewer_article_url(article, "select"))
    text, start, end = (form.cleaned_data[k] for k in ("text", "start", "end"))
    if start is None or end is None:
        # No script: find the quoted passage; it must occur exactly once.
        quote = text.strip()
        count = article.text.count(quote) if quote else 0
        if count != 1:
            messages.error(
                request,
                "The passage is not in the article."
                if count == 0
                else f"The passage occurs {count} times in the article: quote more of it.",
            )
            return redirect(_reviewer_article_url(article, "select"))
        start = article.text.index(quote)
        end, text = start + len(quote), quote
    try:
        claim = services.claim_create_from_selection(
            article=article, start=start, end=end, text=text, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_reviewer_article_url(article, "select"))
    messages.success(request, f"Claim #{claim.pk} added.")
    return redirect(_reviewer_article_url(article, f"claim-{claim.pk}"))
