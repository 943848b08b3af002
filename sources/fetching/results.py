"""What a link check or a document fetch reports: :class:`Outcome`, :class:`CheckResult`,
:class:`FetchedDocument` and :class:`FetchError`.

Outcome vocabulary: besides the outcomes in the project brief this package uses
``client_error`` (4xx other than 401/403/404/410/429/451, e.g. 400 or 405 on GET) and
``too_large`` (only raised by :func:`fetch_document` when the body exceeds the cap).
The initial URL with a scheme other than http(s) is ``invalid_url``; a redirect to one
is ``unsafe``.  ``error`` is empty for ``ok`` results.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class Outcome(enum.StrEnum):
    """What a link check (or a failed document fetch) found."""

    OK = "ok"
    NOT_FOUND = "not_found"  # 404
    GONE = "gone"  # 410
    SERVER_ERROR = "server_error"  # 5xx (and malformed responses)
    CLIENT_ERROR = "client_error"  # other 4xx (400, 405 on GET, ...)
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    BLOCKED = "blocked"  # 401/403/451, bot walls / challenge pages
    RATE_LIMITED = "rate_limited"  # 429
    SOFT_404 = "soft_404"  # a 200 page that is really "not found"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    UNSAFE = "unsafe"  # refused by the SSRF guard
    INVALID_URL = "invalid_url"
    TOO_LARGE = "too_large"  # fetch_document only: body over the cap


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Result of one link check.

    ``redirects`` lists the hops as ``(status, location)`` pairs: the redirect status
    and the absolute URL it pointed to (fragment removed); ``final_url`` is the URL of
    the last response.  ``elapsed_ms`` excludes time spent queueing for politeness.
    """

    url: str
    outcome: Outcome
    status: int | None = None
    final_url: str = ""
    redirects: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    elapsed_ms: int = 0
    error: str = ""
    retry_after: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outcome": str(self.outcome),
            "status": self.status,
            "final_url": self.final_url,
            "redirects": [[status, url] for status, url in self.redirects],
            "elapsed_ms": self.elapsed_ms,
            "error": self.error,
            "retry_after": self.retry_after,
        }


@dataclasses.dataclass(frozen=True)
class FetchedDocument:
    """A document fetched for ingestion.  ``charset`` is the one declared in the
    ``Content-Type`` header (``None`` when absent); ``body`` is decoded from
    gzip/deflate but not from its character set."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    redirects: list[tuple[int, str]] = dataclasses.field(default_factory=list)


class FetchError(Exception):
    """A document could not be fetched; ``outcome`` says why."""

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = Outcome(outcome)
        self.message = message
        self.url = url
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.outcome}: {self.message}"
