"""Documents fetched for ingestion: :func:`afetch_document` and :func:`fetch_document`
(same guard, redirects and deadline as link checks; one GET, body capped), and
:func:`afetch_documents` / :func:`fetch_documents` (many, through the link checks'
politeness gate, robots.txt respected: the scheduled re-fetch of articles)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from sources.fetching.config import DEFAULT_DOCUMENT_MAX_BYTES, FetchConfig
from sources.fetching.guard import _refusal_for_unparseable, url_guard_reason
from sources.fetching.pages import detect_bot_wall, detect_soft_404
from sources.fetching.politeness import _HostGate
from sources.fetching.results import FetchedDocument, FetchError, Outcome
from sources.fetching.robots import RobotsCache, RobotsDisallowed
from sources.fetching.session import _retry_after, _run_sync, _Session, _status_outcome, _Stop
from sources.fetching.transport import GuardedAsyncClient, build_async_client
from sources.fetching.urls import InvalidURL, _prepare_url

logger = logging.getLogger("sources.fetching")


async def afetch_document(
    url: str,
    *,
    max_bytes: int = DEFAULT_DOCUMENT_MAX_BYTES,
    config: FetchConfig | None = None,
    detect_soft_404_pages: bool = True,
) -> FetchedDocument:
    """GET a document for ingestion (same guard, redirects and deadline as checks).

    Raises :class:`FetchError` for anything but a 2xx answer with a body of at most
    ``max_bytes`` (decoded) bytes; an HTML challenge page raises ``blocked`` and, unless
    disabled, a soft-404 page raises ``soft_404``.
    """
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")
    config = config or FetchConfig.from_settings()
    async with build_async_client(config, max_connections=4) as client:
        return await _fetch_with_session(
            url,
            client,
            config,
            None,
            max_bytes=max_bytes,
            detect_soft_404_pages=detect_soft_404_pages,
            robots=None,
        )


async def afetch_documents(
    urls: Iterable[str],
    *,
    max_bytes: int = DEFAULT_DOCUMENT_MAX_BYTES,
    config: FetchConfig | None = None,
    per_host_concurrency: int = 2,
    per_host_interval: float = 1.0,
    concurrency: int = 10,
    respect_robots: bool = True,
    detect_soft_404_pages: bool = True,
) -> list[FetchedDocument | FetchError]:
    """Fetch many documents on one guarded client, politely; results in input order.

    The politeness gate is the link checks' (``per_host_concurrency`` requests in flight
    per host, request starts to one host ``per_host_interval`` seconds apart, every
    request and redirect hop counted, robots.txt included). With ``respect_robots`` each
    origin's robots.txt is read once (:mod:`sources.fetching.robots`) and a URL it does not
    allow ends as :class:`RobotsDisallowed`, without a request for the page. Each failure
    is returned as its :class:`FetchError`; nothing is raised for a single URL.
    """
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")
    url_list = list(urls)
    config = config or FetchConfig.from_settings()
    gate = _HostGate(per_host_concurrency, per_host_interval, concurrency)
    robots = RobotsCache() if respect_robots else None

    async def one(client: GuardedAsyncClient, url: str) -> FetchedDocument | FetchError:
        try:
            return await _fetch_with_session(
                url,
                client,
                config,
                gate,
                max_bytes=max_bytes,
                detect_soft_404_pages=detect_soft_404_pages,
                robots=robots,
            )
        except FetchError as exc:
            return exc
        except Exception as exc:
            # One odd response must not take down the batch.
            logger.exception("unexpected error while fetching %s", url)
            return FetchError(Outcome.CONNECTION_ERROR, f"unexpected error: {exc!r}", url=url)

    async with build_async_client(config, max_connections=concurrency + 10) as client:
        return list(await asyncio.gather(*(one(client, u) for u in url_list)))


async def _fetch_with_session(
    url: str,
    client: GuardedAsyncClient,
    config: FetchConfig,
    gate: _HostGate | None,
    *,
    max_bytes: int,
    detect_soft_404_pages: bool,
    robots: RobotsCache | None,
) -> FetchedDocument:
    original = url.strip() if isinstance(url, str) else str(url)
    try:
        start = _prepare_url(original)
    except InvalidURL as exc:
        outcome, message = _refusal_for_unparseable(original, exc)
        raise FetchError(outcome, message, url=original) from None
    reason = url_guard_reason(start, config.allow_hosts)
    if reason:
        raise FetchError(Outcome.UNSAFE, f"refused: {reason}", url=original)
    if robots is not None:
        refusal = await robots.refusal(start, client=client, config=config, gate=gate)
        if refusal:
            raise RobotsDisallowed(refusal, url=original)
    redirects: list[tuple[int, str]] = []
    session = _Session(client, config, gate)
    try:
        async with asyncio.timeout(config.total_timeout) as deadline:
            session.deadline = deadline
            hop = await session.follow(
                "GET",
                start,
                want_body=lambda h: 200 <= h.status < 300 or (h.is_html and h.status in (403, 503)),
                max_decoded=max_bytes,
                max_raw=max_bytes + 65536,
                redirects=redirects,
            )
    except TimeoutError:
        raise FetchError(
            Outcome.TIMEOUT,
            f"fetch exceeded the {config.total_timeout:g}s deadline",
            url=original,
        ) from None
    except _Stop as stop:
        raise FetchError(stop.outcome, stop.message, url=original, status=stop.status) from None
    outcome, error = _status_outcome(hop)
    wall = detect_bot_wall(hop.headers, hop.body if hop.is_html else b"")
    if wall and hop.status != 429:
        raise FetchError(Outcome.BLOCKED, wall, url=original, status=hop.status)
    if outcome is not Outcome.OK:
        raise FetchError(
            outcome, error, url=original, status=hop.status, retry_after=_retry_after(hop)
        )
    if hop.decode_error:
        raise FetchError(Outcome.SERVER_ERROR, hop.decode_error, url=original, status=hop.status)
    if hop.truncated:
        raise FetchError(
            Outcome.TOO_LARGE,
            f"body is larger than {max_bytes} bytes",
            url=original,
            status=hop.status,
        )
    if detect_soft_404_pages and hop.is_html:
        reason = detect_soft_404(
            hop.body, charset=hop.charset, url=str(start), final_url=str(hop.url)
        )
        if reason:
            raise FetchError(Outcome.SOFT_404, reason, url=original, status=hop.status)
    return FetchedDocument(
        url=original,
        final_url=str(hop.url),
        status=hop.status,
        content_type=hop.content_type,
        charset=hop.charset,
        body=hop.body,
        redirects=redirects,
    )


def fetch_document(
    url: str,
    *,
    max_bytes: int = DEFAULT_DOCUMENT_MAX_BYTES,
    config: FetchConfig | None = None,
    detect_soft_404_pages: bool = True,
) -> FetchedDocument:
    """Synchronous :func:`afetch_document`."""
    return _run_sync(
        lambda: afetch_document(
            url,
            max_bytes=max_bytes,
            config=config,
            detect_soft_404_pages=detect_soft_404_pages,
        )
    )


def fetch_documents(
    urls: Iterable[str],
    *,
    max_bytes: int = DEFAULT_DOCUMENT_MAX_BYTES,
    config: FetchConfig | None = None,
    per_host_concurrency: int = 2,
    per_host_interval: float = 1.0,
    concurrency: int = 10,
    respect_robots: bool = True,
) -> list[FetchedDocument | FetchError]:
    """Synchronous :func:`afetch_documents`."""
    url_list = list(urls)
    return _run_sync(
        lambda: afetch_documents(
            url_list,
            max_bytes=max_bytes,
            config=config,
            per_host_concurrency=per_host_concurrency,
            per_host_interval=per_host_interval,
            concurrency=concurrency,
            respect_robots=respect_robots,
        )
    )
