"""Running a batch of link checks: the links are claimed, checked concurrently and politely
(each host's links through one ``acheck_many`` gate, on a client of the batch's own in a
thread of its own), and every result is recorded host by host as the checks finish; a host
that is done gets its next due links in the same batch while the time budget allows, and
links left without a result are released and stay due.

Results that could not reach their host are held back until the checker's outage has been
judged on them (``sources.services.outage``): after each host, and at the end of the batch.
Once there is an outage they are recorded as not counted, and no host gets more links.
"""

from __future__ import annotations

import asyncio
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
from sources.fetching import CheckResult, FetchConfig, acheck_many, build_async_client
from sources.models import LinkCheckerOutage
from sources.services._common import logger
from sources.services.outage import link_checker_outage_judge
from sources.services.queueing import JobSettings, _claim_more, _release, links_claim
from sources.services.recording import link_check_record

__all__ = ["link_check_run"]


@dataclasses.dataclass
class RunReport:
    claimed: int = 0
    recorded: int = 0
    released: int = 0
    outcomes: dict[str, int] = dataclasses.field(default_factory=dict)


class _Checker(threading.Thread):
    """Runs a batch's async checks in a thread of its own, on one guarded client.

    Each host's links go to one ``acheck_many`` call (its per-host gate). A host's results
    are put on ``results`` as soon as that host is done, so the caller records them (in its
    own thread, with its own database connection) while other hosts are still being checked,
    and may hand the same host more links with :meth:`add`. The thread ends once the caller
    has called :meth:`close` and every host is done, or at the batch's time budget.
    """

    DONE = object()

    def __init__(self, cfg: JobSettings, config: FetchConfig):
        super().__init__(name="link-checks", daemon=True)
        self.cfg, self.config = cfg, config
        self.results: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._wake: asyncio.Event | None = None
        self._closing = False
        self._initial: list[tuple[list[tuple[int, str]], float]] = []

    def add(self, items: list[tuple[int, str]], *, delay: float = 0.0) -> None:
        """Check these links of one host (after ``delay`` seconds: politeness after the
        same host's previous group)."""
        if self._loop is None:
            self._initial.append((items, delay))
        else:
            self._loop.call_soon_threadsafe(self._spawn, items, delay)

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

    def _spawn(self, items: list[tuple[int, str]], delay: float) -> None:
        task = asyncio.ensure_future(self._one_host(items, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _task: self._wake.set())

    async def _one_host(self, items: list[tuple[int, str]], delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        cfg = self.cfg
        async with self._gate:
            try:
                results = await acheck_many(
                    [url for _, url in items],
                    client=self._client,
                    per_host_concurrency=cfg.per_host_concurrency,
                    per_host_interval=cfg.per_host_interval,
                    concurrency=cfg.per_host_concurrency,
                )
            except Exception:
                logger.exception("a host group of %d link checks failed", len(items))
                self.results.put([])  # the caller counts the group as done; claims released
                return
        self.results.put([(pk, result) for (pk, _), result in zip(items, results, strict=True)])

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop, self._main_task = loop, asyncio.current_task()
        self._wake = asyncio.Event()
        cfg = self.cfg
        hosts_at_once = max(1, cfg.concurrency // cfg.per_host_concurrency)
        self._gate = asyncio.Semaphore(hosts_at_once)
        # Enough connections that no request waits for the pool (that would eat its deadline).
        connections = hosts_at_once * cfg.per_host_concurrency + 10
        deadline = loop.time() + cfg.budget
        async with build_async_client(self.config, max_connections=connections) as client:
            self._client = client
            for items, delay in self._initial:
                self._spawn(items, delay)
            self._ready.set()
            try:
                while self._tasks or not self._closing:
                    self._wake.clear()
                    if not self._tasks and self._closing:
                        break
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        logger.warning(
                            "a link batch ran out of time; %d hosts left", len(self._tasks)
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
    Results are recorded host by host as the checks finish. With ``refill``, a host that is
    done and has more due links gets its next ones in the same batch (claimed *before* the
    finished ones are released, so no other worker ever takes the host meanwhile), as long as
    a whole group still fits in the batch's time budget: hosts stay busy without waiting for
    the sweeper. Links claimed but left without a result (the batch ran out of time, or
    recording failed) are released and stay due.

    Results that could not reach their host wait until the checker's outage has been judged
    on them (after each host, with the whole batch so far as evidence); during an outage they
    are recorded as not counted and hosts get no more links.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    cfg = JobSettings.from_settings()
    outage_policy = link_policy.OutagePolicy.from_settings()
    outage: LinkCheckerOutage | None = selectors.link_checker_outage_open()
    started = time.monotonic()
    claimed_at = timezone.now()
    links = {link.pk: link for link in links_claim(link_ids=link_ids, now=claimed_at)}
    report = RunReport(claimed=len(links))
    if not links:
        return report
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for link in links.values():
        groups[link.host].append((link.pk, link.url))
    checker = _Checker(cfg, config or FetchConfig.from_settings())
    for items in groups.values():
        checker.add(items)
    checker.start()
    outstanding = len(groups)
    recorded: set[int] = set()
    held: list[tuple[int, CheckResult]] = []  # could not reach their host: not judged yet
    seen: list[tuple[str, CheckResult]] = []  # every result of this batch: its own evidence
    cap = cfg.per_host_cap

    def record(pk: int, result: CheckResult) -> None:
        nonlocal outage
        link_check_record(link=links[pk], result=result, rng=rng, outage=outage)
        if outage is not None and link_policy.answered(result):
            outage = None  # that answer ended it
        recorded.add(pk)
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
            for pk, result in waiting:
                record(pk, result)

    try:
        while outstanding:
            item = checker.results.get()
            if item is checker.DONE:
                break
            if isinstance(item, BaseException):
                logger.error("link checks stopped: %r", item)
                continue
            outstanding -= 1
            if (
                item
                and refill
                and outage is None
                and time.monotonic() - started + cfg.worst_case(cap) <= cfg.budget
            ):
                host = links[item[0][0]].host
                more = _claim_more(host, limit=cap, now=timezone.now(), lease=cfg.lease)
                if more:
                    links.update({link.pk: link for link in more})
                    report.claimed += len(more)
                    checker.add([(link.pk, link.url) for link in more], delay=cfg.per_host_interval)
                    outstanding += 1
            for pk, result in item:
                seen.append((links[pk].host, result))
                if outage is None and link_policy.unreachable(result):
                    held.append((pk, result))
                else:
                    record(pk, result)
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
                _release(pending, claimed_at)
        report.recorded, report.released = len(recorded), len(pending)
    return report
