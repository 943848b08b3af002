"""The editors' list of claims changed since checked: a new revision of the article changed
the sentence of a claim whose verdict (published or in progress) checked other words. An
editor acknowledges the change (the verdict stands) or starts a correction on the claim page
(a new version that checks the new wording)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims import selectors, services
from claims.forms import ChangeAcknowledgeForm
from claims.models import Claim
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import version_required
from factcheck.lib.views import safe_next

PER_PAGE = 25


@permission_required(services.PUBLISH_PERMISSION)
def changed_claims(request):
    page = Paginator(
        selectors.claims_changed_since_checked(user=request.user).only("id"), PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = selectors.changed_claim_rows(user=request.user, claims=page.object_list)
    return render(request, "claims/claim_changed.html", {"page": page, "rows": rows})


@permission_required(services.PUBLISH_PERMISSION)
@require_POST
@version_required
def claim_change_acknowledge(request, pk: int):
    try:
        claim = selectors.claim_get(user=request.user, pk=pk)
    except Claim.DoesNotExist:
        raise Http404("No such claim.") from None
    back = safe_next(request, reverse("claims:changed_claims"))
    form = ChangeAcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(next(iter(form.errors.values()))))
        return redirect(back)
    try:
        services.claim_change_acknowledge(
            claim=claim,
            user=request.user,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except services.ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Claim #%(number)s: change acknowledged, the verdict stands.") % {"number": claim.pk},
        )
    return redirect(back)
