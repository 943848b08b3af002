"""Link-check work handed out: due links claimed for checking, enqueued in host-grouped
batches (by the sweeper, a new link or "check now"), and the job settings that size them.

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

During the checker's own outage (``sources.services.outage``) the sweeper sends only a few
probe links a sweep, and none while links are in flight, until a check gets an HTTP answer.

Politeness across workers: the sweeper never sends a host's links while other links of that
host are queued or being checked, and a batch carries all of its links of one host (and claims
the host's next ones itself), so one gate (the batch's ``CheckPool``) governs every request to
a host.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sources.models import Link
from sources.services._common import logger

__all__ = [
    "JobSettings",
    "links_claim",
    "links_enqueue",
    "links_enqueue_on_commit",
    "links_mark_due",
    "links_sweep",
    "links_sweep_soon",
]


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
    During the checker's own outage only a few probe links are sent, and none while links are
    in flight (``sources.services.outage``). Returns how many links were sent."""
    from sources import selectors
    from sources.services.outage import link_checker_outage_probes

    cfg = JobSettings.from_settings()
    now = now or timezone.now()
    in_flight = selectors.links_in_flight_count(now=now, lease=cfg.lease)
    outage = selectors.link_checker_outage_open()
    if outage is not None:
        probes = link_checker_outage_probes(
            outage=outage, now=now, lease=cfg.lease, in_flight=in_flight
        )
        return links_enqueue(link_ids=probes, now=now) if probes else 0
    room = cfg.max_in_flight - in_flight
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
