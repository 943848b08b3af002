"""The tokens page (``/api/v1/tokens/``): a user's own API tokens, made and revoked there.
An HTML page of the site, without JavaScript; the token is shown once, on the answer to
the form that made it, and the page is never stored by a browser or proxy. Also the admins'
webhooks pages (``/api/v1/webhooks/``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import services, webhooks
from api.forms import TokenForm, WebhookForm
from api.models import ApiToken, WebhookEndpoint
from claims.services import REVIEW_PERMISSION
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import ConflictError, VersionMissing
from factcheck.lib.views import add_service_errors


def _page(request, form: TokenForm, *, created=None, status: int = 200):
    tokens = ApiToken.objects.visible_to(request.user).order_by("revoked_at", "-created_at")
    response = render(
        request,
        "api/token_list.html",
        {"form": form, "tokens": tokens, "created": created},
        status=status,
    )
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@permission_required(REVIEW_PERMISSION)
def token_list(request):
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            created = services.token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _page(request, TokenForm(), created=created)
    return _page(request, form, status=400)


@permission_required(REVIEW_PERMISSION)
@require_POST
def token_revoke(request, pk: int):
    try:
        token = services.token_revoke(user=request.user, pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    messages.success(
        request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("api:tokens")


# ------------------------------------------------------------------------------- webhooks
# ``/api/v1/webhooks/``: the admins' endpoints, each with its delivery log and a "Send test
# event" button (api.webhooks). The secret is shown once, on the answer that made it.


def _webhooks_page(request, form: WebhookForm, *, created=None, status: int = 200):
    endpoints = WebhookEndpoint.objects.select_related("created_by").order_by("-created_at")
    response = render(
        request,
        "api/webhook_list.html",
        {"form": form, "endpoints": endpoints, "created": created},
        status=status,
    )
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@permission_required(webhooks.MANAGE_PERMISSION)
def webhook_list(request):
    if request.method != "POST":
        return _webhooks_page(request, WebhookForm())
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            created = webhooks.endpoint_create(
                user=request.user, url=form.cleaned_data["url"], events=form.cleaned_data["events"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _webhooks_page(request, WebhookForm(), created=created)
    return _webhooks_page(request, form, status=400)


def _endpoint(pk: int) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(pk=pk)
    except WebhookEndpoint.DoesNotExist:
        raise Http404("No such webhook endpoint.") from None


@permission_required(webhooks.MANAGE_PERMISSION)
def webhook_detail(request, pk: int):
    endpoint = _endpoint(pk)
    deliveries = endpoint.deliveries.order_by("-created_at", "-id")[: webhooks.DELIVERY_LOG_LIMIT]
    response = render(
        request,
        "api/webhook_detail.html",
        {"endpoint": endpoint, "deliveries": deliveries, "log_limit": webhooks.DELIVERY_LOG_LIMIT},
    )
    add_never_cache_headers(response)
    return response


@permission_required(webhooks.MANAGE_PERMISSION)
@require_POST
def webhook_test(request, pk: int):
    endpoint = _endpoint(pk)
    delivery = webhooks.test_event_send(user=request.user, pk=endpoint.pk)
    messages.success(
        request,
        _("Test event #%(number)s queued for %(url)s: see the log below.")
        % {"number": delivery.pk, "url": endpoint.url},
    )
    return redirect("api:webhook_detail", pk=endpoint.pk)


@permission_required(webhooks.MANAGE_PERMISSION)
@require_POST
def webhook_active(request, pk: int):
    endpoint = _endpoint(pk)
    active = request.POST.get("active") == "1"
    try:
        endpoint = webhooks.endpoint_set_active(
            user=request.user, pk=endpoint.pk, active=active, version=request.POST.get("version")
        )
    except ConflictError as exc:
        messages.error(request, str(exc))
    except VersionMissing:
        return HttpResponseBadRequest(_("The form is missing its version: reload the page."))
    else:
        done = (
            _("The endpoint %(url)s is enabled.")
            if endpoint.is_active
            else _("The endpoint %(url)s is disabled.")
        )
        messages.success(request, done % {"url": endpoint.url})
    return redirect("api:webhook_detail", pk=endpoint.pk)
