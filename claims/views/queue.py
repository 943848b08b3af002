"""The reviewer queue (a django-filter list with bookmarkable URLs), bulk assignment and the
help page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from claims import selectors, services
from claims.filters import ClaimQueueFilter
from claims.forms import BulkAssignForm
from factcheck.lib.auth import permission_required
from factcheck.lib.pagination import CappedPaginator
from factcheck.lib.views import safe_next

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
# The queue counts no further than this (a multiple of every page size): past it, it says
# "more than 1000" and pages through the first 1000, since counting every match of the whole
# queue or of a common word costs more than the page (docs/benchmarks.md, "Pages").
COUNT_CAP = 1000

# Saved views of the queue: each is just a query string, so it can be bookmarked and shared.
SAVED_FILTERS = (
    ("My open claims", "assignee=mine&status=in_review"),
    ("New and unassigned", "status=new&assignee=unassigned&o=-score"),
    ("Awaiting approval", "status=awaiting_approval&o=updated"),
    ("Dead or failing evidence", "link_health=trouble"),
    ("Evidence at risk", "at_risk=yes"),
)


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


@permission_required(services.REVIEW_PERMISSION)
def claim_queue(request):
    reviewer_list = list(services.reviewers())
    levels = list(services.active_levels())
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
        who = assignee.get_username() if assignee else "nobody"
        messages.success(
            request, f"{changed} claim{'' if changed == 1 else 's'} assigned to {who}."
        )
    return redirect(back)


@permission_required(services.REVIEW_PERMISSION)
def review_help(request):
    return render(request, "claims/review_help.html", {"four_eyes": services.four_eyes_required()})
