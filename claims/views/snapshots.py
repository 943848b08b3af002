"""The reviewer's view of what a cited page said: a snapshot's facts and its extracted text
with the quoted passage marked, always as escaped text (the page's own HTML is never
served), and its WARC file as a download."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims import services
from claims.models import CitedLink, Evidence
from claims.quotes import evidence_snapshot_page
from factcheck.lib.auth import permission_required
from sources.models import Snapshot
from sources.services.snapshots import snapshot_storage

REVIEW = services.REVIEW_PERMISSION


def _page(request, pk: int, evidence_pk: int, snapshot_pk: int | None) -> dict:
    try:
        return evidence_snapshot_page(
            user=request.user, claim_pk=pk, evidence_pk=evidence_pk, snapshot_pk=snapshot_pk
        )
    except (Evidence.DoesNotExist, Snapshot.DoesNotExist):
        raise Http404("No such evidence or snapshot.") from None


@permission_required(REVIEW)
def evidence_snapshot(request, pk: int, evidence_pk: int):
    raw = request.GET.get("snapshot", "")
    snapshot_pk = int(raw) if raw.isdigit() else None
    return render(
        request, "claims/evidence_snapshot.html", _page(request, pk, evidence_pk, snapshot_pk)
    )


@permission_required(REVIEW)
def evidence_snapshot_warc(request, pk: int, evidence_pk: int, snapshot_pk: int):
    """The snapshot's WARC file, as an attachment (never shown inline)."""
    snapshot = _page(request, pk, evidence_pk, snapshot_pk)["snapshot"]
    if not snapshot.warc_name:
        raise Http404("This snapshot has no WARC file (none was kept, or it was pruned).")
    storage = snapshot_storage()
    try:
        handle = storage.open(snapshot.warc_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("The WARC file cannot be read from the snapshot storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"snapshot-{snapshot.pk}.warc.gz",
        content_type="application/warc",
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@permission_required(REVIEW)
@require_POST
def cited_link_snapshot(request, pk: int):
    """Keep a snapshot of a link the article cites (the article review page's button)."""
    try:
        cited = (
            CitedLink.objects.visible_to(request.user).select_related("link", "article").get(pk=pk)
        )
    except CitedLink.DoesNotExist:
        raise Http404("No such cited link.") from None
    services.cited_link_snapshot_request(cited=cited, user=request.user)
    messages.success(request, _("A snapshot of %(url)s is being taken.") % {"url": cited.link.url})
    return redirect(
        reverse("claims:article_detail", kwargs={"pk": cited.article_id}) + "#links-heading"
    )
