"""Evidence snapshots over the API: what the workbench kept of each cited page, whether the
evidence's quoted passage is on it, the WARC file, and asking for a new snapshot.

The same rules as the workbench's pages (``claims.views.snapshots``): reviewers only; the
text is plain text (never the page's HTML); the WARC file is an attachment.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import permissions
from api import serializers as s
from api.conditional import conditional_response
from claims import services as claim_services
from claims.models import CitedLink, Evidence
from claims.quotes import LABELS, evidence_snapshot_page
from sources.models import Snapshot
from sources.services.snapshots import snapshot_storage

_PROBLEM = OpenApiResponse(s.ProblemSerializer, description="Problem details (RFC 9457).")
_READ_ERRORS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 429: _PROBLEM}


class SnapshotSerializer(s.ModelSerializer):
    """What a snapshot recorded of the page (its text only in the detail)."""

    has_warc = serializers.SerializerMethodField(help_text="Whether a WARC file is kept.")

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "state",
            "requested_at",
            "fetched_at",
            "url",
            "final_url",
            "status_code",
            "content_type",
            "last_modified",
            "etag",
            "kind",
            "content_hash",
            "body_size",
            "truncated",
            "has_warc",
            "files_deleted_at",
            "error",
        ]

    def get_has_warc(self, snapshot: Snapshot) -> bool:
        return bool(snapshot.warc_name)


class SnapshotDetailSerializer(SnapshotSerializer):
    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "text"]


class DifferenceSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["same", "deleted", "inserted"])
    text = serializers.CharField()


class QuoteCheckSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=sorted(LABELS),
        help_text="found, differs (found with differences), changed (the page changed since "
        "it was cited and the passage is gone), not_found; or pending, unavailable, no_text "
        "when there is nothing to look in yet.",
    )
    label = serializers.CharField()
    snapshot = serializers.IntegerField(allow_null=True, help_text="The snapshot looked in.")
    detail = serializers.CharField(allow_blank=True)
    differences = DifferenceSerializer(
        many=True,
        allow_null=True,
        help_text="For ``differs``: the quoted passage against the page's, word by word "
        "(``deleted``: only in the quote; ``inserted``: only in the page).",
    )


class EvidenceSnapshotsSerializer(serializers.Serializer):
    evidence = serializers.IntegerField()
    quote_check = QuoteCheckSerializer(allow_null=True)
    snapshots = SnapshotSerializer(many=True, help_text="The link's snapshots, newest first.")


def _page(request: Request, evidence_pk: int, snapshot_pk: int | None = None) -> dict:
    claim_pk = (
        Evidence.objects.visible_to(request.user)
        .filter(pk=evidence_pk)
        .values_list("claim_id", flat=True)
        .first()
    )
    if claim_pk is None:
        raise NotFound("No such evidence.")
    try:
        return evidence_snapshot_page(
            user=request.user, claim_pk=claim_pk, evidence_pk=evidence_pk, snapshot_pk=snapshot_pk
        )
    except (Evidence.DoesNotExist, Snapshot.DoesNotExist):
        raise NotFound("No such snapshot of this evidence's link.") from None


def _check_data(check) -> dict | None:
    if check is None:
        return None
    return {
        "outcome": check.outcome,
        "label": str(check.label),
        "snapshot": check.snapshot.pk if check.snapshot is not None else None,
        "detail": str(check.detail or ""),
        "differences": (
            [{"op": part.op, "text": part.text} for part in check.diff]
            if check.diff is not None
            else None
        ),
    }


class EvidenceSnapshots(APIView):
    """A piece of evidence's snapshots (its link's, newest first) and whether its quoted
    passage is on the page (the check the claim page shows). Reviewers."""

    permission_classes = [permissions.Reviewers]

    @extend_schema(
        tags=["evidence"],
        operation_id="evidence_snapshots_list",
        responses={200: EvidenceSnapshotsSerializer, **_READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        page = _page(request, pk)
        body = {
            "evidence": page["evidence"].pk,
            "quote_check": _check_data(page["check"]),
            "snapshots": SnapshotSerializer(page["snapshots"], many=True).data,
        }
        return conditional_response(request, body)


class EvidenceSnapshotDetail(APIView):
    """One snapshot of the evidence's link, with the page's extracted text (plain text).
    Reviewers."""

    permission_classes = [permissions.Reviewers]

    @extend_schema(
        tags=["evidence"],
        operation_id="evidence_snapshot_detail",
        responses={200: SnapshotDetailSerializer, **_READ_ERRORS},
    )
    def get(self, request: Request, pk: int, snapshot_pk: int) -> Response:
        snapshot = _page(request, pk, snapshot_pk)["snapshot"]
        return conditional_response(request, SnapshotDetailSerializer(snapshot).data)


@extend_schema(
    tags=["evidence"],
    responses={
        (200, "application/warc"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The snapshot's WARC file (gzip), as an attachment."
        ),
        **_READ_ERRORS,
    },
)
class EvidenceSnapshotWarc(APIView):
    """The snapshot's WARC record (response and metadata), for standard archive tools.
    404 when none was kept or it was pruned. Reviewers."""

    permission_classes = [permissions.Reviewers]

    def get(self, request: Request, pk: int, snapshot_pk: int):
        snapshot = _page(request, pk, snapshot_pk)["snapshot"]
        if not snapshot.warc_name:
            raise NotFound("This snapshot has no WARC file (none was kept, or it was pruned).")
        try:
            handle = snapshot_storage().open(snapshot.warc_name, "rb")
        except OSError:
            raise NotFound("The WARC file cannot be read from the snapshot storage.") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"snapshot-{snapshot.pk}.warc.gz",
            content_type="application/warc",
        )
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response


class SnapshotRequestedSerializer(serializers.Serializer):
    link = serializers.IntegerField()
    url = serializers.URLField()
    detail = serializers.CharField()


@extend_schema(
    tags=["evidence"],
    request=None,
    responses={202: SnapshotRequestedSerializer, **_READ_ERRORS},
)
class CitedLinkSnapshot(APIView):
    """Keep a snapshot of a link an article cites, now (before it is evidence, or again):
    a job fetches it through the guarded fetcher. Reviewers."""

    permission_classes = [permissions.Reviewers]

    def post(self, request: Request, pk: int) -> Response:
        try:
            cited = (
                CitedLink.objects.visible_to(request.user)
                .select_related("link", "article")
                .get(pk=pk)
            )
        except CitedLink.DoesNotExist:
            raise NotFound("No such cited link.") from None
        claim_services.cited_link_snapshot_request(cited=cited, user=request.user)
        body = {
            "link": cited.link_id,
            "url": cited.link.url,
            "detail": "A snapshot is being taken.",
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
