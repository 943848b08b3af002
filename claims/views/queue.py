"""The reviewer queue (a django-filter list with bookmarkable URLs), its bulk actions
(dismiss, start review, assign, return; and the older bulk assignment), the article title
suggestions of its filter, and the help page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from claims import selectors, services
from claims.filters import ClaimQueueFilter, article_title_suggestions
from claims.forms import BulkAssignForm
from factcheck.lib.auth import permission_required
from factcheck.lib.pagination import CappedPaginator
from factcheck.lib.versions import version_missing_response
from factcheck.lib.views import safe_next

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
# The queue counts no further than this (a multiple of every page size): past it, it says
# "more than 1000" and pages through the first 1000, since counting every match of the whole
# queue or of a common word costs more than the page (docs/benchmarks.md, "Pages").
COUNT_CAP = 1000

# Saved views of the queue: each is just a query string, so it can be bookmarked and shared.
SAVED_FILTERS = (
    (gettext_lazy("My open claims"), "assignee=mine&status=in_review"),
    (gettext_lazy("New and unassigned"), "status=new&assignee=unassigned&o=-score"),
    (gettext_lazy("Awaiting approval"), "status=awaiting_approval&o=updated"),
    (gettext_lazy("Dead or failing evidence"), "link_health=trouble"),
    (gettext_lazy("Evidence at risk"), "at_risk=yes"),
)


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


@permission_required(services.REVIEW_PERMISSION)
def claim_queue(request):
    reviewer_list, levels = selectors.queue_filter_choices()
    filterset = ClaimQueueFilter(
        request.GET or None,
        queryset=selectors.claim_queue(user=request.user),
        user=request.user,
        reviewers=reviewer_list,
        levels=levels,
    )
    page_size = _page_size(request)
    paginator = CappedPaginator(filterset.qs, page_size, cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.claim_queue_rows(user=request.user, page=page.object_list)
    ordering = request.GET.get("o", "")
    # The versions the bulk actions are made from (loaded with the rows).
    versions = {claim.pk: claim.version for claim in page.object_list}
    return render(
        request,
        "claims/claim_queue.html",
        {
            "filter": filterset,
            "page": page,
            "page_size": page_size,
            "page_sizes": PAGE_SIZES,
            "ordering": ordering,
            "reviewer_list": reviewer_list,
            "saved_filters": SAVED_FILTERS,
            "current_query": request.GET.urlencode(),
            "notice_cache_seconds": settings.FACTCHECK_QUEUE_NOTICE_CACHE_SECONDS,
            "page_versions": " ".join(f"{pk}:{v}" for pk, v in sorted(versions.items())),
            "bulk_max": services.BULK_MAX_CLAIMS,
        },
    )


@permission_required(services.REVIEW_PERMISSION)
@require_POST
def claim_bulk_assign(request):
    back = safe_next(request, reverse("claims:claim_queue"))
    form = BulkAssignForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    claims = form.cleaned_data["claims"]
    assignee = form.cleaned_data["assignee"]
    try:
        changed = services.claim_bulk_assign(
            claim_ids=[c.pk for c in claims], assignee=assignee, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if assignee:
            message = ngettext(
                "%(count)s claim assigned to %(who)s.",
                "%(count)s claims assigned to %(who)s.",
                changed,
            ) % {"count": changed, "who": assignee.get_username()}
        else:
            message = ngettext(
                "%(count)s claim assigned to nobody.",
                "%(count)s claims assigned to nobody.",
                changed,
            ) % {"count": changed}
        messages.success(request, message)
    return redirect(back)


class BulkActionForm(forms.Form):
    """The queue's action bar: what to do with the selected claims (or every claim of the
    page), made from the versions the page showed (``versions``: ``"pk:version ..."``)."""

    action = forms.ChoiceField(
        choices=[
            ("dismiss", gettext_lazy("Dismiss")),
            ("start_review", gettext_lazy("Start review")),
            ("assign", gettext_lazy("Assign")),
            ("return", gettext_lazy("Return to review")),
        ],
        error_messages={
            "required": gettext_lazy("Choose what to do with the selected claims."),
            "invalid_choice": gettext_lazy("Choose what to do with the selected claims."),
        },
    )
    claims = forms.CharField(required=False)  # each checkbox; read with getlist
    all_on_page = forms.BooleanField(required=False)
    page_claims = forms.CharField(required=False)
    versions = forms.CharField()
    reason = forms.CharField(required=False, max_length=2000)
    assignee = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Choose a reviewer to assign the claims to.")
        },
    )

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["assignee"].queryset = services.reviewers()

    def clean(self):
        data = super().clean()
        raw = self.data.getlist("claims")
        if data.get("all_on_page"):
            raw = [*raw, *(data.get("page_claims") or "").split()]
        try:
            data["claim_ids"] = list(dict.fromkeys(int(pk) for pk in raw))
            data["version_map"] = {
                int(pk): int(version)
                for pk, version in (
                    item.split(":", 1) for item in (data.get("versions") or "").split()
                )
            }
        except ValueError:
            raise ValidationError(
                _("The selection was not understood: reload the queue.")
            ) from None
        if any(not 0 < pk < 2**63 for pk in [*data["claim_ids"], *data["version_map"]]):
            raise ValidationError(_("The selection was not understood: reload the queue."))
        if not data["claim_ids"]:
            raise ValidationError(_("Select at least one claim."))
        if len(data["claim_ids"]) > services.BULK_MAX_CLAIMS:
            raise ValidationError(
                _(
                    "Act on at most %(max)s claims at once (%(count)s were selected): "
                    "nothing was done."
                )
                % {"max": services.BULK_MAX_CLAIMS, "count": len(data["claim_ids"])}
            )
        return data


@permission_required(services.REVIEW_PERMISSION)
@require_POST
def claim_bulk_action(request):
    """Dismiss, take into review, assign or return the selected claims, each through its
    single-claim service; the summary says what was done and, per claim, what was not."""
    back = safe_next(request, reverse("claims:claim_queue"))
    if not (request.POST.get("versions") or "").strip():
        # Every edit names the version it was made from (the queue page's).
        return version_missing_response(request)
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        result = services.claim_bulk_action(
            action=data["action"],
            claim_ids=data["claim_ids"],
            versions=data["version_map"],
            user=request.user,
            reason=data["reason"],
            assignee=data["assignee"],
        )
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, _("Nothing was done: %(reason)s") % {"reason": text})
        return redirect(back)
    summary = result.summary()
    if result.refused:
        (messages.warning if result.done else messages.error)(request, summary)
    else:
        messages.success(request, summary)
    return redirect(back)


@permission_required(services.REVIEW_PERMISSION)
@require_GET
def article_titles(request):
    """The article filter's suggestions: ``<option>``s of matching titles for its datalist."""
    query = request.GET.get("article") or request.GET.get("q") or ""
    articles = article_title_suggestions(user=request.user, query=query)
    return render(request, "claims/_article_titles.html", {"articles": articles})


@permission_required(services.REVIEW_PERMISSION)
def review_help(request):
    return render(request, "claims/review_help.html", {"four_eyes": services.four_eyes_required()})
