"""Request ids: one id per web request, on every log line it causes, in the workers too.

``RequestIdMiddleware`` takes the incoming ``X-Request-ID`` header when it is a safe token
(letters, digits, ``-``, ``_``, ``.``, ``:``; 1 to 128 characters: what a proxy such as nginx's
``$request_id`` or a load balancer sends), else makes a new one; it is returned in the
response's ``X-Request-ID`` header. ``RequestIdFilter`` (on the log handlers, ``LOGGING``)
puts it on every log record as ``request_id`` (``-`` outside a request). Celery jobs enqueued
while it is set carry it in a message header (``before_task_publish``); the worker sets it
for the job's run (``task_prerun``/``task_postrun``), so the job's log lines carry the id of
the request that sent it, and so do the jobs it sends in turn.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished

HEADER = "X-Request-ID"
# The Celery message header carrying it.
TASK_HEADER = "factcheck_request_id"
NONE = "-"
_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_current: ContextVar[str | None] = ContextVar("factcheck_request_id", default=None)


def request_id_current() -> str | None:
    return _current.get()


def request_id_safe(value: str | None) -> str | None:
    """``value`` if it may be used as an id as it is (written to logs and headers), else None."""
    if value and _SAFE.fullmatch(value):
        return value
    return None


def request_id_new() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in ``MIDDLEWARE``: every later middleware's and the view's log lines carry the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_safe(request.headers.get(HEADER)) or request_id_new()
        # Kept until the response is closed (``request_finished``), so Django's own "Not
        # Found" and error lines, written after the middleware returns, carry it too.
        _current.set(request_id)
        request.request_id = request_id
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _request_done(sender=None, **kwargs) -> None:
    _current.set(None)


request_finished.connect(_request_done, dispatch_uid="factcheck.requestid.finished")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current id, or ``-``); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or NONE
        return True


# --- Celery: the id travels in the message and is set while the job runs ---------------------


@before_task_publish.connect(dispatch_uid="factcheck.requestid.publish")
def _task_publish(sender=None, headers=None, **kwargs) -> None:
    request_id = _current.get()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


@task_prerun.connect(dispatch_uid="factcheck.requestid.prerun")
def _task_start(sender=None, task=None, **kwargs) -> None:
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None) if request is not None else None
    if value is None and request is not None:
        value = (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    _current.set(request_id_safe(value))


@task_postrun.connect(dispatch_uid="factcheck.requestid.postrun")
def _task_end(sender=None, **kwargs) -> None:
    _current.set(None)
