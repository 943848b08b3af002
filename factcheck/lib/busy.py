"""A database too busy to answer is "try again", never a 500.

In embedded mode SQLite lets one writer at a time; a writer waits up to the busy timeout
(``DATABASES["default"]["OPTIONS"]["timeout"]``, 20 s) and then gets ``OperationalError:
database is locked``. That is no bug of the page the user asked for: the answer is a short
503 "busy, try again" page with ``Retry-After``. :class:`DatabaseBusyMiddleware` catches it
from views; ``factcheck.views.error_500`` from middleware (a session or log-in write).

A database session lost in the middle of a request (PostgreSQL restarted or failed over, the
session killed by ``pg_terminate_backend``, the server unreachable) is answered the same way:
the request's transaction was rolled back with the session, and Django discards the dead
connection when the request ends, so the next attempt opens a new one
(``tests/reliability/test_database_killed.py``).
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import get_template

__all__ = ["RETRY_AFTER_SECONDS", "DatabaseBusyMiddleware", "busy_response", "is_database_busy"]

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

_BUSY_MESSAGES = (
    "database is locked",  # SQLite: the busy timeout ran out
    "database table is locked",  # SQLite, shared cache
    "database schema is locked",
    "lock timeout",  # PostgreSQL with lock_timeout set
    # The session is gone (psycopg 3 and 2): killed, the server restarted, or unreachable.
    "terminating connection due to administrator command",
    "server closed the connection unexpectedly",
    "the connection is closed",
    "connection already closed",
    "consuming input failed",
    "the connection is lost",
    "could not receive data from server",
    "connection to server at",
)


def is_database_busy(exc: BaseException | None) -> bool:
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    message = str(exc).lower()
    return any(text in message for text in _BUSY_MESSAGES)


def busy_response() -> HttpResponse:
    # No request context: the database is what is busy.
    response = HttpResponse(get_template("503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_busy(exception):
            return None
        logger.warning("database busy: 503 for %s %s (%s)", request.method, request.path, exception)
        return busy_response()
