"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``,
``status``, ``detail``, a ``code`` and, for bad input, ``errors``: one entry per field
(``pointer`` into the request's JSON, ``field``, ``detail``). Never a stack trace: an
unexpected error is logged and answered 500 with a plain sentence; a database too busy to
answer is a 503 with ``Retry-After``, as for the site's pages."""

from __future__ import annotations

import logging
import math
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.fields import get_error_detail
from rest_framework.response import Response

from factcheck.lib.busy import RETRY_AFTER_SECONDS, is_database_busy

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
NON_FIELD = "non_field_errors"


def problem(
    status: int,
    detail: str,
    *,
    code: str = "",
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> Response:
    """A problem-details answer from a DRF view."""
    body = problem_body(status, detail, code=code, errors=errors)
    return Response(body, status=status, headers=headers, content_type=PROBLEM_JSON)


def problem_body(status: int, detail: str, *, code: str = "", errors=None) -> dict:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    return body


def problem_response(status: int, detail: str, *, code: str = "") -> JsonResponse:
    """A problem-details answer outside DRF (an address under /api/v1/ naming nothing)."""
    return JsonResponse(
        problem_body(status, detail, code=code), status=status, content_type=PROBLEM_JSON
    )


def field_errors(detail, path: tuple[str, ...] = ()) -> list[dict]:
    """DRF's nested error detail as a flat list of ``{pointer, field, detail, code}``."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            step = () if key in {NON_FIELD, "__all__"} else (str(key),)
            out += field_errors(value, path + step)
        return out
    if isinstance(detail, list):
        if detail and all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [_entry(path, item) for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += field_errors(item, (*path, str(index)))
        return out
    return [_entry(path, detail)]


def _entry(path: tuple[str, ...], message) -> dict:
    entry = {
        "pointer": "#/" + "/".join(path) if path else "#",
        "field": ".".join(path) if path else NON_FIELD,
        "detail": str(message),
    }
    code = getattr(message, "code", None)
    if code:
        entry["code"] = code
    return entry


def _first_detail(errors: list[dict]) -> str:
    if len(errors) == 1:
        entry = errors[0]
        where = "" if entry["field"] == NON_FIELD else f"{entry['field']}: "
        return f"{where}{entry['detail']}"
    return _("The request has errors in several fields: see “errors”.")


def exception_handler(exc, context) -> Response:
    """DRF's ``EXCEPTION_HANDLER``: every error of every API view as problem details."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else _("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # DRF's own conversion keeps each message's code (quote_not_found, ...).
        detail = get_error_detail(exc)
        exc = exceptions.ValidationError(
            detail if isinstance(detail, dict) else {NON_FIELD: detail}
        )
    if is_database_busy(exc):
        # As the site's pages (factcheck/lib/busy.py): "busy, try again", never a 500.
        logger.warning("database busy: 503 for an API request (%s)", exc)
        return problem(
            503,
            _("The database is busy: try again in a few seconds."),
            code="busy",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if not isinstance(exc, exceptions.APIException):
        view = context.get("view")
        logger.exception("API error in %s", type(view).__name__ if view else "a view")
        return problem(
            500,
            _("Something went wrong on our side. It was logged; please try again later."),
            code="server_error",
        )
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else 1
        headers["Retry-After"] = str(max(1, wait))
        return problem(
            429,
            ngettext(
                "Too many requests: try again in %(seconds)s second.",
                "Too many requests: try again in %(seconds)s seconds.",
                max(1, wait),
            )
            % {"seconds": max(1, wait)},
            code="throttled",
            headers=headers,
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        return problem(
            exc.status_code, _first_detail(errors), code="invalid", errors=errors, headers=headers
        )
    detail = exc.detail
    text = str(detail) if not isinstance(detail, dict | list) else exc.default_detail
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return problem(exc.status_code, str(text), code=code, headers=headers)
