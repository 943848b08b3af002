"""Reviewers set an article's topics and publisher (what readers filter fact-checks by) and
whether the reader site may show its full text."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims import services
from claims.forms import ArticleReaderDetailsForm
from claims.models import Article
from claims.views.articles import reloaded_for_review, render_article_review
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import version_required


@permission_required(services.REVIEW_PERMISSION)
@require_POST
@version_required
def article_reader_details(request, pk: int):
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
    form = ArticleReaderDetailsForm(request.POST)
    back = reverse("claims:article_detail", kwargs={"pk": article.pk}) + "#reader-details"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        services.article_reader_details_update(
            article=article,
            user=request.user,
            topics=list(form.cleaned_data["topics"]),
            new_topic=form.cleaned_data["new_topic"],
            publisher=form.cleaned_data["publisher"],
            may_republish=form.cleaned_data["may_republish"],
            # Unchanged when the form did not send it (older pages, scripts).
            language=form.cleaned_data["language"] if "language" in request.POST else None,
            version=form.cleaned_data["version"],
        )
    except services.ConflictError as exc:
        messages.error(request, str(exc))
        # The user's choices stay in the form, on the article's current version.
        values = request.POST.copy()
        values["version"] = str(exc.current.version)
        kept = ArticleReaderDetailsForm(values)
        kept.is_valid()
        return render_article_review(
            request,
            reloaded_for_review(request, article),
            status=409,
            conflict=exc,
            reader_form=kept,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Reader details saved; readers see them now."))
    return redirect(back)
