"""Helpers every app's views share: htmx detection, same-site redirects, service errors.

Pagination markup is one partial, ``templates/includes/pagination.html``
(``{% include "includes/pagination.html" with page=page %}``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request (it wants a fragment back, not a redirect)."""
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, default: str) -> str:
    """``next`` from the form (or the query string) if it points into this site, else
    ``default``: another host, a scheme-relative ``//host`` or an ``http:`` link from an
    HTTPS page is refused."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: each field's messages on that field
    when the form has it, the others (and a message without a field) on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
