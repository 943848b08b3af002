"""``ETag`` on detail reads: a strong validator of the JSON answer, so a client that sends
``If-None-Match`` with it gets ``304 Not Modified`` (no body) while nothing changed."""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import get_conditional_response
from rest_framework.response import Response


def etag_of(data) -> str:
    text = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


def conditional_response(request, data, *, public: bool = False) -> Response:
    """``data`` with its ``ETag`` (200), or a 304 when the request's ``If-None-Match`` names
    it. Public answers may be kept by shared caches but are revalidated each time; the
    desk's are the client's alone (``private``)."""
    etag = etag_of(data)
    cache_control = "public, max-age=0, must-revalidate" if public else "private, no-cache"
    headers = {"ETag": etag, "Cache-Control": cache_control}
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None and not_modified.status_code == 304:
        return Response(status=304, headers=headers)
    return Response(data, headers=headers)
