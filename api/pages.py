"""The tokens page (``/api/v1/tokens/``): a user's own API tokens, made and revoked there.
An HTML page of the site, without JavaScript; the token is shown once, on the answer to
the form that made it, and the page is never stored by a browser or proxy."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from api import services
from api.forms import TokenForm
from api.models import ApiToken
from claims.services import REVIEW_PERMISSION
from factcheck.lib.auth import permission_required
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
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("api:tokens")
