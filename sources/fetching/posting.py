"""One JSON ``POST`` through the guard (webhook deliveries): the address is vetted before
the request and at connection time, redirects are never followed (a 3xx is the answer),
the request has the fetcher's timeouts and an overall deadline, and at most ``max_bytes``
of the answer are read."""

from __future__ import annotations

import dataclasses
import time

import anyio
import httpx

from sources.fetching.bodies import _BodyDecodeError, _read_capped
from sources.fetching.config import FetchConfig
from sources.fetching.guard import url_guard_reason
from sources.fetching.results import FetchError, Outcome
from sources.fetching.session import _classify_exception, _run_sync
from sources.fetching.transport import build_async_client

# The receiver's answer is only logged: a short excerpt is plenty.
DEFAULT_POST_MAX_BYTES = 4096


@dataclasses.dataclass(frozen=True)
class PostResult:
    status: int
    elapsed_ms: int
    body: bytes  # at most ``max_bytes`` of the answer


async def apost_json(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int = DEFAULT_POST_MAX_BYTES,
    config: FetchConfig | None = None,
) -> PostResult:
    """POST ``body`` (JSON bytes) to ``url``; :class:`FetchError` when no answer came (a
    refused address, DNS, timeout, connection error). Any HTTP status is a result."""
    config = config or FetchConfig.from_settings()
    reason = url_guard_reason(url, config.allow_hosts)
    if reason:
        raise FetchError(Outcome.UNSAFE, f"refused: {reason}", url=url)
    sent = {"Content-Type": "application/json", "Accept": "*/*", **(headers or {})}
    started = time.monotonic()
    async with build_async_client(config, max_connections=1) as client:
        try:
            with anyio.fail_after(config.total_timeout):
                request = client.build_request("POST", url, content=body, headers=sent)
                response = await client.send(request, stream=True, follow_redirects=False)
                try:
                    answer, _truncated = await _read_capped(response, max_bytes, max_bytes * 4)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise FetchError(
                Outcome.TIMEOUT, f"no answer within {config.total_timeout:g} s", url=url
            ) from None
        except _BodyDecodeError:
            answer = b""
        except (httpx.HTTPError, OSError) as exc:
            stop = _classify_exception(exc)
            raise FetchError(stop.outcome, str(stop), url=url) from None
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return PostResult(status=response.status_code, elapsed_ms=elapsed_ms, body=answer)


def post_json(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int = DEFAULT_POST_MAX_BYTES,
    config: FetchConfig | None = None,
) -> PostResult:
    """Synchronous :func:`apost_json`."""
    return _run_sync(
        lambda: apost_json(url, body, headers=headers, max_bytes=max_bytes, config=config)
    )
