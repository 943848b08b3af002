"""Politeness: the per-host gate (concurrent requests per host, spacing of the requests
sent to one host, requests in flight overall) and the no-op gate of single fetches."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable


class _HostGate:
    """Per-host concurrency limit and minimum spacing of request starts, plus a global
    limit on requests in flight.

    Acquisition order (host slot, global slot, spacing) means one busy host holds at
    most ``per_host`` global slots.  The spacing is measured between the moments the
    request headers have actually been *sent* (reported through ``httpcore``'s trace
    hook), so DNS and connection set-up time cannot squeeze two arrivals together; the
    per-host turn is held until then, which serialises connection set-up per host.
    """

    def __init__(self, per_host: int, interval: float, concurrency: int) -> None:
        if per_host < 1 or concurrency < 1:
            raise ValueError("concurrency limits must be at least 1")
        if interval < 0:
            raise ValueError("per_host_interval must not be negative")
        self._per_host = per_host
        self._interval = interval
        self._global = asyncio.Semaphore(concurrency)
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[tuple[float, Callable[[], None]]]:
        """Yields ``(seconds waited, mark_sent)``; call ``mark_sent()`` once the request
        is on the wire (it is called on exit in any case)."""
        loop = asyncio.get_running_loop()
        begin = loop.time()
        host = host.lower()
        sem = self._host_sems.setdefault(host, asyncio.Semaphore(self._per_host))
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with sem, self._global:
            await lock.acquire()
            released = False

            def mark_sent() -> None:
                nonlocal released
                if not released:
                    released = True
                    self._next_start[host] = loop.time() + self._interval
                    lock.release()

            try:
                delay = self._next_start.get(host, 0.0) - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                yield loop.time() - begin, mark_sent
            finally:
                mark_sent()


@contextlib.asynccontextmanager
async def _no_gate() -> AsyncIterator[tuple[float, Callable[[], None]]]:
    yield 0.0, lambda: None
