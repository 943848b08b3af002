"""The reviewer area's entry: articles, ingestion, the reviewer article page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from claims import selectors, services
from claims.forms import ArticleIngestForm, ClaimSelectionForm
from claims.languages import language_name
from claims.models import Article, ArticleSentence, Claim, IngestJob
from claims.services.preview import (
    AUTO_FORMAT,
    CarriedBody,
    carried_input,
    carried_sign,
    page_fetch,
)
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import version_required
from factcheck.lib.views import is_htmx


@permission_required("claims.review_claim")
def review_home(request):
    page = Paginator(selectors.article_list(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    mentions = selectors.notes_mentioning(user=request.user)
    return render(request, "claims/review_home.html", {"page": page, "mentions": mentions})


def _ingest_summary(result) -> str:
    """What an ingestion found, in one sentence (each variant whole, for the translators)."""
    n, reanchored, orphaned = result.claims_created, result.reanchored, result.orphaned
    if reanchored and orphaned:
        message = ngettext(
            "Article added: %(count)s claim found, %(reanchored)s carried over from the "
            "previous revision, %(orphaned)s no longer found.",
            "Article added: %(count)s claims found, %(reanchored)s carried over from the "
            "previous revision, %(orphaned)s no longer found.",
            n,
        )
    elif reanchored:
        message = ngettext(
            "Article added: %(count)s claim found, %(reanchored)s carried over from the "
            "previous revision.",
            "Article added: %(count)s claims found, %(reanchored)s carried over from the "
            "previous revision.",
            n,
        )
    elif orphaned:
        message = ngettext(
            "Article added: %(count)s claim found, %(orphaned)s no longer found.",
            "Article added: %(count)s claims found, %(orphaned)s no longer found.",
            n,
        )
    else:
        message = ngettext(
            "Article added: %(count)s claim found.", "Article added: %(count)s claims found.", n
        )
    return message % {"count": n, "reanchored": reanchored, "orphaned": orphaned}


def _reviewer_article_url(article: Article, anchor: str = "") -> str:
    url = reverse("claims:article_detail", kwargs={"pk": article.pk})
    if anchor.startswith("claim-"):
        # The claims are listed a page at a time: open the page listing this one.
        url += f"?claim={anchor.removeprefix('claim-')}"
    return f"{url}#{anchor}" if anchor else url


@permission_required("claims.add_article")
def article_ingest(request):
    form = ArticleIngestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mode = data["mode"]
        if not data["confirm"]:
            # Every input is previewed first: nothing is stored until "Ingest".
            return _ingest_preview(request, form)
        try:
            common = {
                "title": data["title"],
                "author": data["author"],
                "url": data["url"],
                "user": request.user,
                "language": data["language"],
            }
            chosen = data["text_format"]
            if mode == form.FETCH and data.get("fetched") is None:
                # Confirmed without a preview (scripts): the job fetches it.
                job = services.article_ingest_url(
                    url=data["url"],
                    title=data["title"],
                    user=request.user,
                    language=data["language"],
                )
                return redirect("claims:ingest_job", pk=job.pk)
            if mode == form.FETCH:
                # The page fetched for the preview, as the job would read it: no second fetch.
                fetched = data["fetched"]
                text, page_format = carried_input(fetched)
                result = services.article_ingest_submit(
                    text=text,
                    text_format=chosen if chosen in Article.Format.values else page_format,
                    **{**common, "url": fetched.url},
                )
            elif mode == form.UPLOAD and chosen not in (AUTO_FORMAT, data["file_format"]):
                # Read in another format than its name says (chosen on the preview).
                result = services.article_ingest_submit(
                    text=data["decoded"].text, text_format=chosen, **common
                )
            elif mode == form.UPLOAD:
                # The form read the file and chose its encoding (see ArticleIngestForm).
                # A large text is queued as a job (FACTCHECK_INGEST_INLINE_MAX_BYTES).
                result = services.article_ingest_submit(
                    file_bytes=data["file_bytes"],
                    filename=data["filename"],
                    declared_charset=data["decoded"].encoding,
                    **common,
                )
            else:
                result = services.article_ingest_submit(
                    text=data["text"],
                    text_format=services.ingest_format(data["text"], data["text_format"]),
                    **common,
                )
        except services.ArticleURLError as exc:
            form.add_error("url", str(exc))
        except services.IngestError as exc:
            form.add_error(form.ERROR_FIELD[mode], str(exc))
        except ValidationError as exc:
            # A row the form's checks let through but the model refuses: an answer, not a 500.
            form.add_error(None, " ".join(exc.messages))
        else:
            if isinstance(result, IngestJob):
                messages.info(
                    request,
                    _(
                        "The text is large: it is being ingested in the background. This page "
                        "shows the progress and links the article when it is ready."
                    ),
                )
                return redirect("claims:ingest_job", pk=result.pk)
            if result.created:
                messages.success(request, _ingest_summary(result))
            else:
                messages.info(request, _("This text was already ingested: here is that article."))
            decoded = data.get("decoded")
            if decoded is not None and decoded.detected:
                messages.warning(
                    request,
                    _(
                        "The file was not UTF-8: it was read as %(encoding)s (detected). If "
                        "some characters look wrong, save it as UTF-8 and upload it again."
                    )
                    % {"encoding": decoded.encoding_label},
                )
            return redirect(_reviewer_article_url(result.article))
    return render(
        request,
        "claims/article_ingest.html",
        {"form": form, "max_size": services.human_size(services.max_ingest_bytes())},
    )


PREVIEW_SENTENCES_SHOWN = 500


def _ingest_preview(request, form: ArticleIngestForm):
    """The preview of a pasted text, an uploaded file or a fetched page
    (``services.article_preview``: no row written), with the form's values carried in
    hidden fields to "Ingest" or to preview in another format (a file's bytes and a fetched
    page signed, ``carried_sign``); input the ingest would refuse gets the form back with
    its message."""
    data = form.cleaned_data
    mode = data["mode"]
    carried = {
        "mode": mode,
        "text": data["text"] if mode == form.PASTE else "",
        "title": data["title"],
        "author": data["author"],
        "url": data["url"],
        "language": data["language"],
        "payload": "",
    }
    fetched = None
    try:
        if mode == form.FETCH:
            # Fetched now through the guarded fetcher; a "Preview again" reuses the page.
            fetched = data.get("fetched") or page_fetch(data["url"])
            text, page_format = carried_input(fetched)
            carried.update(url=fetched.url, payload=carried_sign(fetched))
            defaults = {"default_format": page_format, "default_origin": "content type"}
        elif mode == form.UPLOAD:
            text = data["decoded"].text
            carried["payload"] = carried_sign(
                CarriedBody(kind="upload", body=data["file_bytes"], filename=data["filename"])
            )
            defaults = {"default_format": data["file_format"], "default_origin": "name"}
        else:
            text, defaults = data["text"], {}
        preview = services.article_preview(
            text=text,
            text_format=data["text_format"],
            url=carried["url"],
            title=data["title"],
            language=data["language"],
            **defaults,
        )
    except services.ArticleURLError as exc:
        form.add_error("url", str(exc))
    except services.IngestError as exc:
        form.add_error(form.ERROR_FIELD[mode], str(exc))
    else:
        decoded = data.get("decoded")
        return render(
            request,
            "claims/article_ingest_preview.html",
            {
                "preview": preview,
                "carried": carried,
                "sentences": preview.sentences[:PREVIEW_SENTENCES_SHOWN],
                "sentences_hidden": max(0, len(preview.sentences) - PREVIEW_SENTENCES_SHOWN),
                "format_choices": Article.Format.choices,
                "format_used": Article.Format(preview.text_format).label,
                "format_detected": Article.Format(preview.detected_format).label,
                "threshold": services.checkworthiness_threshold(preview.language),
                "fetched": fetched,
                "filename": data.get("filename", ""),
                "guessed_encoding": decoded.encoding_label
                if decoded is not None and decoded.detected
                else "",
            },
        )
    return render(
        request,
        "claims/article_ingest.html",
        {"form": form, "max_size": services.human_size(services.max_ingest_bytes())},
    )


@permission_required(services.WITHDRAW_PERMISSION)
@version_required
def article_withdraw(request, pk: int):
    """Editors: what withdrawing a mistaken ingest removes (GET), and withdrawing it (POST,
    with the article's version)."""
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
    status, conflict = 200, None
    if request.method == "POST":
        try:
            outcome = services.article_withdraw(
                article=article,
                user=request.user,
                version=request.POST["version"],
                reason=request.POST.get("reason", ""),
            )
        except services.ConflictError as exc:
            status, conflict = 409, exc
            article.refresh_from_db()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
            article.refresh_from_db()
        else:
            removed, kept = len(outcome["claims_removed"]), len(outcome["claims_kept"])
            if kept:
                message = ngettext(
                    "“%(title)s” was withdrawn: %(removed)s claim removed, %(kept)s kept as "
                    "dismissed with their work. Its text can be ingested again.",
                    "“%(title)s” was withdrawn: %(removed)s claims removed, %(kept)s kept as "
                    "dismissed with their work. Its text can be ingested again.",
                    removed,
                )
            else:
                message = ngettext(
                    "“%(title)s” was withdrawn: %(removed)s claim removed. Its text can be "
                    "ingested again.",
                    "“%(title)s” was withdrawn: %(removed)s claims removed. Its text can be "
                    "ingested again.",
                    removed,
                )
            messages.success(
                request, message % {"title": article.title, "removed": removed, "kept": kept}
            )
            return redirect("claims:home")
    plan = services.article_withdrawal_plan(article=article)
    return render(
        request,
        "claims/article_withdraw.html",
        {"article": article, "plan": plan, "conflict": conflict},
        status=status,
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


_URL_SENTINEL = 987654321
_ROW_URLS = {
    "detail": "claims:claim_detail",
    "dismiss": "claims:claim_dismiss",
    "merge": "claims:claim_merge",
    "merge_targets": "claims:merge_targets",
}


def _attach_row_urls(claims) -> None:
    """``claim.urls``: the addresses each row of the claims table links to, each reversed
    once for the page and filled in per claim (reversing four per row cost more than the
    rest of a row)."""
    patterns = {key: reverse(name, kwargs={"pk": _URL_SENTINEL}) for key, name in _ROW_URLS.items()}
    marker = str(_URL_SENTINEL)
    for claim in claims:
        claim.urls = {key: url.replace(marker, str(claim.pk)) for key, url in patterns.items()}


def render_article_review(request, article: Article, *, status: int = 200, conflict=None, **kept):
    """The reviewer article page; after a conflict (409) with what differs and the user's
    input kept (``reader_form``: the topics and publisher form; ``merge_kept``: a merge).
    ``article`` comes from ``selectors.article_review_get`` (conflicts load it again)."""
    page_number = request.GET.get("page")
    focus = (kept.get("merge_kept") or {}).get("pk")
    if page_number is None and focus is None and request.GET.get("claim", "").isdigit():
        focus = int(request.GET["claim"])
    if page_number is None and focus is not None:
        page_number = selectors.article_review_page_of(
            user=request.user, article=article, claim_pk=focus
        )
    context = selectors.article_review_context(
        user=request.user, article=article, page_number=page_number
    )
    context["selection_form"] = ClaimSelectionForm()
    # Not scored (no check-worthiness model for its language): every sentence is listed.
    context["scoring_note"] = services.article_scoring_note(article)
    context["language_name"] = language_name(article.language)
    _attach_row_urls(context["claims"])
    # Where each row's dismiss and merge forms come back to (reversed once, not per row).
    context["article_page_url"] = f"{_reviewer_article_url(article)}?page={context['page'].number}"
    context.update(conflict=conflict, **kept)
    # The row whose merge form is shown again after a conflict (set always: a missing
    # variable costs an exception per lookup, and the lookup is made on every row).
    context["merge_kept_pk"] = (kept.get("merge_kept") or {}).get("pk")
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
        ArticleSentence.objects.visible_to(request.user)
        .filter(article__in=Article.objects.visible_to(request.user))
        .select_related("article"),
        pk=pk,
    )
    try:
        claim = services.claim_promote(sentence=sentence, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_reviewer_article_url(sentence.article, f"sentence-{sentence.pk}"))
    messages.success(request, _("The sentence is now claim #%(number)s.") % {"number": claim.pk})
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
                _("The passage is not in the article.")
                if count == 0
                else ngettext(
                    "The passage occurs %(count)s time in the article: quote more of it.",
                    "The passage occurs %(count)s times in the article: quote more of it.",
                    count,
                )
                % {"count": count},
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
    messages.success(request, _("Claim #%(number)s added.") % {"number": claim.pk})
    return redirect(_reviewer_article_url(article, f"claim-{claim.pk}"))


@permission_required("claims.review_claim")
def merge_targets(request, pk: int):
    """Claims the claim ``pk`` may be merged into, matching ``q`` (or ``keep``, the merge
    form's field): a number or words of the text. With htmx: ``<option>`` elements for the
    merge field's ``<datalist>``; without: a page listing them, with their numbers."""
    try:
        claim = selectors.claim_get(user=request.user, pk=pk)
    except Claim.DoesNotExist:
        raise Http404("No such claim.") from None
    if claim.article_id is None:
        # Duplicates are merged on their article's page; an entered claim has none.
        raise Http404("This claim is not from an article: it has no claims to merge into.")
    query = (request.GET.get("q") or request.GET.get("keep") or "")[:200]
    matches = selectors.merge_targets(user=request.user, claim=claim, query=query)
    template = "claims/_merge_targets.html" if is_htmx(request) else "claims/merge_targets.html"
    return render(request, template, {"claim": claim, "query": query, "matches": matches})
