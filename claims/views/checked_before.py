"""The claim page's "Checked before" panel: the panel itself (``claims/_checked_before.html``,
its candidates from the ``checked_before`` template tag), loaded by the claim page after it
is shown so matching never slows the page down (a page of its own without JavaScript), and
adding another organisation's fact-check of the same claim as evidence in one click."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from claims.models import ExternalFactCheck
from claims.services import REVIEW_PERMISSION, ConflictError
from claims.services.factchecks import factcheck_add_as_evidence
from claims.views.claim import _claim_or_404, claim_url, render_claim
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import parse_version, version_required
from factcheck.lib.views import is_htmx


@permission_required(REVIEW_PERMISSION)
@require_GET
def claim_checked_before(request, pk: int):
    """The panel alone for htmx (swapped into the claim page), else a page around it."""
    claim = _claim_or_404(request, pk)
    template = "claims/_checked_before.html" if is_htmx(request) else "claims/checked_before.html"
    return render(request, template, {"claim": claim})


@permission_required(REVIEW_PERMISSION)
@require_POST
@version_required
def claim_factcheck_evidence(request, pk: int, factcheck_pk: int):
    claim = _claim_or_404(request, pk)
    factcheck = get_object_or_404(
        ExternalFactCheck.objects.visible_to(request.user), pk=factcheck_pk
    )
    try:
        factcheck_add_as_evidence(
            claim=claim,
            factcheck=factcheck,
            user=request.user,
            version=parse_version(request.POST.get("version")),
        )
    except ConflictError as exc:
        return render_claim(request, claim, status=409, conflict=exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(claim_url(claim, "checked-before"))
    messages.success(request, _("The earlier fact-check was added as evidence (context)."))
    return redirect(claim_url(claim, "evidence"))
