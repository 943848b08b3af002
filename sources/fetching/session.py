"""The request core shared by link checks and document fetches: one session follows
redirects hop by hop (each vetted by the guard, each through the politeness gate),
reads bodies within the cap and turns errors and statuses into outcomes; plus the bridge
that runs the async API from sync code."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from sources.fetching.bodies import _BodyDecodeError, _read_capped
from sources.fetching.config import FetchConfig
from sources.fetching.guard import url_guard_reason
from sources.fetching.pages import parse_retry_after
from sources.fetching.politeness import _HostGate, _no_gate
from sources.fetching.results import Outcome
from sources.fetching.transport import GuardedAsyncClient, UnsafeAddressError, _DNSError
from sources.fetching.urls import _ALLOWED_SCHEMES


class _Stop(Exception):
    """Ends a check early with an outcome."""

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        *,
        status: int | None = None,
        retry_with_get: bool = False,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.status = status
        self.retry_with_get = retry_with_get


@dataclasses.dataclass
class _Hop:
    status: int
    url: httpx.URL
    headers: httpx.Headers
    body: bytes = b""
    truncated: bool = False
    decode_error: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _disconnected(exc: BaseException) -> bool:
    """A connection closed before any answer (h11's words), as opposed to a garbled one."""
    text = str(exc).lower()
    return "disconnected without" in text or "connection closed" in text or not text


def _classify_exception(exc: BaseException) -> _Stop:
    chain = _exception_chain(exc)
    for item in chain:
        if isinstance(item, UnsafeAddressError):
            return _Stop(Outcome.UNSAFE, str(item))
        if isinstance(item, _DNSError):
            return _Stop(Outcome.DNS_ERROR, str(item))
        if isinstance(item, socket.gaierror):
            return _Stop(Outcome.DNS_ERROR, _describe(item))
    for item in chain:
        if isinstance(item, ssl.SSLError | ssl.CertificateError):
            return _Stop(Outcome.TLS_ERROR, _describe(item))
    if isinstance(exc, httpx.TimeoutException):
        return _Stop(Outcome.TIMEOUT, _describe(exc))
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return _Stop(Outcome.INVALID_URL, _describe(exc))
    if isinstance(exc, httpx.ConnectError):
        return _Stop(Outcome.CONNECTION_ERROR, _describe(exc))
    if isinstance(exc, httpx.RemoteProtocolError) and not _disconnected(exc):
        # The server answered, with something that is not HTTP (a garbled status line or
        # header, a bad length): the host is reachable and broken, as with a 5xx.
        return _Stop(
            Outcome.SERVER_ERROR, f"malformed response: {_describe(exc)}", retry_with_get=True
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return _Stop(Outcome.CONNECTION_ERROR, _describe(exc), retry_with_get=True)
    return _Stop(Outcome.CONNECTION_ERROR, _describe(exc))


class _Session:
    """One check or fetch: a client, a deadline, a cookie jar and an optional gate."""

    def __init__(
        self,
        client: GuardedAsyncClient,
        config: FetchConfig,
        gate: _HostGate | None,
    ) -> None:
        self.client = client
        self.config = config
        self.gate = gate
        self.cookies = httpx.Cookies()
        self.waited = 0.0
        self.deadline: asyncio.Timeout | None = None
        self.current_url: httpx.URL | None = None
        self.chain: list[tuple[int, str]] = []

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        want_body: Callable[[_Hop], bool],
        max_decoded: int,
        max_raw: int,
    ) -> _Hop:
        request = self.client.build_request(method, url)
        self.cookies.set_cookie_header(request)
        gate_cm: contextlib.AbstractAsyncContextManager[tuple[float, Callable[[], None]]]
        gate_cm = self.gate.slot(url.host) if self.gate else _no_gate()
        # The deadline is paused while queueing for politeness and moved by the wait.
        deadline = self.deadline if self.gate else None
        paused = None
        if deadline is not None and not deadline.expired():
            paused = deadline.when()
            deadline.reschedule(None)
        async with gate_cm as (waited, mark_sent):
            self.waited += waited
            if deadline is not None and paused is not None and not deadline.expired():
                deadline.reschedule(paused + waited)

            async def trace(event: str, info: dict[str, Any]) -> None:
                if event.endswith(("send_request_headers.complete", "send_request_headers.failed")):
                    mark_sent()

            request.extensions["trace"] = trace
            response = await self.client.send(request, stream=True)
            mark_sent()
            try:
                self.cookies.extract_cookies(response)
                hop = _Hop(response.status_code, url, response.headers)
                if method != "HEAD" and want_body(hop):
                    try:
                        hop.body, hop.truncated = await _read_capped(response, max_decoded, max_raw)
                    except _BodyDecodeError as exc:
                        hop.decode_error = str(exc)
                return hop
            finally:
                await response.aclose()

    async def follow(
        self,
        method: str,
        start: httpx.URL,
        *,
        want_body: Callable[[_Hop], bool],
        max_decoded: int,
        max_raw: int,
        redirects: list[tuple[int, str]],
    ) -> _Hop:
        """Request ``start``, following redirects hop by hop (each vetted)."""
        url = start
        self.chain = redirects
        while True:
            self.current_url = url
            reason = url_guard_reason(url, self.config.allow_hosts)
            if reason:
                raise _Stop(Outcome.UNSAFE, f"refused {url}: {reason}")
            try:
                hop = await self._send(method, url, want_body, max_decoded, max_raw)
            except httpx.HTTPError as exc:
                raise _classify_exception(exc) from None
            location = hop.headers.get("location")
            if not (300 <= hop.status < 400 and hop.status != 304 and location):
                return hop
            try:
                target = url.join(location.strip()).copy_with(fragment=None)
            except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
                raise _Stop(
                    Outcome.INVALID_URL, f"bad redirect location {location!r}: {exc}"
                ) from None
            redirects.append((hop.status, str(target)))
            if target.scheme not in _ALLOWED_SCHEMES:
                raise _Stop(Outcome.UNSAFE, f"redirect to non-http(s) URL {target}")
            if len(redirects) > self.config.max_redirects:
                raise _Stop(
                    Outcome.TOO_MANY_REDIRECTS,
                    f"more than {self.config.max_redirects} redirects",
                    status=hop.status,
                )
            url = target


def _status_outcome(hop: _Hop) -> tuple[Outcome, str]:
    status = hop.status
    if 200 <= status < 300:
        return Outcome.OK, ""
    if status == 404:
        return Outcome.NOT_FOUND, "HTTP 404"
    if status == 410:
        return Outcome.GONE, "HTTP 410"
    if status == 429:
        return Outcome.RATE_LIMITED, "HTTP 429"
    if status in (401, 403, 451):
        return Outcome.BLOCKED, f"HTTP {status}"
    if 400 <= status < 500:
        return Outcome.CLIENT_ERROR, f"HTTP {status}"
    if 300 <= status < 400:
        return Outcome.SERVER_ERROR, f"HTTP {status} without a usable Location"
    return Outcome.SERVER_ERROR, f"HTTP {status}"


def _retry_after(hop: _Hop) -> float | None:
    if hop.status in (429, 503):
        return parse_retry_after(hop.headers.get("retry-after"))
    return None


def _run_sync[T](factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from sync code, also when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_as_coroutine(factory))
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(_as_coroutine(factory))
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="factcheck-fetch", daemon=True)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _as_coroutine[T](factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()
