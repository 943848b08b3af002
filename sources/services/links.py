"""Writes for link health: checks recorded, work claimed and enqueued, overrides, digests.

The ``Link`` row is the outbox. A link is *due* when ``next_check_at`` is empty (never
checked) or past. Two claims keep work from being done twice, both by conditional UPDATEs
and both expiring after ``FACTCHECK_LINK_LEASE_SECONDS``:

* ``queued_at``: set when a batch is handed to the broker (by the sweeper, a new link or
  "check now"); the sweeper skips queued links until the mark expires. If the broker refuses
  the message the mark is taken back and the link stays due, so it is sent again later.
* ``checking_since``: set by the task that checks the link (only if the link is still due
  and nobody else holds a live claim), cleared when the result is recorded. A worker killed
  mid-batch leaves claims that expire; the sweeper then re-enqueues those links, and a task
  redelivered by the broker (``acks_late``) finds them checked or claims them again.

Politeness across workers: the sweeper never sends a host's links while other links of that
host are queued or being checked, and a batch carries all of its links of one host, so one
``acheck_many`` gate governs every request to a host.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from sources import policy as link_policy
from sources.fetching import (
    CheckResult,
    FetchConfig,
    FetchError,
    acheck_many,
    build_async_client,
    fetch_document,
    normalize_url,
)
from sources.models import Link, LinkCheck, LinkState

__all__ = [
    "JobSettings",
    "evidence_at_risk_digest_send",
    "link_archive_lookup",
    "link_check_record",
    "link_check_request",
    "link_check_run",
    "link_checks_prune",
    "link_override_clear",
    "link_override_set",
    "links_claim",
    "links_enqueue",
    "links_enqueue_on_commit",
    "links_mark_due",
    "links_sweep",
    "links_sweep_soon",
]

# The log name predates the package (operators filter on it).
logger = logging.getLogger("sources.services")

OVERRIDE_PERMISSION = "sources.override_link"
# States an editor may assert; "unchecked" is the absence of a check, not a judgement.
OVERRIDE_STATES = [state for state in LinkState.values if state != LinkState.UNCHECKED]
ARCHIVE_LOOKUP_STATES = {LinkState.FAILING, LinkState.DEAD}
ARCHIVE_MAX_BYTES = 65536


@dataclasses.dataclass(frozen=True)
class JobSettings:
    per_host_concurrency: int = 2
    per_host_interval: float = 1.0
    concurrency: int = 50
    batch_size: int = 100
    batch_per_host: int = 10
    max_in_flight: int = 1000
    lease_seconds: int = 600
    soft_time_limit: int = 240
    total_timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> JobSettings:
        s = settings
        return cls(
            per_host_concurrency=max(1, int(s.FACTCHECK_LINK_PER_HOST_CONCURRENCY)),
            per_host_interval=max(0.0, float(s.FACTCHECK_LINK_PER_HOST_INTERVAL)),
            concurrency=max(1, int(s.FACTCHECK_LINK_CONCURRENCY)),
            batch_size=max(1, int(s.FACTCHECK_LINK_BATCH_SIZE)),
            batch_per_host=max(1, int(s.FACTCHECK_LINK_BATCH_PER_HOST)),
            max_in_flight=max(1, int(s.FACTCHECK_LINK_MAX_IN_FLIGHT)),
            lease_seconds=max(1, int(s.FACTCHECK_LINK_LEASE_SECONDS)),
            soft_time_limit=max(1, int(s.FACTCHECK_LINK_TASK_SOFT_TIME_LIMIT)),
            total_timeout=float(s.FACTCHECK_FETCH_TOTAL_TIMEOUT),
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def budget(self) -> float:
        """Seconds a batch may spend checking: most of the soft time limit."""
        return max(1.0, self.soft_time_limit * 0.8)

    def worst_case(self, links: int) -> float:
        """Seconds one host's group of ``links`` takes when every check hangs until the fetch
        deadline, ``per_host_concurrency`` at a time, each with up to two requests spaced by
        the per-host interval."""
        rounds = math.ceil(links / self.per_host_concurrency)
        return rounds * self.total_timeout + 2 * links * self.per_host_interval

    @property
    def per_host_cap(self) -> int:
        """Links of one host per batch, so that even a batch of checks that all hang until
        the fetch deadline (queued ``per_host_concurrency`` at a time, each with up to two
        requests spaced by the interval) ends within :attr:`budget`."""
        cap = min(self.batch_per_host, self.batch_size)
        while cap > 1 and self.worst_case(cap) > self.budget:
            cap -= 1
        return cap


# ------------------------------------------------------------------------ claims


def _due(now: datetime) -> Q:
    return Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)


def _free(now: datetime, lease: timedelta) -> Q:
    """Neither queued nor being checked (or both marks have expired)."""
    return (Q(queued_at__isnull=True) | Q(queued_at__lt=now - lease)) & (
        Q(checking_since__isnull=True) | Q(checking_since__lt=now - lease)
    )


def links_claim(*, link_ids: Iterable[int], now: datetime | None = None) -> list[Link]:
    """Claim due links for checking with one conditional UPDATE; returns those this call got.

    A link already checked (no longer due) or held by a live claim is left alone, so running
    a task twice checks each link once.
    """
    cfg = JobSettings.from_settings()
    now = now or timezone.now()
    ids = list(link_ids)
    claimed = (
        Link.objects.filter(pk__in=ids)
        .filter(_due(now))
        .filter(Q(checking_since__isnull=True) | Q(checking_since__lt=now - cfg.lease))
        .update(checking_since=now, queued_at=None)
    )
    if not claimed:
        return []
    return list(Link.objects.filter(pk__in=ids, checking_since=now).order_by("host", "pk"))


def _release(link_ids: Iterable[int], claimed_at: datetime) -> None:
    """Give back claims without a result: the links stay due and are sent again."""
    Link.objects.filter(pk__in=list(link_ids), checking_since=claimed_at).update(
        checking_since=None
    )


# ------------------------------------------------------------------------ enqueueing


def _pack(rows: Iterable[tuple[int, str]], batch_size: int) -> list[list[int]]:
    """Batches of at most ``batch_size`` links; a host's links are never split."""
    by_host: dict[str, list[int]] = defaultdict(list)
    for pk, host in rows:
        by_host[host].append(pk)
    batches: list[list[int]] = []
    current: list[int] = []
    for pks in by_host.values():
        if current and len(current) + len(pks) > batch_size:
            batches.append(current)
            current = []
        current.extend(pks)
    if current:
        batches.append(current)
    return batches


def _publish(batch: list[int]) -> None:
    from sources.tasks import link_check_batch

    # A short retry: a broker that is down must not hold up a web request for long.
    link_check_batch.apply_async(
        args=[batch],
        retry=True,
        retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
    )


def links_enqueue(
    *,
    link_ids: Iterable[int],
    now: datetime | None = None,
    publish: Callable[[list[int]], None] | None = None,
) -> int:
    """Hand due, unclaimed links to the broker in host-grouped batches; returns how many.

    Each batch is first marked ``queued_at`` (a conditional UPDATE, so two sweepers never
    send the same link twice), then published. If publishing fails the mark is taken back and
    the error logged: the links stay due and the sweeper sends them once the broker is back.
    Never raises for broker errors.
    """
    cfg = JobSettings.from_settings()
    now = now or timezone.now()
    publish = publish or _publish
    rows = list(
        Link.objects.filter(pk__in=list(link_ids))
        .filter(_due(now) & _free(now, cfg.lease))
        .order_by("host", "next_check_at", "pk")
        .values_list("pk", "host")
    )
    sent = 0
    for batch in _pack(rows, cfg.batch_size):
        marked = (
            Link.objects.filter(pk__in=batch).filter(_free(now, cfg.lease)).update(queued_at=now)
        )
        if marked != len(batch):  # a concurrent sweeper took some: send only ours
            batch = list(
                Link.objects.filter(pk__in=batch, queued_at=now).values_list("pk", flat=True)
            )
        if not batch:
            continue
        try:
            publish(batch)
        except Exception as exc:  # the broker is down or refuses: keep the links due
            Link.objects.filter(pk__in=batch, queued_at=now).update(queued_at=None)
            logger.warning(
                "link checks not enqueued (%d links stay due for the sweeper): %s: %s",
                len(batch),
                type(exc).__name__,
                exc,
            )
            continue
        sent += len(batch)
    return sent


def _links_enqueue_quietly(link_ids: list[int]) -> None:
    try:
        links_enqueue(link_ids=link_ids)
    except Exception:  # e.g. the database went away after the commit: the sweeper catches up
        logger.exception("could not enqueue link checks for %d links", len(link_ids))


def links_enqueue_on_commit(*, link_ids: Iterable[int]) -> None:
    """Check these new links soon, once the current transaction commits (unless
    ``FACTCHECK_LINK_CHECK_NEW_LINKS`` is off). Errors are logged, never raised: the rows are
    already the outbox and the sweeper will find them."""
    ids = [pk for pk in link_ids if pk is not None]
    if ids and settings.FACTCHECK_LINK_CHECK_NEW_LINKS:
        transaction.on_commit(partial(_links_enqueue_quietly, ids), robust=True)


def links_mark_due(*, link_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Make links due now (all of them without ``link_ids``): operators' "check everything"."""
    now = now or timezone.now()
    links = Link.objects.all() if link_ids is None else Link.objects.filter(pk__in=list(link_ids))
    return links.update(next_check_at=now)


def links_sweep(*, now: datetime | None = None) -> int:
    """Enqueue due links, at most ``per_host_cap`` per host and never a host that already has
    links in flight, keeping at most ``FACTCHECK_LINK_MAX_IN_FLIGHT`` in flight overall.
    Returns how many links were sent."""
    from sources import selectors

    cfg = JobSettings.from_settings()
    now = now or timezone.now()
    room = cfg.max_in_flight - selectors.links_in_flight_count(now=now, lease=cfg.lease)
    if room <= 0:
        return 0
    rows = selectors.links_due(now=now, lease=cfg.lease, per_host=cfg.per_host_cap, limit=room)
    if not rows:
        return 0
    return links_enqueue(link_ids=[pk for pk, _ in rows], now=now)


SWEEP_SOON_KEY = "sources:links-sweep-soon"


def links_sweep_soon(*, delay: float = 0.0) -> bool:
    """Ask for a sweep now (after a batch ends, so busy hosts get their next batch without
    waiting for beat). At most one such request per few seconds; broker errors are logged."""
    from sources.tasks import links_sweep as sweep_task

    if not cache.add(SWEEP_SOON_KEY, 1, timeout=2):
        return False
    try:
        sweep_task.apply_async(countdown=delay or None, retry=True, retry_policy={"max_retries": 1})
    except Exception as exc:
        logger.warning("could not request a link sweep: %s: %s", type(exc).__name__, exc)
        return False
    return True


# ------------------------------------------------------------------------ checking


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


def _claim_more(host: str, *, limit: int, now: datetime, lease: timedelta) -> list[Link]:
    """Claim up to ``limit`` more due, unclaimed links of ``host`` (oldest first)."""
    candidates = list(
        Link.objects.filter(host=host)
        .filter(_due(now) & _free(now, lease))
        .order_by(F("next_check_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return []
    Link.objects.filter(pk__in=candidates).filter(_due(now) & _free(now, lease)).update(
        checking_since=now, queued_at=None
    )
    return list(Link.objects.filter(pk__in=candidates, checking_since=now).order_by("pk"))


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
    """
    from celery.exceptions import SoftTimeLimitExceeded

    cfg = JobSettings.from_settings()
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
    cap = cfg.per_host_cap
    try:
        while outstanding:
            item = checker.results.get()
            if item is checker.DONE:
                break
            if isinstance(item, BaseException):
                logger.error("link checks stopped: %r", item)
                continue
            outstanding -= 1
            if item and refill and time.monotonic() - started + cfg.worst_case(cap) <= cfg.budget:
                host = links[item[0][0]].host
                more = _claim_more(host, limit=cap, now=timezone.now(), lease=cfg.lease)
                if more:
                    links.update({link.pk: link for link in more})
                    report.claimed += len(more)
                    checker.add([(link.pk, link.url) for link in more], delay=cfg.per_host_interval)
                    outstanding += 1
            for pk, result in item:
                link_check_record(link=links[pk], result=result, rng=rng)
                recorded.add(pk)
                outcome = str(result.outcome)
                report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
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


_URL = URLValidator(schemes=["http", "https"])


def _storable_url(url: str, max_length: int = 2000) -> str:
    if not url or len(url) > max_length:
        return ""
    try:
        _URL(url)
    except ValidationError:
        return ""
    return url


def _same_url(a: str, b: str) -> bool:
    try:
        return normalize_url(a) == normalize_url(b)
    except Exception:
        return a == b


def _at_risk(link: Link) -> bool:
    """Whether evidence resting on this link is at risk: dead (as shown, so an editor's
    override decides), or moved to another site and not confirmed by an editor."""
    if link.effective_state == LinkState.DEAD:
        return True
    return bool(link.moved_to_host) and not link.is_overridden


def link_check_record(
    *,
    link: Link,
    result: CheckResult,
    now: datetime | None = None,
    policy: link_policy.LinkPolicy | None = None,
    rng: random.Random | None = None,
) -> LinkCheck:
    """Store one check of ``link`` and apply the policy to the link, in one transaction.

    Clears the check claim. A state change writes an audit event; turning failing or dead
    looks up an archived copy (when an archive is configured); a change in whether the link's
    evidence is at risk flags (or clears) the published verdicts resting on it.
    """
    now = now or timezone.now()
    policy = policy or link_policy.LinkPolicy.from_settings()
    with transaction.atomic():
        link = Link.objects.select_for_update().get(pk=link.pk)
        before_state, was_at_risk = link.state, _at_risk(link)
        before_moved = link.moved_to_host
        decision = link_policy.decide(
            link_policy.Health.of(link), result, now=now, policy=policy, rng=rng
        )
        final_url = result.final_url if not _same_url(result.final_url, link.url) else ""
        check = LinkCheck(
            link=link,
            checked_at=now,
            outcome=str(result.outcome),
            status=result.status,
            final_url=(result.final_url or "")[:2000],
            redirects=[[status, url] for status, url in result.redirects],
            elapsed_ms=max(0, int(result.elapsed_ms)),
            error=(result.error or "")[:5000],
            retry_after=result.retry_after,
            state_before=before_state,
            state_after=decision.state,
            counted=decision.counted,
        )
        # Fields are validated here; the database itself enforces the check constraints.
        check.full_clean(exclude=["link"], validate_constraints=False)
        check.save()
        link.state = decision.state
        link.consecutive_failures = decision.consecutive_failures
        link.failure_points = decision.failure_points
        link.first_failure_at = decision.first_failure_at
        link.last_counted_failure_at = decision.last_counted_failure_at
        link.next_check_at = decision.next_check_at
        link.moved_to_host = decision.moved_to_host[:255]
        link.last_checked_at = now
        link.last_status = result.status
        link.last_outcome = str(result.outcome)
        link.final_url = _storable_url(final_url)
        link.checking_since = None
        link.queued_at = None
        link.full_clean(
            exclude=["url", "source", "override_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        link.save(
            update_fields=[
                "state",
                "consecutive_failures",
                "failure_points",
                "first_failure_at",
                "last_counted_failure_at",
                "next_check_at",
                "moved_to_host",
                "last_checked_at",
                "last_status",
                "last_outcome",
                "final_url",
                "checking_since",
                "queued_at",
                "updated_at",
            ]
        )
        if before_state != link.state:
            _audit(
                action="sources.link.state_changed",
                link=link,
                actor=None,
                changes={"state": [before_state, link.state]},
                message=f"{result.outcome}"
                + (f" (HTTP {result.status})" if result.status else "")
                + (f": {result.error[:200]}" if result.error else ""),
            )
            if (
                link.state in ARCHIVE_LOOKUP_STATES
                and not link.archive_url
                and settings.FACTCHECK_ARCHIVE_API_URL
            ):
                _enqueue_on_commit("link_archive_lookup", link.pk)
        if _at_risk(link) != was_at_risk:
            _evidence_risk_changed(link, at_risk=not was_at_risk)
        if (before_state, before_moved) != (link.state, link.moved_to_host):
            _reader_pages_changed(link)
    return check


def _reader_pages_changed(link: Link) -> None:
    """Published fact-checks show their evidence links' health: refresh their pages."""
    from claims.services import reader_pages_changed_for_links

    reader_pages_changed_for_links(link_ids=[link.pk])


def _send_task_quietly(name: str, *args) -> None:
    from sources import tasks

    try:
        getattr(tasks, name).apply_async(
            args=list(args), retry=True, retry_policy={"max_retries": 2, "interval_step": 0.2}
        )
    except Exception as exc:
        logger.warning("could not enqueue %s%r: %s: %s", name, args, type(exc).__name__, exc)


def _enqueue_on_commit(name: str, *args) -> None:
    transaction.on_commit(partial(_send_task_quietly, name, *args), robust=True)


# ------------------------------------------------------------------------ audit


def _audit(*, action: str, link: Link, actor, changes: dict, message: str = "", claim=None):
    """Write an audit event in the claims app's log (the desk's one history)."""
    from claims.services.audit import audit_record

    return audit_record(
        actor=actor, action=action, claim=claim, target=link, changes=changes, message=message
    )


def _evidence_risk_changed(link: Link, *, at_risk: bool) -> int:
    """Flag (or clear) the published verdicts whose evidence rests on ``link``: one audit
    event per claim, shown in its history; the flag itself is read live by
    ``sources.selectors.evidence_at_risk``. Returns how many claims were affected."""
    from sources import selectors

    claims = selectors.claims_with_published_evidence_on(link=link)
    why = (
        f"link {link.url} is dead"
        if link.effective_state == LinkState.DEAD
        else f"link {link.url} now leads to another site ({link.moved_to_host})"
    )
    for claim in claims:
        _audit(
            action="sources.evidence.at_risk" if at_risk else "sources.evidence.recovered",
            link=link,
            actor=None,
            claim=claim,
            changes={"link_state": link.effective_state, "moved_to_host": link.moved_to_host},
            message=(
                f"Evidence at risk: {why}."
                + (f" Archived copy: {link.archive_url}" if link.archive_url else "")
                if at_risk
                else f"Evidence no longer at risk: link {link.url} is {link.effective_state}."
            ),
        )
    return len(claims)


# ------------------------------------------------------------------------ editors


def _require_override(user) -> None:
    if user is None or not user.is_authenticated or not user.has_perm(OVERRIDE_PERMISSION):
        raise PermissionDenied("Only editors may override a link's state or request a check.")


def link_override_set(*, link: Link, user, state: str, reason: str) -> Link:
    """An editor asserts the link's state (shown instead of the checker's until cleared)."""
    _require_override(user)
    reason = (reason or "").strip()
    if state not in OVERRIDE_STATES:
        raise ValidationError({"state": "Choose the state to show for this link."})
    if not reason:
        raise ValidationError({"reason": "Say why: the reason is recorded with the override."})
    with transaction.atomic():
        link = Link.objects.select_for_update().get(pk=link.pk)
        was_at_risk = _at_risk(link)
        before = {"override_state": link.override_state, "override_reason": link.override_reason}
        link.override_state = state
        link.override_reason = reason
        link.override_by = user
        link.override_at = timezone.now()
        link.full_clean(exclude=["url", "final_url", "archive_url"], validate_unique=False)
        link.save(
            update_fields=[
                "override_state",
                "override_reason",
                "override_by",
                "override_at",
                "updated_at",
            ]
        )
        _audit(
            action="sources.link.overridden",
            link=link,
            actor=user,
            changes={
                "override_state": [before["override_state"], state],
                "state": link.state,
            },
            message=reason,
        )
        if _at_risk(link) != was_at_risk:
            _evidence_risk_changed(link, at_risk=not was_at_risk)
        _reader_pages_changed(link)
    return link


def link_override_clear(*, link: Link, user, reason: str = "") -> Link:
    """Remove an editor's override: the checker's state is shown again."""
    _require_override(user)
    with transaction.atomic():
        link = Link.objects.select_for_update().get(pk=link.pk)
        if not link.override_state:
            return link
        was_at_risk = _at_risk(link)
        before = link.override_state
        link.override_state = ""
        link.override_reason = ""
        link.override_by = None
        link.override_at = None
        link.save(
            update_fields=[
                "override_state",
                "override_reason",
                "override_by",
                "override_at",
                "updated_at",
            ]
        )
        _audit(
            action="sources.link.override_cleared",
            link=link,
            actor=user,
            changes={"override_state": [before, ""], "state": link.state},
            message=(reason or "").strip(),
        )
        if _at_risk(link) != was_at_risk:
            _evidence_risk_changed(link, at_risk=not was_at_risk)
        _reader_pages_changed(link)
    return link


def link_check_request(*, link: Link, user) -> Link:
    """An editor's "check now": the link is due at once and sent to a worker on commit."""
    _require_override(user)
    now = timezone.now()
    with transaction.atomic():
        Link.objects.filter(pk=link.pk).update(next_check_at=now, updated_at=now)
        link.refresh_from_db()
        _audit(action="sources.link.check_requested", link=link, actor=user, changes={})
        transaction.on_commit(partial(_links_enqueue_quietly, [link.pk]), robust=True)
    return link


# ------------------------------------------------------------------------ archive


def _archive_query_url(api_url: str, url: str) -> str:
    parts = urlsplit(api_url)
    query = f"{parts.query}&" if parts.query else ""
    return parts._replace(query=query + urlencode({"url": url})).geturl()


def link_archive_lookup(*, link_id: int, config: FetchConfig | None = None) -> str:
    """Ask the archive (``FACTCHECK_ARCHIVE_API_URL``, a Wayback-style availability API) for
    the closest snapshot of the link and store its URL. Goes through the guarded fetcher.
    Returns the archive URL ("" when there is none or the archive could not be asked)."""
    api_url = settings.FACTCHECK_ARCHIVE_API_URL
    link = Link.objects.filter(pk=link_id).first()
    if not api_url or link is None:
        return ""
    now = timezone.now()
    snapshot = ""
    try:
        document = fetch_document(
            _archive_query_url(api_url, link.url),
            max_bytes=ARCHIVE_MAX_BYTES,
            config=config,
            detect_soft_404_pages=False,
        )
        data = json.loads(document.body.decode(document.charset or "utf-8", errors="replace"))
        closest = (data.get("archived_snapshots") or {}).get("closest") or {}
        if closest.get("available") in (True, "true") and isinstance(closest.get("url"), str):
            snapshot = _storable_url(closest["url"].strip())
    except FetchError as exc:
        logger.warning("archive look-up for %s failed: %s", link.url, exc)
    except (ValueError, AttributeError) as exc:
        logger.warning("archive look-up for %s: unreadable answer: %s", link.url, exc)
    with transaction.atomic():
        link = Link.objects.select_for_update().get(pk=link_id)
        link.archive_checked_at = now
        fields = ["archive_checked_at", "updated_at"]
        if snapshot:
            link.archive_url = snapshot
            fields.append("archive_url")
        link.save(update_fields=fields)
        if snapshot:
            _audit(
                action="sources.link.archived_copy_found",
                link=link,
                actor=None,
                changes={"archive_url": snapshot},
            )
            _reader_pages_changed(link)
    return snapshot


# ------------------------------------------------------------------------ housekeeping


def link_checks_prune(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete check history older than ``FACTCHECK_LINK_HISTORY_DAYS``, in chunks."""
    now = now or timezone.now()
    days = settings.FACTCHECK_LINK_HISTORY_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        chunk = list(
            LinkCheck.objects.filter(checked_at__lt=cutoff).values_list("pk", flat=True)[:5000]
        )
        if not chunk:
            return deleted
        deleted += LinkCheck.objects.filter(pk__in=chunk).delete()[0]


def _editors():
    User = get_user_model()
    return [
        user
        for user in User.objects.filter(is_active=True).exclude(email="").order_by("pk")
        if user.has_perm(OVERRIDE_PERMISSION)
    ]


def evidence_at_risk_digest_send(*, now: datetime | None = None) -> int:
    """E-mail every editor the list of published verdicts whose evidence is at risk.
    Sends nothing when there is none. Returns the number of messages sent."""
    from sources import selectors

    now = now or timezone.now()
    recipients = _editors()
    if not recipients:
        return 0
    items = selectors.evidence_at_risk(user=recipients[0])
    if not items:
        return 0
    subject = (
        f"[{settings.FACTCHECK_SITE_NAME}] {len(items)} published "
        f"verdict{'s' if len(items) != 1 else ''} with evidence at risk"
    )
    body = render_to_string(
        "sources/evidence_at_risk_digest.txt",
        {"items": items, "now": now, "site_name": settings.FACTCHECK_SITE_NAME},
    )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in recipients]
    return send_mass_mail(messages, fail_silently=False)
