"""robots.txt for fetches made on a schedule (articles re-fetched to catch stealth edits):
:class:`RobotsCache` fetches each origin's ``/robots.txt`` once per batch, through the same
guarded session and politeness gate as the fetch it precedes, and answers whether a URL may
be fetched under the fetcher's User-Agent (:class:`RobotsDisallowed` when not).

Interpretation (RFC 9309): a 2xx answer is parsed (at most :data:`ROBOTS_MAX_BYTES`); any
other 4xx (the file does not exist, or is not for us to read) allows everything; a 429 or a
5xx means the rules are unknown, so nothing is fetched this time (the caller tries again
later); a host that cannot be reached (or that the guard refuses) fails the fetch with that
outcome, without asking for the page. Redirects are followed as for any fetch. Only the
start URL's origin is consulted, not the origins of its redirect hops.

Link checks do not consult robots.txt: a check is one request for a page a person cited,
not crawling. Pages fetched once because a reviewer asked (ingest by URL) do not either.
"""

from __future__ import annotations

import asyncio
import urllib.robotparser

import httpx

from sources.fetching.config import FetchConfig
from sources.fetching.politeness import _HostGate
from sources.fetching.results import FetchError, Outcome
from sources.fetching.session import _Session, _Stop
from sources.fetching.transport import GuardedAsyncClient

# Google reads the first 500 KiB of a robots.txt; rules after it are ignored.
ROBOTS_MAX_BYTES = 500 * 1024


class RobotsDisallowed(FetchError):
    """The site's robots.txt does not let the fetcher's User-Agent fetch the URL (or could
    not be read: then nothing is fetched this time). Its ``outcome`` is ``blocked``."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(Outcome.BLOCKED, message, url=url, status=status)


class _Rules:
    def __init__(
        self,
        *,
        parser: urllib.robotparser.RobotFileParser | None = None,
        refusal: str = "",
        failure: FetchError | None = None,
    ) -> None:
        self.parser = parser
        self.refusal = refusal  # non-empty: nothing may be fetched (robots.txt unreadable)
        self.failure = failure  # the host could not be reached: the page's fetch fails alike

    def refusal_for(self, url: str, user_agent: str) -> str:
        if self.failure is not None:
            failure = self.failure
            raise FetchError(failure.outcome, failure.message, url=url, status=failure.status)
        if self.refusal:
            return self.refusal
        if self.parser is not None and not self.parser.can_fetch(user_agent, url):
            return "disallowed by robots.txt"
        return ""


def _origin(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.raw_host.decode('ascii')}{port}"


class RobotsCache:
    """The robots.txt rules of the origins one batch fetches from, each read once."""

    def __init__(self) -> None:
        self._rules: dict[str, _Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def refusal(
        self,
        url: httpx.URL,
        *,
        client: GuardedAsyncClient,
        config: FetchConfig,
        gate: _HostGate | None,
    ) -> str:
        """Why ``url`` may not be fetched (``""``: it may). Raises :class:`FetchError` when
        robots.txt could not be asked for (the guard refused the address, the host could not
        be reached, the deadline passed): the page's request would fail alike."""
        origin = _origin(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self._rules.get(origin)
            if rules is None:
                rules = self._rules[origin] = await _read_rules(origin, client, config, gate)
        return rules.refusal_for(str(url), config.user_agent)


async def _read_rules(
    origin: str, client: GuardedAsyncClient, config: FetchConfig, gate: _HostGate | None
) -> _Rules:
    robots_url = httpx.URL(f"{origin}/robots.txt")
    session = _Session(client, config, gate)
    try:
        async with asyncio.timeout(config.total_timeout) as deadline:
            session.deadline = deadline
            hop = await session.follow(
                "GET",
                robots_url,
                want_body=lambda h: 200 <= h.status < 300,
                max_decoded=ROBOTS_MAX_BYTES,
                max_raw=ROBOTS_MAX_BYTES + 65536,
                redirects=[],
            )
    except TimeoutError:
        message = f"robots.txt took longer than the {config.total_timeout:g}s deadline"
        return _Rules(failure=FetchError(Outcome.TIMEOUT, message))
    except _Stop as stop:
        # Refused by the guard, or the host could not be reached: the page could not be
        # either; the fetch fails with that outcome (tried again on the next interval).
        return _Rules(failure=FetchError(stop.outcome, stop.message, status=stop.status))
    if 200 <= hop.status < 300 and not hop.decode_error:
        parser = urllib.robotparser.RobotFileParser(str(robots_url))
        parser.parse(hop.body.decode("utf-8", errors="replace").splitlines())
        return _Rules(parser=parser)
    if 400 <= hop.status < 500 and hop.status != 429:
        return _Rules()  # no robots.txt (or not ours to read): everything is allowed
    return _Rules(
        refusal=f"robots.txt could not be read (HTTP {hop.status}); not fetched this time"
    )
