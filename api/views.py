"""The API's endpoints: thin, like the site's views. Reads go through the apps' selectors
(the reader site's for published fact-checks, the workbench's for the desk's rows), the
one write through ``claims.services``. Errors are problem details (``api.problems``)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import pagination, permissions, problems
from api import serializers as s
from api.conditional import conditional_response
from api.filters import ClaimFilter, LinkApiFilter, QueueFilterBackend, SourceApiFilter
from claims import selectors as desk
from claims import services as claim_services
from claims.matching import matches_for_text
from claims.models import Article, Claim, IngestJob
from reader import cache as reader_cache
from reader import selectors as public
from reader.claimreview import claim_review
from sources import selectors as link_selectors
from sources.models import Link, LinkState, Source

_PROBLEM = OpenApiResponse(s.ProblemSerializer, description="Problem details (RFC 9457).")
_PUBLIC_ERRORS = {404: _PROBLEM, 429: _PROBLEM}
_STAFF_ERRORS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 429: _PROBLEM}


def _absolute(request: Request, path: str | None) -> str | None:
    return request.build_absolute_uri(path) if path else None


def _rating(level) -> dict:
    return {"label": level.label, "slug": level.slug, "value": level.value, "colour": level.colour}


# ------------------------------------------------------------- published fact-checks (public)


def _fact_check_summary(request: Request, verdict) -> dict:
    claim = verdict.claim
    return {
        "id": claim.pk,
        "claim": verdict.checked_text or claim.text,
        "rating": _rating(verdict.rating),
        "summary": verdict.summary,
        "published_at": verdict.published_at,
        "version": verdict.number,
        "page": _absolute(request, public.claim_path(claim)),
        "detail": _absolute(request, reverse("api:fact-check-detail", kwargs={"pk": claim.pk})),
        "article_title": claim.article.title if claim.article_id else None,
    }


def _fact_check(request: Request, pk: int) -> dict:
    """A published fact-check as its reader page shows it (``reader.selectors``), with the
    page's ClaimReview; raises ``NotFound`` for any claim not published, whoever asks."""
    reader = AnonymousUser()
    try:
        claim = public.claim_public_get(user=reader, pk=pk)
    except Claim.DoesNotExist:
        raise NotFound("No such fact-check.") from None
    context = public.claim_page_context(user=reader, claim=claim)
    verdict = context["verdict"]
    if verdict is None:
        raise NotFound("No such fact-check.")
    claim_url = _absolute(request, public.claim_path(claim))
    article = context["article"]
    data = _fact_check_summary(request, _with_claim(verdict, claim))
    data.update(
        rationale=verdict.rationale,
        first_published_at=context["first_published"],
        article=None
        if article is None
        else {
            "title": article.title,
            "url": article.url or "",
            "page": _absolute(request, public.article_path(article)),
            "publisher": article.publisher.name if article.publisher_id else None,
            "published_at": article.published_at,
        },
        claimant=context["claimant"].name if context["claimant"] else None,
        topics=[topic.name for topic in context["topics"]],
        evidence=[_public_evidence(item) for item in context["evidence_list"]],
        versions=[
            {
                "number": v.number,
                "rating": _rating(v.rating),
                "summary": v.summary,
                "published_at": v.published_at,
                "correction_note": v.correction_note,
            }
            for v in context["verdicts"]
        ],
        claim_review=claim_review(
            claim=claim,
            verdict=verdict,
            first_published=context["first_published"],
            claim_url=claim_url,
            site_url=request.build_absolute_uri("/"),
            bounds=public.scale_bounds(user=reader).get(verdict.rating.scale_id),
            appearances=context["appearances"],
        ),
    )
    return data


def _with_claim(verdict, claim):
    verdict.claim = claim
    return verdict


def _public_evidence(item) -> dict:
    # As the reader page: a link's health is mentioned only once it is confirmed dead.
    dead = item.link.effective_state == LinkState.DEAD
    return {
        "stance": item.stance,
        "url": item.link.url,
        "source": item.source.name if item.source_id else None,
        "quote": item.quote,
        "dead": dead,
        "archived_copy": item.link.archive_url if dead else "",
    }


def _where(request: Request) -> str:
    return f"{request.get_host()}{request.get_full_path()}"


@extend_schema(tags=["fact-checks"], responses={200: s.FactCheckSummarySerializer(many=True)})
class FactCheckList(generics.GenericAPIView):
    """The latest published fact-checks, newest first (the reader site's home page). Public:
    no token needed. Kept per published version like the reader's pages."""

    permission_classes = [AllowAny]
    pagination_class = pagination.PublishedFirst
    serializer_class = s.FactCheckSummarySerializer

    def get_queryset(self):
        return public.fact_check_list(user=AnonymousUser())

    def get(self, request: Request) -> Response:
        def compute() -> dict:
            page = self.paginate_queryset(self.get_queryset())
            rows = [_fact_check_summary(request, verdict) for verdict in page]
            return dict(self.get_paginated_response(rows).data)

        data = reader_cache.memo(reader_cache.LISTS, f"api:fact-checks:{_where(request)}", compute)
        response = Response(data)
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return response


@extend_schema(
    tags=["fact-checks"], responses={200: s.FactCheckSerializer, 304: None, **_PUBLIC_ERRORS}
)
class FactCheckDetail(APIView):
    """One published fact-check: rating, summary, rationale, evidence, versions and
    corrections, and its ClaimReview (JSON-LD). Public. ``ETag``: send ``If-None-Match``."""

    permission_classes = [AllowAny]

    def get(self, request: Request, pk: int) -> Response:
        data = reader_cache.memo(
            reader_cache.claim_scope(pk),
            f"api:fact-check:{pk}:{request.get_host()}",
            lambda: _fact_check(request, pk),
        )
        return conditional_response(request, data, public=True)


# ------------------------------------------------------------------------------- the desk


@extend_schema(tags=["claims"], responses={200: s.ClaimSerializer(many=True), **_STAFF_ERRORS})
class ClaimList(generics.ListAPIView):
    """The reviewer queue: every claim, changed last first, with the queue's filters
    (``q``, ``status``, ``assignee`` = ``mine`` | ``unassigned`` | a user's number,
    ``article``, ``score_min``/``score_max``, ``rating`` = ``unrated`` | a level's number,
    ``link_health``, ``at_risk``, ``created_from``... ``updated_to``). Reviewers."""

    permission_classes = [permissions.Reviewers]
    serializer_class = s.ClaimSerializer
    pagination_class = pagination.UpdatedFirst
    filter_backends = [QueueFilterBackend]
    filterset_class = ClaimFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return desk.claim_queue(user=self.request.user).select_related("assignee", "rating")


@extend_schema(
    tags=["claims"], responses={200: s.ClaimDetailSerializer, 304: None, **_STAFF_ERRORS}
)
class ClaimDetail(APIView):
    """A claim with its evidence and its verdict's versions (drafts too). Reviewers."""

    permission_classes = [permissions.Reviewers]

    def get(self, request: Request, pk: int) -> Response:
        try:
            claim = desk.claim_get(user=request.user, pk=pk)
        except Claim.DoesNotExist:
            raise NotFound("No such claim.") from None
        return conditional_response(request, claim_detail_data(request, claim))


def claim_detail_data(request: Request, claim: Claim) -> dict:
    """The answer of ``GET /claims/<id>/`` (its ETag is what a write's ``If-Match`` names,
    ``api.writes``)."""
    context = desk.claim_page_context(user=request.user, claim=claim)
    claim.evidence_list = context["evidence_list"]
    claim.verdict_list = context["verdicts"]
    claim.public_page_url = _absolute(request, public.public_url(claim))
    return s.ClaimDetailSerializer(claim, context={"request": request}).data


class _ContentLengthLimit:
    """Refuses a body larger than Django accepts for a form (413), before reading it."""

    def refuse_if_too_large(self, request: Request) -> Response | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = s.max_request_bytes()
        if length > limit:
            return problems.problem(
                413,
                f"The request is {length} bytes; the limit is {limit} bytes "
                f"({claim_services.human_size(claim_services.max_ingest_bytes())} of text).",
                code="too_large",
            )
        return None


@extend_schema(tags=["articles"])
class ArticleListCreate(_ContentLengthLimit, generics.ListAPIView):
    """``GET``: the articles, newest first, with their claim counts (reviewers).
    ``POST``: add an article from its text, or from its web address (fetched by a background
    job), as the ingest page does (the ingest permission)."""

    serializer_class = s.ArticleSerializer
    pagination_class = pagination.NewestFirst
    # JSON, or multipart/form-data to send the article as a file.
    parser_classes = [JSONParser, MultiPartParser]

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.Ingesters()]
        return [permissions.Reviewers()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Article.objects.none()
        return desk.article_list(user=self.request.user).select_related("publisher")

    @extend_schema(responses={200: s.ArticleSerializer(many=True), **_STAFF_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.IngestRequestSerializer,
        responses={
            201: s.ArticleDetailSerializer,
            200: OpenApiResponse(s.ArticleDetailSerializer, description="Already ingested."),
            202: s.IngestJobSerializer,
            400: _PROBLEM,
            413: _PROBLEM,
            415: _PROBLEM,
            **_STAFF_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        refused = self.refuse_if_too_large(request)
        if refused is not None:
            return refused
        form = s.IngestRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        text = data.get("text") or ""
        upload = data.get("file")
        url = (data.get("url") or "").strip()
        title, author = data.get("title", ""), data.get("author", "")
        language = data.get("language", "")
        try:
            if upload is not None:
                # Never more than the limit (and one byte to tell that it is over), as the page.
                result = claim_services.article_ingest_submit(
                    file_bytes=upload.read(claim_services.max_ingest_bytes() + 1),
                    filename=upload.name or "",
                    url=url,
                    title=title,
                    author=author,
                    user=request.user,
                    language=language,
                )
            elif not text:
                result = claim_services.article_ingest_url(
                    url=url, title=title, user=request.user, language=language
                )
            else:
                result = claim_services.article_ingest_submit(
                    text=text,
                    text_format=data["text_format"],
                    url=url,
                    title=title,
                    author=author,
                    user=request.user,
                    language=language,
                )
        except claim_services.ArticleURLError as exc:
            return _invalid("url", str(exc))
        except claim_services.IngestError as exc:
            return _invalid("file" if upload is not None else "text" if text else "url", str(exc))
        if isinstance(result, IngestJob):
            job = s.IngestJobSerializer(result, context={"request": request}).data
            # str(): the field gives a Hyperlink (a str subclass), which WSGI servers refuse.
            return Response(
                job, status=status.HTTP_202_ACCEPTED, headers={"Location": str(job["status_url"])}
            )
        article = desk.article_list(user=request.user).get(pk=result.article.pk)
        body = article_detail_data(request, article)
        location = body["detail"]
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(body, status=code, headers={"Location": location})


def _invalid(field: str, message: str) -> Response:
    return problems.problem(
        400,
        f"{field}: {message}",
        code="invalid",
        errors=[{"pointer": f"#/{field}", "field": field, "detail": message, "code": "invalid"}],
    )


def article_get(request: Request, pk: int) -> Article:
    """The article ``pk`` as the user may see it, or 404."""
    try:
        return desk.article_list(user=request.user).select_related("publisher").get(pk=pk)
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None


def article_detail_data(request: Request, article: Article) -> dict:
    article.claims_url = _absolute(request, f"{reverse('api:claim-list')}?article={article.pk}")
    article.public_page_url = _absolute(request, public.public_url(article))
    return s.ArticleDetailSerializer(article, context={"request": request}).data


@extend_schema(
    tags=["articles"], responses={200: s.ArticleDetailSerializer, 304: None, **_STAFF_ERRORS}
)
class ArticleDetail(APIView):
    """An article: its text and details; its claims are ``claims`` (the queue filtered by
    article). Reviewers."""

    permission_classes = [permissions.Reviewers]

    def get(self, request: Request, pk: int) -> Response:
        return conditional_response(request, article_detail_data(request, article_get(request, pk)))


@extend_schema(
    tags=["articles"], responses={200: s.IngestJobSerializer, 304: None, **_STAFF_ERRORS}
)
class IngestJobDetail(APIView):
    """The state of a background ingest (a ``202``'s ``Location``): queued, running, done
    (with the article) or failed (with the reason). The ingest permission."""

    permission_classes = [permissions.Ingesters]

    def get(self, request: Request, pk: int) -> Response:
        try:
            job = desk.ingest_job_get(user=request.user, pk=pk)
        except IngestJob.DoesNotExist:
            raise NotFound("No such ingest job.") from None
        data = s.IngestJobSerializer(job, context={"request": request}).data
        return conditional_response(request, data)


# ------------------------------------------------------------------------- links, sources


@extend_schema(tags=["links"], responses={200: s.LinkSerializer(many=True), **_STAFF_ERRORS})
class LinkList(generics.ListAPIView):
    """Links cited or used as evidence, with their health as shown (``state``: an editor's
    override, else what the checker found) and their last check. Filters as the link
    health page: ``state``, ``host``, ``last_outcome``, ``used_by_published``,
    ``overridden``. Reviewers."""

    permission_classes = [permissions.LinkReaders]
    serializer_class = s.LinkSerializer
    pagination_class = pagination.Cursor
    filterset_class = LinkApiFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Link.objects.none()
        return link_selectors.link_list(user=self.request.user)


@extend_schema(tags=["links"], responses={200: s.LinkDetailSerializer, 304: None, **_STAFF_ERRORS})
class LinkDetail(APIView):
    permission_classes = [permissions.LinkReaders]

    def get(self, request: Request, pk: int) -> Response:
        """A link's health as shown, what the checker found, and its latest check.
        Reviewers."""
        try:
            link = link_selectors.link_get(user=request.user, pk=pk)
        except Link.DoesNotExist:
            raise NotFound("No such link.") from None
        link.last_check = link_selectors.link_checks(user=request.user, link=link).first()
        data = s.LinkDetailSerializer(link, context={"request": request}).data
        return conditional_response(request, data)


@extend_schema(tags=["sources"], responses={200: s.SourceSerializer(many=True), **_STAFF_ERRORS})
class SourceList(generics.ListAPIView):
    """Publishers in the sources registry, by name, with their domains and reliability
    rating. Filters as the sources page: ``q``, ``kind``, ``rating``, ``country``,
    ``health``. Reviewers."""

    permission_classes = [permissions.SourceReaders]
    serializer_class = s.SourceSerializer
    pagination_class = pagination.ByName
    filterset_class = SourceApiFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Source.objects.none()
        return link_selectors.source_list(user=self.request.user).prefetch_related("domains")


@extend_schema(tags=["sources"], responses={200: s.SourceSerializer, 304: None, **_STAFF_ERRORS})
class SourceDetail(APIView):
    permission_classes = [permissions.SourceReaders]

    def get(self, request: Request, pk: int) -> Response:
        """A publisher: its domains, kind, country, language and reliability. Reviewers."""
        try:
            source = link_selectors.source_get(user=request.user, pk=pk)
        except Source.DoesNotExist:
            raise NotFound("No such source.") from None
        data = s.SourceSerializer(source, context={"request": request}).data
        return conditional_response(request, data)


# --------------------------------------------------------------------------- checked before


@extend_schema(
    tags=["checked before"],
    request=s.MatchRequestSerializer,
    responses={200: s.MatchResultSerializer, 400: _PROBLEM, 415: _PROBLEM, **_STAFF_ERRORS},
)
class CheckedBefore(APIView):
    """Has this been checked? The best candidates for a text among the desk's own claims
    (in review, awaiting approval or published) and other organisations' fact-checks, best
    first (the claim page's "Checked before" panel). Reviewers."""

    permission_classes = [permissions.Reviewers]

    def post(self, request: Request) -> Response:
        form = s.MatchRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        kinds = tuple(sorted(form.validated_data.get("kinds") or ())) or ("own", "external")
        candidates = matches_for_text(
            form.validated_data["text"], limit=form.validated_data["limit"], kinds=kinds
        )
        for candidate in candidates:
            candidate.url = _absolute(request, candidate.url)
        return Response(s.MatchResultSerializer({"candidates": candidates}).data)
