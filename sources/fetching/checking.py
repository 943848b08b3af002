"""Link checks: :func:`acheck_url`, :func:`acheck_many` (concurrently, politely),
:class:`CheckPool` (one URL at a time as work comes in, politely: the worker's streams) and
:func:`check_url`, :func:`check_many` (sync).

HEAD/GET rule used by a check on its own (see :func:`acheck_url`):

1. HEAD the URL (redirects followed hop by hop).
2. A 2xx HEAD answer whose ``Content-Type`` is present and not HTML is final (``ok``).
   A 429 HEAD answer is final (``rate_limited``; we do not hammer a server that asked us
   to slow down).  Network-level failures (DNS, TLS, timeout, refused address, too many
   redirects) are final.
3. Everything else -- any HEAD 4xx/5xx (405, 501, 400, 403, 404, ...), a 2xx HTML page,
   a 2xx without a content type, a broken/odd HEAD response -- is re-checked with a GET
   from the original URL, reading at most ``max_bytes`` of the body.  **The GET answer
   is authoritative**: a HEAD 404 followed by a GET 200 is reported as ``ok``.
4. A 2xx HTML GET answer is examined for bot walls (``blocked``) and soft 404s.

Checks that share a politeness gate (:func:`acheck_many`, a :class:`CheckPool`) also share
what each host has shown about its HEAD answers (:class:`_HeadMemory`, per host, for the
pool's lifetime), and spend fewer requests where HEAD is pointless:

* **GET directly** once a host's last :data:`POINTLESS_HEADS` HEAD answers in a row all
  needed a GET anyway (HTML pages, no content type, 400/403/405/501 and other signs that
  the server mishandles HEAD): for that host, HEAD would only add a request per link.
* **A HEAD 404, 410, 500, 502 or 504 is final** once the host's GETs have confirmed that
  very status :data:`CONFIRMATIONS` times after a HEAD and never contradicted it (a GET that
  answered otherwise after a HEAD with that status withdraws the trust for good). Until
  then (and always for a check on its own) the GET is sent and is authoritative.

The first checks of every host therefore follow the rule above exactly; the politeness
(every request gated) and the SSRF guard (every hop vetted) are the same for both methods.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import httpx

from sources.fetching.config import FetchConfig
from sources.fetching.guard import _refusal_for_unparseable, url_guard_reason
from sources.fetching.pages import detect_bot_wall, detect_soft_404
from sources.fetching.politeness import _HostGate
from sources.fetching.results import CheckResult, Outcome
from sources.fetching.session import (
    _describe,
    _Hop,
    _retry_after,
    _run_sync,
    _Session,
    _status_outcome,
    _Stop,
)
from sources.fetching.transport import GuardedAsyncClient, build_async_client
from sources.fetching.urls import InvalidURL, _prepare_url

# The package's logger, as before the split (log lines keep their logger name).
logger = logging.getLogger("sources.fetching")


# HEAD answers in a row that needed a GET anyway before a host is checked with GET only.
POINTLESS_HEADS = 3
# GETs confirming a HEAD error status before that status is final on HEAD for the host.
CONFIRMATIONS = 2
# HEAD error statuses that may become final once confirmed (503 may be a challenge page
# recognised by its body; 400/403/405/501 suggest HEAD itself is mishandled).
TRUSTABLE_HEAD_STATUSES = frozenset({404, 410, 500, 502, 504})


class _HostHeads:
    __slots__ = ("confirmed", "contradicted", "get_only", "pointless")

    def __init__(self) -> None:
        self.pointless = 0
        self.get_only = False
        self.confirmed: dict[int, int] = {}
        self.contradicted: set[int] = set()


class _HeadMemory:
    """What each host's HEAD answers have been worth, for the checks sharing a gate."""

    def __init__(self) -> None:
        self._hosts: dict[str, _HostHeads] = {}

    def _of(self, host: str) -> _HostHeads:
        return self._hosts.setdefault(host.lower(), _HostHeads())

    def get_only(self, host: str) -> bool:
        return self._of(host).get_only

    def trusts(self, host: str, status: int) -> bool:
        heads = self._of(host)
        return (
            status in TRUSTABLE_HEAD_STATUSES
            and status not in heads.contradicted
            and heads.confirmed.get(status, 0) >= CONFIRMATIONS
        )

    def head_useful(self, host: str) -> None:
        self._of(host).pointless = 0

    def head_pointless(self, host: str) -> None:
        heads = self._of(host)
        heads.pointless += 1
        if heads.pointless >= POINTLESS_HEADS:
            heads.get_only = True

    def compare(self, host: str, head_status: int, get_status: int) -> None:
        heads = self._of(host)
        if head_status not in TRUSTABLE_HEAD_STATUSES:
            return
        if get_status == head_status:
            heads.confirmed[head_status] = heads.confirmed.get(head_status, 0) + 1
        else:
            heads.contradicted.add(head_status)


def _wants_check_body(hop: _Hop) -> bool:
    # Bodies are only needed to look for soft 404s and bot walls.
    return hop.is_html and (200 <= hop.status < 300 or hop.status in (403, 429, 503))


async def _run_check(
    session: _Session, start: httpx.URL, memory: _HeadMemory | None = None
) -> tuple[Outcome, _Hop, list, str]:
    cap = session.config.max_bytes
    head_redirects: list[tuple[int, str]] = []
    note = ""
    host = start.host
    head: _Hop | None = None
    if memory is None or not memory.get_only(host):
        try:
            head = await session.follow(
                "HEAD",
                start,
                want_body=lambda hop: False,
                max_decoded=cap,
                max_raw=cap,
                redirects=head_redirects,
            )
        except _Stop as stop:
            if not stop.retry_with_get:
                raise
            note = f"HEAD failed ({stop.message}); used GET"
        else:
            wall = detect_bot_wall(head.headers)
            if wall and head.status in (403, 429, 503):
                return Outcome.BLOCKED, head, head_redirects, wall
            if 200 <= head.status < 300 and head.content_type and not head.is_html:
                if memory is not None:
                    memory.head_useful(host)
                return Outcome.OK, head, head_redirects, ""
            if head.status == 429:
                return Outcome.RATE_LIMITED, head, head_redirects, "HTTP 429"
            if memory is not None and memory.trusts(host, head.status):
                memory.head_useful(host)
                outcome, error = _status_outcome(head)
                return outcome, head, head_redirects, error
            if memory is not None and head.status not in TRUSTABLE_HEAD_STATUSES:
                memory.head_pointless(host)
            if not 200 <= head.status < 300:
                note = f"HEAD returned {head.status}; used GET"

    get_redirects: list[tuple[int, str]] = []
    hop = await session.follow(
        "GET",
        start,
        want_body=_wants_check_body,
        max_decoded=cap,
        max_raw=cap,
        redirects=get_redirects,
    )
    if memory is not None and head is not None:
        memory.compare(host, head.status, hop.status)
    outcome, error = _status_outcome(hop)
    if hop.status in (403, 429, 503) or 200 <= hop.status < 300:
        wall = detect_bot_wall(hop.headers, hop.body if hop.is_html else b"")
        if wall and hop.status != 429:
            return Outcome.BLOCKED, hop, get_redirects, wall
    if outcome is Outcome.OK and hop.is_html:
        reason = detect_soft_404(
            hop.body, charset=hop.charset, url=str(start), final_url=str(hop.url)
        )
        if reason:
            return Outcome.SOFT_404, hop, get_redirects, reason
    if outcome is not Outcome.OK:
        error = "; ".join(filter(None, [error, note]))
    return outcome, hop, get_redirects, error


async def _check_with_session(
    url: str,
    client: GuardedAsyncClient,
    config: FetchConfig,
    gate: _HostGate | None,
    memory: _HeadMemory | None = None,
) -> CheckResult:
    loop = asyncio.get_running_loop()
    begin = loop.time()
    original = url.strip() if isinstance(url, str) else str(url)
    session = _Session(client, config, gate)

    def result(outcome: Outcome, **fields: Any) -> CheckResult:
        elapsed = max(0.0, loop.time() - begin - session.waited)
        return CheckResult(url=original, outcome=outcome, elapsed_ms=int(elapsed * 1000), **fields)

    try:
        start = _prepare_url(original)
    except InvalidURL as exc:
        outcome, message = _refusal_for_unparseable(original, exc)
        return result(outcome, error=message)
    reason = url_guard_reason(start, config.allow_hosts)
    if reason:
        return result(Outcome.UNSAFE, final_url=str(start), error=f"refused: {reason}")
    try:
        async with asyncio.timeout(config.total_timeout) as deadline:
            session.deadline = deadline
            outcome, hop, redirects, error = await _run_check(session, start, memory)
    except TimeoutError:
        return result(
            Outcome.TIMEOUT,
            final_url=str(session.current_url or start),
            redirects=list(session.chain),
            error=f"check exceeded the {config.total_timeout:g}s deadline",
        )
    except _Stop as stop:
        return result(
            stop.outcome,
            status=stop.status,
            final_url=str(session.current_url or start),
            redirects=list(session.chain),
            error=stop.message,
        )
    except Exception as exc:
        # One odd response must not take down a batch of thousands of checks.
        logger.exception("unexpected error while checking %s", original)
        return result(
            Outcome.CONNECTION_ERROR,
            final_url=str(session.current_url or start),
            redirects=list(session.chain),
            error=f"unexpected error: {_describe(exc)}",
        )
    return result(
        outcome,
        status=hop.status,
        final_url=str(hop.url),
        redirects=redirects,
        error=error,
        retry_after=_retry_after(hop),
    )


def _require_guarded(client: httpx.AsyncClient) -> GuardedAsyncClient:
    if not isinstance(client, GuardedAsyncClient):
        raise TypeError("use a client made by sources.fetching.build_async_client()")
    return client


async def acheck_url(
    url: str,
    *,
    client: GuardedAsyncClient | None = None,
    config: FetchConfig | None = None,
) -> CheckResult:
    """Check one link (HEAD first, GET when needed; see the module docstring).

    Never raises for network or HTTP problems: they are reported in the result.  A
    given ``client`` must come from :func:`build_async_client`; its allow-list governs
    connections, ``config`` (default: the client's) governs everything else.
    """
    if client is not None:
        client = _require_guarded(client)
        config = config or client.fetch_config
        return await _check_with_session(url, client, config, None)
    config = config or FetchConfig.from_settings()
    async with build_async_client(config, max_connections=10) as own:
        return await _check_with_session(url, own, config, None)


async def acheck_many(
    urls: Iterable[str],
    *,
    config: FetchConfig | None = None,
    per_host_concurrency: int = 2,
    per_host_interval: float = 1.0,
    concurrency: int = 50,
    client: GuardedAsyncClient | None = None,
) -> list[CheckResult]:
    """Check many links concurrently, politely; results are in input order.

    At most ``per_host_concurrency`` requests are in flight per host and request
    starts to the same host are at least ``per_host_interval`` seconds apart (this
    covers every request: HEAD, GET and redirect hops).  At most ``concurrency``
    requests are in flight overall.  Hosts are keyed by lower-cased hostname.
    """
    url_list = list(urls)
    politeness = {
        "per_host_concurrency": per_host_concurrency,
        "per_host_interval": per_host_interval,
        "concurrency": concurrency,
    }
    if client is not None:
        pool = CheckPool(_require_guarded(client), config=config, **politeness)
        return list(await asyncio.gather(*(pool.check(u) for u in url_list)))
    config = config or FetchConfig.from_settings()
    async with build_async_client(config, max_connections=concurrency + 10) as own:
        pool = CheckPool(own, config=config, **politeness)
        return list(await asyncio.gather(*(pool.check(u) for u in url_list)))


class CheckPool:
    """Checks URLs one at a time as the caller hands them in, all through one politeness
    gate and one memory of the hosts' HEAD answers (see the module docstring): at most
    ``per_host_concurrency`` requests in flight per host, request starts to one host at
    least ``per_host_interval`` seconds apart, at most ``concurrency`` in flight overall.

    For callers that stream work (the worker's batches: a host's next link starts as soon as
    one of its slots is free) rather than hand over a list. Must be used inside the event
    loop that runs the checks; ``client`` must come from :func:`build_async_client`.
    """

    def __init__(
        self,
        client: GuardedAsyncClient,
        *,
        config: FetchConfig | None = None,
        per_host_concurrency: int = 2,
        per_host_interval: float = 1.0,
        concurrency: int = 50,
    ) -> None:
        self.client = _require_guarded(client)
        self.config = config or self.client.fetch_config
        self._gate = _HostGate(per_host_concurrency, per_host_interval, concurrency)
        self._memory = _HeadMemory()

    async def check(self, url: str) -> CheckResult:
        """Check one link (never raises for network or HTTP problems)."""
        return await _check_with_session(url, self.client, self.config, self._gate, self._memory)


def check_url(url: str, *, config: FetchConfig | None = None) -> CheckResult:
    """Synchronous :func:`acheck_url`."""
    return _run_sync(lambda: acheck_url(url, config=config))


def check_many(urls: Iterable[str], *, config: FetchConfig | None = None) -> list[CheckResult]:
    """Synchronous :func:`acheck_many` (default politeness); results in input order."""
    url_list = list(urls)
    return _run_sync(lambda: acheck_many(url_list, config=config))
