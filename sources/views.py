"""Link health pages: the list, one link's history, hosts, and evidence at risk (editors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from factcheck.lib.auth import permission_required
from factcheck.lib.versions import ConflictError, version_required
from factcheck.lib.views import add_service_errors
from sources import selectors, services
from sources.filters import LinkFilter
from sources.forms import LinkOverrideForm
from sources.models import Link
from sources.usage import usage

VIEW_PERMISSION = "sources.view_link"
OVERRIDE_PERMISSION = services.OVERRIDE_PERMISSION
PER_PAGE = 50


@permission_required(VIEW_PERMISSION)
def link_list(request):
    link_filter = LinkFilter(request.GET or None, queryset=selectors.link_list(user=request.user))
    page = Paginator(link_filter.qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sources/link_list.html", {"filter": link_filter, "page": page})


def _detail(
    request,
    link: Link,
    *,
    form: LinkOverrideForm | None = None,
    status: int = 200,
    conflict: ConflictError | None = None,
):
    checks = Paginator(selectors.link_checks(user=request.user, link=link), PER_PAGE).get_page(
        request.GET.get("page")
    )
    can_override = request.user.has_perm(OVERRIDE_PERMISSION)
    initial = {
        "action": LinkOverrideForm.SET,
        "state": link.override_state or link.state,
        "version": link.version,
    }
    context = {
        "link": link,
        "checks": checks,
        # Where the link is used: the app above sources says (``sources.usage``).
        "usage_panel": usage().link_panel(request=request, link=link),
        "can_override": can_override,
        "override_form": (form or LinkOverrideForm(initial=initial)) if can_override else None,
        "dead_points": services.link_policy.LinkPolicy.from_settings().dead_points,
        "conflict": conflict,
    }
    return render(request, "sources/link_detail.html", context, status=status)


def _get_link(request, pk: int) -> Link:
    try:
        return selectors.link_get(user=request.user, pk=pk)
    except Link.DoesNotExist:
        raise Http404("No such link.") from None


@permission_required(VIEW_PERMISSION)
def link_detail(request, pk: int):
    return _detail(request, _get_link(request, pk))


@permission_required(OVERRIDE_PERMISSION)
@require_POST
@version_required
def link_override(request, pk: int):
    link = _get_link(request, pk)
    form = LinkOverrideForm(request.POST)
    if not form.is_valid():
        return _detail(request, link, form=form, status=400)
    data = form.cleaned_data
    try:
        if data["action"] == form.CLEAR:
            services.link_override_clear(
                link=link, user=request.user, reason=data["reason"], version=data["version"]
            )
            messages.success(request, _("Override cleared: the checker's state is shown again."))
        else:
            services.link_override_set(
                link=link,
                user=request.user,
                state=data["state"],
                reason=data["reason"],
                version=data["version"],
            )
            messages.success(request, _("Override saved: it is shown until an editor clears it."))
    except ConflictError as exc:
        # The user's input stays in the form, on the link's current version.
        kept = None  # clearing has no input to keep
        if data["action"] == form.SET:
            values = request.POST.copy()
            values["version"] = str(exc.current.version)
            kept = LinkOverrideForm(values)
            kept.is_valid()
        return _detail(request, _get_link(request, pk), form=kept, status=409, conflict=exc)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail(request, link, form=form, status=400)
    except PermissionDenied:
        raise
    return redirect("sources:link_detail", pk=link.pk)


@permission_required(OVERRIDE_PERMISSION)
@require_POST
def link_check_now(request, pk: int):
    link = get_object_or_404(Link.objects.visible_to(request.user), pk=pk)
    services.link_check_request(link=link, user=request.user)
    messages.success(request, _("Check requested: a worker will check the link shortly."))
    return redirect("sources:link_detail", pk=link.pk)


@permission_required(VIEW_PERMISSION)
def host_summary(request):
    page = Paginator(selectors.host_summary(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "sources/host_summary.html", {"page": page})
