"""Running a batch of link checks: the links are claimed, checked concurrently and politely,
and every result is recorded as the checks finish; links left without a result are released
and stay due.

Checking streams per host (:class:`_Checker`, a thread of its own with its own event loop and
one guarded client): each host's links wait in a queue of their own that
``per_host_concurrency`` slots drain, all through one ``CheckPool`` (one politeness gate for
the batch, so every request to a host is gated together, and one memory of the hosts' HEAD
answers). A host's next link starts as soon as one of its slots is free, never waiting for the
slowest link of a group; while a host still has a few links queued, it asks for more, and the
caller claims its next due links (``refill``, within the batch's time budget) before the queue
runs dry.

The links claimed together for a host form a group: its results reach the caller when the
whole group is done, and are recorded together in one transaction
(``recording.link_checks_record``), in the caller's thread (with its own database
connection) while the checks go on. Results that could not reach their host are held back until
the checker's outage has been judged on them (``sources.services.outage``): after each group,
and at the end of the batch. Once there is an outage they are recorded as not counted, and no
host gets more links.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from sources import policy as link_policy
from sources import selectors
from sources.fetching import CheckPool, CheckResult, FetchConfig, build_async_client
from sources.models import LinkCheckerOutage
from sources.services._common import logger
from sources.services.outage import link_checker_outage_judge
from sources.services.queueing import JobSettings, _claim_more, _release, links_claim
from sources.services.recording import link_checks_record

__all__ = ["link_check_run"]


@dataclasses.dataclass
class RunReport:
    claimed: int = 0
    recorded: int = 0
    released: int = 0
    outcomes: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _Group:
    items: list[tuple[int, str]]
    results: dict[int, CheckResult] = dataclasses.field(default_factory=dict)
    failed: bool = False


class _Stream:
    """One host's queue of links and the state of its slots."""

    def __init__(self) -> None:
        self.waiting: collections.deque[tuple[_Group, int, str]] = collections.deque()
        self.slots = 0  # slot tasks running
        self.in_flight = 0
        self.asking = False  # the caller has been asked for more and has not answered
        self.exhausted = False  # the caller has nothing more for this host
        self.answered = asyncio.Event()


@dataclasses.dataclass(frozen=True)
class _More:
    """A host's queue runs low: the caller may claim more of its links (``unfinished``: links
    of the host queued or being checked)."""

    host: str
    unfinished: int


class _Checker(threading.Thread):
    """Runs a batch's async checks in a thread of its own, streaming each host's links.

    On ``results`` the caller finds, in order: a finished group's ``[(pk, result), ...]`` (in
    the order the group was added), a :class:`_More` request (answer it with :meth:`add`,
    an empty list for "nothing more"), an exception the thread died of, and :attr:`DONE`
    last. The thread ends once the caller has called :meth:`close` and every host is done,
    or at the batch's time budget.
    """

    DONE = object()

    def __init__(self, cfg: JobSettings, config: FetchConfig, *, ask: bool = True):
        super().__init__(name="link-checks", daemon=True)
        self.cfg, self.config, self.ask = cfg, config, ask
        self.results: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._wake: asyncio.Event | None = None
        self._closing = False
        self._initial: list[tuple[str, list[tuple[int, str]]]] = []
        self._streams: dict[str, _Stream] = {}
        # Ask for more while a host has at most this many links queued: the claim is made
        # before its slots run dry, even when the caller is busy recording a group.
        self.low_water = 5 * cfg.per_host_concurrency

    def add(self, host: str, items: list[tuple[int, str]]) -> None:
        """Check these links of ``host`` (a group); an empty list answers a request for more
        with "nothing more"."""
        if self._loop is None:
            self._initial.append((host, items))
        else:
            self._loop.call_soon_threadsafe(self._add, host, items)

    def close(self) -> None:
        """No more hosts will be added: end when the running ones are done."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._set_closing)

    def stop(self) -> None:
        """End now (cancelling what still runs) and wait for the thread."""
        self._ready.wait(timeout=5)
        loop, task = self._loop, self._main_task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop has just finished
                loop.call_soon_threadsafe(task.cancel)
        self.join(timeout=10)

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # reported to the caller, never lost in the thread
            self.results.put(exc)
        finally:
            self._ready.set()
            self.results.put(self.DONE)

    def _set_closing(self) -> None:
        self._closing = True
        assert self._wake is not None
        self._wake.set()

    def _add(self, host: str, items: list[tuple[int, str]]) -> None:
        stream = self._streams.get(host)
        if stream is None:
            stream = self._streams[host] = _Stream()
        if stream.asking:
            stream.asking = False
            stream.answered.set()
        if not items:
            stream.exhausted = True
            return
        group = _Group(items)
        stream.waiting.extend((group, pk, url) for pk, url in items)
        while stream.slots < self.cfg.per_host_concurrency and stream.slots < len(stream.waiting):
            stream.slots += 1
            task = asyncio.ensure_future(self._slot(host, stream))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(lambda _task: self._wake.set())

    def _maybe_ask(self, host: str, stream: _Stream) -> None:
        if (
            self.ask
            and not stream.asking
            and not stream.exhausted
            and len(stream.waiting) <= self.low_water
        ):
            stream.asking = True
            stream.answered.clear()
            self.results.put(_More(host, len(stream.waiting) + stream.in_flight))

    async def _slot(self, host: str, stream: _Stream) -> None:
        try:
            while True:
                if not stream.waiting:
                    if not stream.asking:
                        return
                    await stream.answered.wait()
                    continue
                group, pk, url = stream.waiting.popleft()
                stream.in_flight += 1
                self._maybe_ask(host, stream)
                try:
                    result = await self._pool.check(url)
                except Exception:  # check() reports errors as outcomes: this is a bug
                    logger.exception("a link check of %s failed", url)
                    if not group.failed:  # the caller counts the group as done; released
                        group.failed = True
                        self.results.put([])
                    continue
                finally:
                    stream.in_flight -= 1
                group.results[pk] = result
                if len(group.results) == len(group.items) and not group.failed:
                    self.results.put([(pk, group.results[pk]) for pk, _ in group.items])
        finally:
            stream.slots -= 1

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop, self._main_task = loop, asyncio.current_task()
        self._wake = asyncio.Event()
        cfg = self.cfg
        # Enough connections that no request waits for the pool (that would eat its deadline).
        connections = cfg.concurrency + 10
        deadline = loop.time() + cfg.budget
        async with build_async_client(self.config, max_connections=connections) as client:
            self._pool = CheckPool(
                client,
                config=self.config,
                per_host_concurrency=cfg.per_host_concurrency,
                per_host_interval=cfg.per_host_interval,
                concurrency=cfg.concurrency,
            )
            for host, items in self._initial:
                self._add(host, items)
            self._ready.set()
            try:
                while self._tasks or not self._closing:
                    self._wake.clear()
                    if not self._tasks and self._closing:
                        break
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        logger.warning(
                            "a link batch ran out of time; %d links still being checked",
                            sum(s.in_flight + len(s.waiting) for s in self._streams.values()),
                        )
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=remaining)
            finally:
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)


def link_check_run(
    *,
    link_ids: Iterable[int],
    config: FetchConfig | None = None,
    rng: random.Random | None = None,
    refill: bool = True,
) -> RunReport:
    """Claim these links, check them concurrently and politely, record every result.

    Links this call could not claim are skipped (already checked, or someone else has them).
    Results are recorded group by group as the checks finish, each group in one transaction.
    With ``refill``, a host whose queue runs low and has more due links gets its next ones in
    the same batch (claimed while its last ones are still being checked, so no other worker
    ever takes the host meanwhile and its slots never wait for the claim), as long as what the
    host still has plus a whole group fits in the batch's time budget: hosts stay busy without
    waiting for the sweeper. Links claimed but left without a result (the batch ran out of
    time, or recording failed) are released and stay due.

    Results that could not reach their host wait until the checker's outage has been judged
    on them (after each group, with the whole batch so far as evidence); during an outage they
    are recorded as not counted and hosts get no more links.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    cfg = JobSettings.from_settings()
    outage_policy = link_policy.OutagePolicy.from_settings()
    outage: LinkCheckerOutage | None = selectors.link_checker_outage_open()
    started = time.monotonic()
    claimed_at = timezone.now()
    links = {link.pk: link for link in links_claim(link_ids=link_ids, now=claimed_at)}
    claims = [(claimed_at, list(links))]  # (claim time, links): what to release if unchecked
    report = RunReport(claimed=len(links))
    if not links:
        return report
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for link in links.values():
        groups[link.host].append((link.pk, link.url))
    checker = _Checker(cfg, config or FetchConfig.from_settings(), ask=refill)
    for host, items in groups.items():
        checker.add(host, items)
    checker.start()
    outstanding = len(groups)
    recorded: set[int] = set()
    held: list[tuple[int, CheckResult]] = []  # could not reach their host: not judged yet
    seen: list[tuple[str, CheckResult]] = []  # every result of this batch: its own evidence
    cap = cfg.per_host_cap

    def record(results: list[tuple[int, CheckResult]]) -> None:
        nonlocal outage
        if not results:
            return
        outage = link_checks_record(
            items=[(links[pk], result) for pk, result in results], outage=outage, rng=rng
        )
        recorded.update(pk for pk, _ in results)
        for _, result in results:
            outcome = str(result.outcome)
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1

    def judge(*, final: bool = False) -> None:
        """Judge the outage on the held results; record them once judged (or at the end)."""
        nonlocal outage, held
        if not held:
            outage = selectors.link_checker_outage_open()
            return
        outage = link_checker_outage_judge(
            pending=[(links[pk].host, result) for pk, result in held],
            batch=seen,
            policy=outage_policy,
            config=checker.config,
        )
        if outage is not None or final:
            waiting, held = held, []
            record(waiting)

    def more(request: _More) -> list[tuple[int, str]]:
        """The next due links of a host whose queue runs low, if the budget allows them."""
        if outage is not None:
            return []
        if time.monotonic() - started + cfg.worst_case(request.unfinished + cap) > cfg.budget:
            return []
        now = timezone.now()
        claimed = _claim_more(request.host, limit=cap, now=now, lease=cfg.lease)
        links.update({link.pk: link for link in claimed})
        if claimed:
            claims.append((now, [link.pk for link in claimed]))
        report.claimed += len(claimed)
        return [(link.pk, link.url) for link in claimed]

    buffered: collections.deque = collections.deque()

    def take():
        """The next message; requests for more links first, so no host waits for the
        recording of the groups that came before."""
        if not buffered:
            buffered.append(checker.results.get())
            with contextlib.suppress(queue.Empty):
                while True:
                    buffered.append(checker.results.get_nowait())
            asks = [item for item in buffered if isinstance(item, _More)]
            if asks:
                rest = [item for item in buffered if not isinstance(item, _More)]
                buffered.clear()
                buffered.extend(asks + rest)
        return buffered.popleft()

    try:
        while outstanding:
            item = take()
            if item is checker.DONE:
                break
            if isinstance(item, BaseException):
                logger.error("link checks stopped: %r", item)
                continue
            if isinstance(item, _More):
                items = more(item)
                outstanding += bool(items)
                checker.add(item.host, items)
                continue
            outstanding -= 1
            answered_now: list[tuple[int, CheckResult]] = []
            open_outage = outage
            for pk, result in item:
                seen.append((links[pk].host, result))
                if open_outage is None and link_policy.unreachable(result):
                    held.append((pk, result))
                else:
                    answered_now.append((pk, result))
                    if open_outage is not None and link_policy.answered(result):
                        open_outage = None  # that answer ends it (recorded below)
            record(answered_now)
            judge()
        judge(final=True)
        checker.close()
    except SoftTimeLimitExceeded:
        logger.warning("link batch hit its soft time limit after %d results", len(recorded))
    finally:
        checker.stop()
        pending = [pk for pk in links if pk not in recorded]
        if pending:
            with contextlib.suppress(Exception):  # the database may be what failed
                left = set(pending)
                for at, pks in claims:
                    mine = [pk for pk in pks if pk in left]
                    if mine:
                        _release(mine, at)
        report.recorded, report.released = len(recorded), len(pending)
    return report
