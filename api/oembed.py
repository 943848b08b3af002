"""oEmbed 1.0 (``GET /api/v1/oembed/?url=<claim page>``): what another site needs to embed a
published fact-check, the "rich" type whose ``html`` is an ``<iframe>`` of the verdict card
(``reader.embeds``, the only page of the site that may be framed). Public, no token.

Answers: 200 with the JSON; 400 for a missing or malformed ``url``, an address of another
site, or a ``maxwidth``/``maxheight`` that is not a positive whole number; 404 for an
address of this site that is not a published claim's page; 501 for ``format=xml`` (oEmbed's
other format, not offered here), 400 for a format oEmbed does not know. Kept on the claim's
stamp like its pages, so a correction changes the answer (and its ``ETag``) at once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import problems
from api.conditional import conditional_response
from api.serializers import ProblemSerializer
from claims.models import Claim, Verdict
from reader import cache as reader_cache
from reader import selectors as public

# The card's size when the consumer sets no maximum (CSS pixels).
WIDTH = 560
HEIGHT = 300
# What the iframe may do: open the fact-check in a new tab (a top-level page of ours), and
# nothing else (no script runs in the card anyway).
SANDBOX = "allow-popups allow-popups-to-escape-sandbox"
CLAIM_PAGE = "reader:claim_page"


class OEmbedSerializer(serializers.Serializer):
    """An oEmbed 1.0 "rich" response."""

    type = serializers.CharField(help_text="Always rich.")
    version = serializers.CharField(help_text="Always 1.0.")
    title = serializers.CharField(help_text="The claim as checked.")
    provider_name = serializers.CharField()
    provider_url = serializers.URLField()
    html = serializers.CharField(help_text="An <iframe> of the verdict card, sandboxed.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class OEmbedQuery(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="A fact-check page of this site.")
    maxwidth = serializers.IntegerField(min_value=1, required=False)
    maxheight = serializers.IntegerField(min_value=1, required=False)
    format = serializers.CharField(required=False)


class _JsonOnly(BaseContentNegotiation):
    """JSON whatever the request says: ``?format=`` is oEmbed's parameter here (answered
    501 unless ``json``), not DRF's renderer switch."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _claim_pk(request: Request, url: str) -> int:
    """The claim number a reader page address of this site (the host asked, or
    ``FACTCHECK_SITE_URL``'s) names: ``ValidationError`` for another site's address,
    ``NotFound`` for any other page of this one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationError({"url": [_("Give the full address of a fact-check page.")]})
    ours = {request.get_host().lower(), urlsplit(settings.FACTCHECK_SITE_URL).netloc.lower()}
    if parts.netloc.lower() not in ours:
        raise ValidationError({"url": [_("This is not an address of this site.")]})
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        raise NotFound(_("No fact-check at this address.")) from None
    pk = public.claim_pk_from_key(match.kwargs.get("key", ""))
    if match.view_name != CLAIM_PAGE or pk is None:
        raise NotFound(_("No fact-check at this address."))
    return pk


def _embed(request: Request, pk: int, width: int, height: int) -> dict:
    reader = AnonymousUser()
    try:
        claim = public.claim_public_get(user=reader, pk=pk)
    except Claim.DoesNotExist:
        raise NotFound(_("No fact-check at this address.")) from None
    verdict = (
        public.public_verdicts(user=reader)
        .filter(claim=claim, state=Verdict.State.PUBLISHED)
        .first()
    )
    if verdict is None:
        raise NotFound(_("No fact-check at this address."))
    title = verdict.checked_text or claim.text
    key = public.claim_key(claim)
    card = request.build_absolute_uri(reverse("reader:embed_claim", kwargs={"key": key}))
    site = settings.FACTCHECK_SITE_NAME
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" sandbox="{}" loading="lazy" '
        'referrerpolicy="strict-origin-when-cross-origin"></iframe>',
        card,
        width,
        height,
        f"Fact-check by {site}: {title}",
        SANDBOX,
    )
    return {
        "type": "rich",
        "version": "1.0",
        "title": title,
        "provider_name": site,
        "provider_url": request.build_absolute_uri("/"),
        "html": str(html),
        "width": width,
        "height": height,
    }


_PROBLEM = OpenApiResponse(ProblemSerializer, description="Problem details (RFC 9457).")


@extend_schema(
    tags=["fact-checks"],
    parameters=[
        OpenApiParameter("url", OpenApiTypes.URI, required=True, description="A claim page."),
        OpenApiParameter("maxwidth", OpenApiTypes.INT, description="At most this wide."),
        OpenApiParameter("maxheight", OpenApiTypes.INT, description="At most this high."),
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json"], description="json only."),
    ],
    responses={
        200: OEmbedSerializer,
        304: None,
        400: _PROBLEM,
        404: _PROBLEM,
        429: _PROBLEM,
        501: _PROBLEM,
    },
)
class OEmbed(APIView):
    """oEmbed 1.0 for a published fact-check's page: a "rich" answer whose ``html`` is a
    sandboxed ``<iframe>`` of its verdict card. Public: no token needed."""

    permission_classes = [AllowAny]
    content_negotiation_class = _JsonOnly

    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("format", "json")
        if wanted.lower() == "xml":
            # oEmbed's other format: a known format this provider does not offer.
            return problems.problem(
                501, "Only the JSON format is offered.", code="format_not_implemented"
            )
        if wanted != "json":
            return problems.problem(
                400,
                f"Unknown format {wanted[:20]!r}: oEmbed offers json (and xml).",
                code="format_unknown",
            )
        query = OEmbedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        pk = _claim_pk(request, query.validated_data["url"])
        width = min(WIDTH, query.validated_data.get("maxwidth", WIDTH))
        height = min(HEIGHT, query.validated_data.get("maxheight", HEIGHT))
        data = reader_cache.memo(
            reader_cache.claim_scope(pk),
            f"api:oembed:{pk}:{request.get_host()}:{width}x{height}",
            lambda: _embed(request, pk, width, height),
        )
        return conditional_response(request, data, public=True)
