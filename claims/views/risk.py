"""The editors' page of published verdicts whose evidence is at risk (a link died or moved)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from claims import links as link_reads
from factcheck.lib.auth import permission_required
from sources.services import OVERRIDE_PERMISSION

PER_PAGE = 50


@permission_required(OVERRIDE_PERMISSION)
def evidence_at_risk(request):
    page = Paginator(link_reads.evidence_at_risk_verdicts(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "claims/evidence_at_risk.html", {"page": page})
