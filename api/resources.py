"""The API's remaining resources: claimants (who said a claim) and a claim's appearances
(where and when), sources as admins write them, a link's check history. Thin, like the
site's views: each write calls the ``claims.services`` or ``sources.services`` function the
web's form calls, so roles, versions and audit events are the web's; versioned writes go
through ``api.writes`` (``version`` or ``If-Match``; 409, 412, 428)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import pagination, permissions, problems
from api import resource_serializers as r
from api import serializers as s
from api.conditional import conditional_response
from api.views import SourceDetail, SourceList
from api.writes import (
    _IF_MATCH,
    _READ_ERRORS,
    _WRITE_ERRORS,
    _claim,
    _claim_now,
    _version_problems,
    _versioned_write,
    _written,
)
from claims import services as claim_services
from claims.models import Appearance, Claim, Claimant
from sources import selectors as link_selectors
from sources import services as source_services
from sources.models import Link, LinkCheck, Source
from sources.services.registry import ADD_PERMISSION, CHANGE_PERMISSION

SourceAdders = permissions.requires(permissions.SOURCE_PERMISSION, ADD_PERMISSION)
SourceChangers = permissions.requires(permissions.SOURCE_PERMISSION, CHANGE_PERMISSION)


def _absolute(request: Request, path: str) -> str:
    return request.build_absolute_uri(path)


# ------------------------------------------------------------------------------ claimants


@extend_schema(
    tags=["claimants"],
    parameters=[
        OpenApiParameter(
            "q", OpenApiTypes.STR, description="A part of the name or of one of the aliases."
        )
    ],
    responses={200: r.ClaimantSerializer(many=True), **_READ_ERRORS},
)
class ClaimantList(generics.ListAPIView):
    """Who said the desk's claims: people and organisations, by name. ``q`` searches the
    name and the aliases (any case). Reviewers."""

    permission_classes = [permissions.Reviewers]
    serializer_class = r.ClaimantSerializer
    pagination_class = pagination.ByName

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claimant.objects.none()
        q = (self.request.query_params.get("q") or "").strip()
        if q:
            return Claimant.objects.search(q)
        return Claimant.objects.all()


def _claimant_data(request: Request, claimant: Claimant) -> dict:
    limit = r.CLAIMANT_CLAIMS_LIMIT
    ids = list(
        Claim.objects.visible_to(request.user)
        .filter(claimant=claimant)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[: limit + 1]
    )
    claimant.claims_truncated = len(ids) > limit
    claimant.claim_refs = [
        {"id": pk, "detail": _absolute(request, reverse("api:claim-detail", kwargs={"pk": pk}))}
        for pk in ids[:limit]
    ]
    return r.ClaimantDetailSerializer(claimant, context={"request": request}).data


@extend_schema(
    tags=["claimants"], responses={200: r.ClaimantDetailSerializer, 304: None, **_READ_ERRORS}
)
class ClaimantDetail(APIView):
    """A claimant with the ids and addresses of the claims it said (newest first, at most
    100; ``claims_truncated`` says whether there are more). Reviewers."""

    permission_classes = [permissions.Reviewers]

    def get(self, request: Request, pk: int) -> Response:
        try:
            claimant = Claimant.objects.get(pk=pk)
        except Claimant.DoesNotExist:
            raise NotFound(_("No such claimant.")) from None
        return conditional_response(request, _claimant_data(request, claimant))


def _claim_claimant(request: Request, pk: int) -> dict:
    claim = Claim.objects.visible_to(request.user).select_related("claimant").get(pk=pk)
    return r.ClaimClaimantSerializer(claim, context={"request": request}).data


@extend_schema(
    tags=["claimants"],
    request=r.ClaimClaimantSetSerializer,
    parameters=[_IF_MATCH],
    responses={200: r.ClaimClaimantSerializer, **_WRITE_ERRORS},
)
class ClaimClaimant(APIView):
    """Set who said a claim (``claimant``: an id, or null when not known), naming the
    claim's version (``If-Match``: the claim's ETag). Reviewers; once the claim's
    fact-check is published, editors only (403)."""

    permission_classes = [permissions.Reviewers]

    def put(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)

        def call(data, version):
            claimant = None
            if data["claimant"] is not None:
                claimant = Claimant.objects.filter(pk=data["claimant"]).first()
                if claimant is None:
                    return problems.problem(
                        400,
                        "claimant: " + _("No such claimant."),
                        code="invalid",
                        errors=[
                            {
                                "pointer": "#/claimant",
                                "field": "claimant",
                                "detail": _("No such claimant."),
                                "code": "invalid",
                            }
                        ],
                    )
            return claim_services.claim_claimant_set(
                claim=claim, claimant=claimant, user=request.user, version=version
            )

        result = _versioned_write(
            request, r.ClaimClaimantSetSerializer, _claim_now(request, pk), call
        )
        return _written(result, lambda changed: _claim_claimant(request, pk))


# ---------------------------------------------------------------------------- appearances


def _appearance_data(request: Request, appearance: Appearance) -> dict:
    return r.AppearanceSerializer(appearance, context={"request": request}).data


class ClaimAppearances(APIView):
    """``GET``: where and when the claim was made (the article it was found in first).
    ``POST``: add one, as on the claim page: ``kind`` ``web`` (with ``url``), ``spoken``
    (with ``medium``; ``programme``, ``timestamp`` hh:mm:ss), ``other`` (with
    ``description``), and ``said_on``; names the claim's version. Reviewers; once the
    claim's fact-check is published, editors only (403)."""

    permission_classes = [permissions.Reviewers]

    @extend_schema(
        tags=["appearances"],
        responses={200: r.AppearanceSerializer(many=True), 304: None, **_READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        rows = claim.appearances.select_related("article").order_by("-is_primary", "said_on", "pk")
        return conditional_response(request, [_appearance_data(request, row) for row in rows])

    @extend_schema(
        tags=["appearances"],
        request=r.AppearanceAddSerializer,
        parameters=[_IF_MATCH],
        responses={201: r.AppearanceSerializer, **_WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        result = _versioned_write(
            request,
            r.AppearanceAddSerializer,
            _claim_now(request, pk),
            lambda data, version: claim_services.appearance_add(
                claim=claim,
                user=request.user,
                version=version,
                kind=data["kind"],
                url=data["url"],
                medium=data["medium"],
                programme=data["programme"],
                timestamp=data["timestamp"],
                description=data["description"],
                said_on=data["said_on"],
            ),
        )
        return _written(
            result,
            lambda added: _appearance_data(request, added),
            location=lambda added, body: _absolute(
                request, reverse("api:claim-appearances", kwargs={"pk": pk})
            ),
        )


@extend_schema(
    tags=["appearances"],
    request=r.AppearanceRemoveSerializer,
    parameters=[_IF_MATCH],
    responses={204: None, **_WRITE_ERRORS},
)
class AppearanceRemove(APIView):
    """Take an added appearance off its claim, naming the claim's version (``If-Match``:
    the claim's ETag). The article the claim was found in stays (400). Reviewers; once the
    claim's fact-check is published, editors only (403)."""

    permission_classes = [permissions.Reviewers]

    def post(self, request: Request, pk: int) -> Response:
        claims = Claim.objects.visible_to(request.user)
        try:
            appearance = Appearance.objects.select_related("claim").get(pk=pk, claim__in=claims)
        except Appearance.DoesNotExist:
            raise NotFound(_("No such appearance.")) from None
        result = _versioned_write(
            request,
            r.AppearanceRemoveSerializer,
            _claim_now(request, appearance.claim_id),
            lambda data, version: claim_services.appearance_remove(
                appearance=appearance, user=request.user, version=version
            ),
        )
        return _written(result)


# -------------------------------------------------------------------------------- sources


def _source_data(request: Request, pk: int) -> dict:
    source = link_selectors.source_get(user=request.user, pk=pk)
    return s.SourceSerializer(source, context={"request": request}).data


class SourceListCreate(SourceList):
    """``GET``: as ``SourceList``. ``POST``: register a source (``name``; ``kind``,
    ``home_url``, ``domains``, ``country``, ``language``, ``rating``, ``rating_rationale``,
    ``notes``, ``message``), as the sources page's form: admins (``sources.add_source``)."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [SourceAdders()]
        return super().get_permissions()

    @extend_schema(
        tags=["sources"],
        request=r.SourceWriteSerializer,
        responses={201: s.SourceSerializer, **_WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        form = r.SourceWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.pop("version", None)
        data.setdefault("name", "")  # the service says a source needs one
        result = _version_problems(lambda: source_services.source_create(user=request.user, **data))
        return _written(
            result,
            lambda made: _source_data(request, made.pk),
            location=lambda made, body: body["detail"],
        )


class SourceDetailChange(SourceDetail):
    """``GET``: as ``SourceDetail``. ``PATCH``: change the fields sent (``domains``
    become exactly the source's domains; a new ``rating`` or ``rating_rationale`` is a
    rating change), naming the source's version (``If-Match``: its ETag). Admins
    (``sources.change_source``)."""

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [SourceChangers()]
        return super().get_permissions()

    @extend_schema(
        tags=["sources"],
        request=r.SourceWriteSerializer,
        parameters=[_IF_MATCH],
        responses={200: s.SourceSerializer, **_WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        try:
            source = link_selectors.source_get(user=request.user, pk=pk)
        except Source.DoesNotExist:
            raise NotFound(_("No such source.")) from None

        def current():
            now = link_selectors.source_get(user=request.user, pk=pk)
            return s.SourceSerializer(now, context={"request": request}).data, now.version

        def call(data, version):
            fields = {key: value for key, value in data.items() if key != "version"}
            return source_services.source_update(
                source=source, user=request.user, version=version, **fields
            )

        result = _versioned_write(request, r.SourceWriteSerializer, current, call)
        return _written(result, lambda changed: _source_data(request, pk))


# ---------------------------------------------------------------------------------- links


class CheckedFirst(pagination.Cursor):
    """A link's checks: the newest first (the link page's order)."""

    ordering = ("-checked_at", "-id")


@extend_schema(
    tags=["links"], responses={200: r.LinkCheckHistorySerializer(many=True), **_READ_ERRORS}
)
class LinkChecks(generics.ListAPIView):
    """A link's check history, newest first, as its page shows it: when, the outcome and
    HTTP status, the link's state before and after, whether it counted, time taken,
    redirects, ``Retry-After`` and the error. Reviewers."""

    permission_classes = [permissions.LinkReaders]
    serializer_class = r.LinkCheckHistorySerializer

    pagination_class = CheckedFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LinkCheck.objects.none()
        try:
            link = link_selectors.link_get(user=self.request.user, pk=self.kwargs["pk"])
        except Link.DoesNotExist:
            raise NotFound(_("No such link.")) from None
        return link_selectors.link_checks(user=self.request.user, link=link)
