"""The desk's writes through the API: a claim's workflow steps and assignment, its evidence,
its verdict (draft, submit, approve and publish), an article's language. Thin, like the
site's views: each calls the one ``claims.services`` function the site calls, so the same
rules hold (roles, the evidence lock while a verdict awaits approval, four-eyes) and the
same audit events are written.

Versioned writes (``factcheck/lib/versions.py``): every change of an existing object names
the version it was made from, as a ``version`` field in the body or as ``If-Match`` with the
ETag of the object's detail read (a hash of the answer, which carries its version). A stale
``version`` is a 409, an ``If-Match`` naming an older answer a 412, a write with neither a
428, before anything is changed. Adding evidence creates a row and names none."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import permissions, problems
from api import serializers as s
from api import write_serializers as w
from api.conditional import conditional_response, etag_of
from api.views import ArticleDetail as ArticleRead
from api.views import article_detail_data, article_get, claim_detail_data
from claims import selectors as desk
from claims import services as claim_services
from claims.models import Claim, Evidence, Verdict
from claims.services import PUBLISH_PERMISSION, REVIEW_PERMISSION
from claims.services.evidence import EVIDENCE_LOCKED_MESSAGE
from factcheck.lib.versions import ConflictError, VersionMissing

Publishers = permissions.requires(REVIEW_PERMISSION, PUBLISH_PERMISSION)

_PROBLEM = OpenApiResponse(s.ProblemSerializer, description="Problem details (RFC 9457).")
_READ_ERRORS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 429: _PROBLEM}
_WRITE_ERRORS = {
    **_READ_ERRORS,
    400: _PROBLEM,
    409: OpenApiResponse(
        s.ProblemSerializer,
        description="A stale ``version`` (code ``conflict``: someone changed it since), or "
        "evidence locked while the verdict awaits approval (code ``evidence_locked``).",
    ),
    412: OpenApiResponse(
        s.ProblemSerializer,
        description="``If-Match`` names an older answer than the current one "
        "(code ``precondition_failed``): read it again.",
    ),
    415: _PROBLEM,
    428: OpenApiResponse(
        s.ProblemSerializer,
        description="Neither ``version`` nor ``If-Match`` was sent (code ``version_required``).",
    ),
}
_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the object's detail read, instead of ``version`` in the body.",
)


class PreconditionFailed(Exception):
    """``If-Match`` names another answer than the current one."""


class _Precondition:
    """The version a write was made from: the body's ``version``, or the one of the answer
    whose ETag ``If-Match`` names. Raises ``VersionMissing`` (neither) or
    ``PreconditionFailed`` (an ETag of another answer)."""

    def __init__(self, request: Request, body_version: int | None, current):
        """``current``: a callable returning ``(detail answer, its version)`` now."""
        header = (request.headers.get("If-Match") or "").strip()
        self.if_match = bool(header)
        if not header and body_version is None:
            raise VersionMissing("Send the version the change was made from.")
        self.version = body_version
        if header:
            tags = {tag.strip() for tag in header.split(",")}
            data, version = current()
            if "*" in tags or etag_of(data) not in tags:
                raise PreconditionFailed
            if body_version is None:
                self.version = version


def _version_problems(call, *, if_match: bool = False) -> Response | object:
    """Runs a service ``call``; the refusals every write shares as problem details."""
    try:
        return call()
    except ConflictError as exc:
        if if_match:
            return _precondition_failed()
        return problems.problem(
            409,
            _("%(conflict)s Read it again and send its current version.")
            % {"conflict": exc.message},
            code="conflict",
            errors=[
                {
                    "pointer": f"#/{change.field}",
                    "field": change.field,
                    "detail": _("Yours: %(yours)s — saved: %(saved)s")
                    % {"yours": change.yours, "saved": change.theirs},
                    "code": "conflict",
                }
                for change in exc.changes
            ]
            or None,
        )
    except DjangoValidationError as exc:
        code = getattr(exc, "code", None)
        if code == "four_eyes":
            return problems.problem(403, " ".join(exc.messages), code="four_eyes")
        if code == "evidence_locked":
            return problems.problem(409, EVIDENCE_LOCKED_MESSAGE, code="evidence_locked")
        raise
    except PermissionDenied as exc:
        return problems.problem(
            403, str(exc) or _("Your role does not allow this."), code="permission_denied"
        )


def _precondition_failed() -> Response:
    return problems.problem(
        412,
        _("If-Match names an older answer: the object changed since. Read it again."),
        code="precondition_failed",
    )


def _version_required() -> Response:
    return problems.problem(
        428,
        _(
            "Send the version the change was made from: “version” in the body, or If-Match "
            "with the ETag of the object's detail read."
        ),
        code="version_required",
        errors=[
            {
                "pointer": "#/version",
                "field": "version",
                "detail": _("This field is required (or send If-Match)."),
                "code": "required",
            }
        ],
    )


def _precondition(request: Request, body_version, current) -> _Precondition | Response:
    try:
        return _Precondition(request, body_version, current)
    except VersionMissing:
        return _version_required()
    except PreconditionFailed:
        return _precondition_failed()


def _versioned_write(request: Request, form_class, current, call) -> Response | object:
    """What every versioned write does: validate the body with ``form_class``, check the
    version it names (``version`` or If-Match) against ``current``, then run
    ``call(data, version)``. A refusal comes back as the problem ``Response``; otherwise
    the service's result."""
    form = form_class(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    pre = _precondition(request, data.get("version"), current)
    if isinstance(pre, Response):
        return pre
    return _version_problems(lambda: call(data, pre.version), if_match=pre.if_match)


# ------------------------------------------------------------------------------- answers


def _claim(request: Request, pk: int) -> Claim:
    try:
        return desk.claim_get(user=request.user, pk=pk)
    except Claim.DoesNotExist:
        raise NotFound(_("No such claim.")) from None


def _claim_now(request: Request, pk: int):
    def current():
        claim = _claim(request, pk)
        return claim_detail_data(request, claim), claim.version

    return current


def _written(result, body=None, *, location=None) -> Response:
    """The answer to a write run by :func:`_versioned_write` or :func:`_version_problems`:
    its problem when refused; else ``body(result)`` (what a read of the object answers now)
    with its ETag, 201 with ``Location`` when ``location(result, body)`` names a new object;
    204 when there is no body to give."""
    if isinstance(result, Response):
        return result
    if body is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    data = body(result)
    headers = {"ETag": etag_of(data)}
    if location is None:
        return Response(data, headers=headers)
    headers["Location"] = location(result, data)
    return Response(data, status=status.HTTP_201_CREATED, headers=headers)


def _claim_answer(request: Request, pk: int):
    """``body`` for :func:`_written`: the claim as ``GET /claims/<id>/`` answers it."""
    return lambda result: claim_detail_data(request, _claim(request, pk))


def _evidence(request: Request, pk: int) -> Evidence:
    claims = Claim.objects.visible_to(request.user)
    try:
        return (
            Evidence.objects.filter(claim__in=claims)
            .select_related("link", "source", "added_by", "claim")
            .get(pk=pk)
        )
    except Evidence.DoesNotExist:
        raise NotFound(_("No such evidence.")) from None


def _evidence_data(request: Request, evidence: Evidence) -> dict:
    return w.EvidenceDetailSerializer(evidence, context={"request": request}).data


def _open_verdict(claim: Claim) -> Verdict | None:
    return (
        claim.verdicts.filter(state__in=Verdict.OPEN_STATES)
        .select_related("rating", "author", "approver")
        .first()
    )


def _verdict_data(verdict: Verdict) -> dict:
    return w.OpenVerdictSerializer(verdict).data


# ----------------------------------------------------------------------------- the claim


@extend_schema(
    tags=["claims"],
    request=w.ClaimActionSerializer,
    parameters=[_IF_MATCH],
    responses={200: s.ClaimDetailSerializer, **_WRITE_ERRORS},
)
class ClaimActions(APIView):
    """A step of the claim's workflow or its assignment, as on the claim page:
    ``start_review``, ``return_to_review`` (with an optional ``reason``), ``dismiss`` (with
    a ``reason``), ``assign`` (``assignee``: a reviewer's username or null). Names the
    claim's version. Answers the claim as ``GET /claims/<id>/`` does, with its new ETag.
    Reviewers."""

    permission_classes = [permissions.Reviewers]

    def post(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        user = request.user

        def act(data, version):
            action, reason = data["action"], data.get("reason", "")
            if action == "start_review":
                return claim_services.claim_start_review(claim=claim, user=user, version=version)
            if action == "return_to_review":
                return claim_services.claim_return_to_review(
                    claim=claim, user=user, reason=reason, version=version
                )
            if action == "dismiss":
                return claim_services.claim_dismiss(
                    claim=claim, user=user, reason=reason, version=version
                )
            return claim_services.claim_assign(
                claim=claim, assignee=data.get("assignee"), user=user, version=version
            )

        refused = _versioned_write(request, w.ClaimActionSerializer, _claim_now(request, pk), act)
        return _written(refused, _claim_answer(request, pk))


# ------------------------------------------------------------------------------ evidence


class ClaimEvidence(APIView):
    """``GET``: the claim's evidence. ``POST``: add evidence (``url``, ``stance``, ``quote``,
    ``note``) as on the claim page: refused (409) while the verdict awaits approval.
    Reviewers."""

    permission_classes = [permissions.Reviewers]

    @extend_schema(
        tags=["evidence"],
        responses={200: w.EvidenceDetailSerializer(many=True), 304: None, **_READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        rows = (
            claim.evidence.select_related("link", "source", "added_by")
            .order_by("created_at", "pk")
            .all()
        )
        data = [_evidence_data(request, row) for row in rows]
        return conditional_response(request, data)

    @extend_schema(
        tags=["evidence"],
        request=w.EvidenceAddSerializer,
        responses={201: w.EvidenceDetailSerializer, **_WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        form = w.EvidenceAddSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = _version_problems(
            lambda: claim_services.evidence_add(
                claim=claim,
                user=request.user,
                url=data["url"],
                stance=data["stance"],
                quote=data["quote"],
                note=data["note"],
            )
        )
        return _written(
            result,
            lambda added: _evidence_data(request, _evidence(request, added.pk)),
            location=lambda added, body: request.build_absolute_uri(
                reverse("api:evidence-detail", kwargs={"pk": added.pk})
            ),
        )


class EvidenceDetail(APIView):
    """``GET``: a piece of evidence (its ``ETag`` is what ``If-Match`` names). ``PATCH``:
    correct its ``stance``, ``quote`` or ``note`` (the fields sent; its link stays).
    Reviewers; refused (409) once the claim is awaiting approval or published."""

    permission_classes = [permissions.Reviewers]

    @extend_schema(
        tags=["evidence"], responses={200: w.EvidenceDetailSerializer, 304: None, **_READ_ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        return conditional_response(request, _evidence_data(request, _evidence(request, pk)))

    @extend_schema(
        tags=["evidence"],
        request=w.EvidenceEditSerializer,
        parameters=[_IF_MATCH],
        responses={200: w.EvidenceDetailSerializer, **_WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        evidence = _evidence(request, pk)
        result = _versioned_write(
            request,
            w.EvidenceEditSerializer,
            _evidence_now(request, pk),
            lambda data, version: claim_services.evidence_edit(
                evidence=evidence,
                user=request.user,
                stance=data.get("stance", evidence.stance),
                quote=data.get("quote", evidence.quote),
                note=data.get("note", evidence.note),
                version=version,
            ),
        )
        return _written(result, lambda edited: _evidence_data(request, _evidence(request, pk)))


def _evidence_now(request: Request, pk: int):
    def current():
        evidence = _evidence(request, pk)
        return _evidence_data(request, evidence), evidence.version

    return current


@extend_schema(
    tags=["evidence"],
    request=w.EvidenceRemoveSerializer,
    parameters=[_IF_MATCH],
    responses={204: None, **_WRITE_ERRORS},
)
class EvidenceRemove(APIView):
    """Take a piece of evidence off its claim, with a ``reason`` (kept in the audit log with
    what the evidence was). Names the evidence's version. Reviewers; refused (409) once the
    claim is awaiting approval or published."""

    permission_classes = [permissions.Reviewers]

    def post(self, request: Request, pk: int) -> Response:
        evidence = _evidence(request, pk)
        result = _versioned_write(
            request,
            w.EvidenceRemoveSerializer,
            _evidence_now(request, pk),
            lambda data, version: claim_services.evidence_remove(
                evidence=evidence, user=request.user, reason=data["reason"], version=version
            ),
        )
        return _written(result)


# ------------------------------------------------------------------------------- verdict


def _verdict_now(request: Request, pk: int):
    def current():
        verdict = _open_verdict(_claim(request, pk))
        if verdict is None:
            return None, 0
        return _verdict_data(verdict), verdict.version

    return current


class ClaimVerdict(APIView):
    """``GET``: the claim's open verdict version (a draft, or one awaiting approval); 404
    when there is none. ``PUT``: draft it (``version`` 0 when there is none: a claim with
    a published verdict gets a correction, which needs ``correction_note``) or edit the
    draft. Reviewers."""

    permission_classes = [permissions.Reviewers]

    @extend_schema(
        tags=["verdicts"], responses={200: w.OpenVerdictSerializer, 304: None, **_READ_ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        verdict = _open_verdict(_claim(request, pk))
        if verdict is None:
            raise NotFound(_("This claim has no open verdict: PUT one with version 0 to draft it."))
        return conditional_response(request, _verdict_data(verdict))

    @extend_schema(
        tags=["verdicts"],
        request=w.VerdictSaveSerializer,
        parameters=[_IF_MATCH],
        responses={200: w.OpenVerdictSerializer, **_WRITE_ERRORS},
    )
    def put(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        result = _versioned_write(
            request,
            w.VerdictSaveSerializer,
            _verdict_now(request, pk),
            lambda data, version: claim_services.verdict_save(
                claim=claim,
                user=request.user,
                rating=data["rating"],
                summary=data["summary"],
                rationale=data["rationale"],
                correction_note=data["correction_note"],
                version=version,
            ),
        )
        return _written(
            result, lambda saved: _verdict_data(_open_verdict(_claim(request, pk)) or saved)
        )


class _ClaimStep(APIView):
    """A verdict's step that names the claim's version (body or the claim's ETag)."""

    service = None

    def post(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        service = type(self).service
        result = _versioned_write(
            request,
            w.ClaimVersionSerializer,
            _claim_now(request, pk),
            lambda data, version: service(claim=claim, user=request.user, version=version),
        )
        return _written(result, _claim_answer(request, pk))


@extend_schema(
    tags=["verdicts"],
    request=w.VerdictSubmitSerializer,
    parameters=[_IF_MATCH],
    responses={200: s.ClaimDetailSerializer, **_WRITE_ERRORS},
)
class VerdictSubmit(APIView):
    """Submit the draft for approval (``in review -> awaiting approval``): its evidence is
    then locked. Names the claim's version; ``quote_reason`` when a quoted passage was not
    found on its page. Reviewers."""

    permission_classes = [permissions.Reviewers]

    def post(self, request: Request, pk: int) -> Response:
        claim = _claim(request, pk)
        result = _versioned_write(
            request,
            w.VerdictSubmitSerializer,
            _claim_now(request, pk),
            lambda data, version: claim_services.claim_submit_for_approval(
                claim=claim, user=request.user, version=version, quote_reason=data["quote_reason"]
            ),
        )
        return _written(result, _claim_answer(request, pk))


@extend_schema(
    tags=["verdicts"],
    request=w.ClaimVersionSerializer,
    parameters=[_IF_MATCH],
    responses={200: s.ClaimDetailSerializer, **_WRITE_ERRORS},
)
class VerdictPublish(_ClaimStep):
    """Approve the verdict awaiting approval and publish it. Editors; four-eyes: an editor
    who wrote it or changed its content or evidence since the last publication is refused
    (403, code ``four_eyes``). Names the claim's version."""

    permission_classes = [Publishers]
    service = staticmethod(claim_services.claim_publish)


# ------------------------------------------------------------------------------- article


def _article_now(request: Request, pk: int):
    def current():
        article = article_get(request, pk)
        return article_detail_data(request, article), article.version

    return current


class ArticleDetail(ArticleRead):
    """``GET``: an article (its ``ETag`` is what ``If-Match`` names). ``PATCH``: correct its
    ``language`` (audited; what it does to the sentences and claims: ``claims.services.
    languages``). Reviewers."""

    @extend_schema(
        tags=["articles"],
        request=w.ArticleEditSerializer,
        parameters=[_IF_MATCH],
        responses={200: s.ArticleDetailSerializer, **_WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        article = article_get(request, pk)
        result = _versioned_write(
            request,
            w.ArticleEditSerializer,
            _article_now(request, pk),
            lambda data, version: claim_services.article_reader_details_update(
                article=article,
                user=request.user,
                topics=list(article.topics.all()),
                publisher=article.publisher,
                language=data["language"],
                version=version,
            ),
        )
        return _written(
            result, lambda changed: article_detail_data(request, article_get(request, pk))
        )
