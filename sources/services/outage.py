"""The link checker's own outage: told from dead links, kept in the database, ended by the
first HTTP answer.

When the worker's network or resolver is down, every check fails to reach its host (``dns_error``,
``connection_error``, ``timeout``: ``sources.policy.UNREACHABLE``), and counting those failures
would walk every link toward ``dead``. So:

* **Judging** (:func:`link_checker_outage_judge`, by a batch before it records the checks that
  could not reach their host). Two kinds of evidence, each held to ``policy.looks_like_outage``
  (``FACTCHECK_LINK_OUTAGE_MIN_CHECKS`` checks, ``_SHARE`` of them unreachable, on
  ``_MIN_HOSTS`` hosts): the checks every worker recorded in the last ``_WINDOW_SECONDS``
  (``LinkCheck`` rows, none from before the last outage ended) plus the caller's unrecorded
  ones; or the caller's own batch alone (a worker whose network is down among healthy ones).
  Then it is **confirmed** with hosts known to answer (links whose latest checks got an HTTP
  answer, up to ``_PROBES`` of them, checked now by this worker): if one of them answers, the
  network works and the failures are the links' own (counted as usual; remembered for a
  minute so the next batches do not ask again); if none answers, or none is known, an outage
  is opened.
* **Opening**: one ``LinkCheckerOutage`` row; at most one is open (a partial unique
  constraint), so two workers seeing the same outage open it once.
* **During it**: checks that cannot reach their host are recorded with ``checker_outage`` and
  not counted (``sources.services.recording``); the sweeper sends only probe links
  (:func:`link_checker_outage_probes`); ``/healthz`` says the link checker is degraded.
* **Ending** (:func:`link_checker_outage_end`): the first recorded check with an HTTP answer,
  whatever its status, by any worker (a conditional UPDATE: one of them ends it). The links
  whose checks were not counted, and those that failed to reach their host in the window
  before it was seen, are made due at once, and a sweep is asked for. With nothing left to
  probe and no failure for a window, the sweeper ends it too.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sources import policy as link_policy
from sources import selectors
from sources.fetching import CheckResult, FetchConfig, check_many
from sources.models import Link, LinkCheck, LinkCheckerOutage
from sources.services._common import logger

__all__ = [
    "link_checker_outage_end",
    "link_checker_outage_judge",
    "link_checker_outage_probes",
]

# Known-good hosts answered just now: the failures are real; no need to ask again for a while.
REFUTED_KEY = "sources:link-outage-refuted"
REFUTED_SECONDS = 60
# A known-good host gets this long at most to answer (the batch that asks is on a budget).
CONFIRM_TIMEOUT = 15.0


def _worker_name() -> str:
    return f"{socket.gethostname()} (pid {os.getpid()})"


def _refuted() -> bool:
    try:
        return bool(cache.get(REFUTED_KEY))
    except Exception:  # the cache is down: confirm again, no harm
        return False


def _remember_refuted() -> None:
    try:
        cache.set(REFUTED_KEY, 1, timeout=REFUTED_SECONDS)
    except Exception:
        logger.warning("could not remember that known-good hosts answered", exc_info=True)


def _since(now: datetime, policy: link_policy.OutagePolicy) -> datetime:
    since = now - timedelta(seconds=policy.window_seconds)
    last_end = selectors.link_checker_outage_last_end()
    return max(since, last_end) if last_end is not None else since


def _known_good_answer(
    policy: link_policy.OutagePolicy, config: FetchConfig | None
) -> tuple[bool | None, str]:
    """Whether a host known to answer the checker answers now: ``None`` when none is known."""
    links = selectors.links_answered_recently(limit=policy.probes)
    if not links:
        return None, "no host is known to answer"
    config = config or FetchConfig.from_settings()
    config = dataclasses.replace(config, total_timeout=min(config.total_timeout, CONFIRM_TIMEOUT))
    try:
        results = check_many([link.url for link in links], config=config)
    except Exception as exc:  # never let the confirmation break the batch
        logger.warning("known-good hosts could not be checked: %s: %s", type(exc).__name__, exc)
        return False, "known-good hosts could not be checked"
    for link, result in zip(links, results, strict=True):
        if link_policy.answered(result):
            return True, f"{link.host} answered (HTTP {result.status})"
    hosts = ", ".join(link.host for link in links)
    return False, f"known-good hosts did not answer either ({hosts})"


def _open(now: datetime, evidence: str) -> LinkCheckerOutage | None:
    try:
        with transaction.atomic():
            outage = LinkCheckerOutage.objects.create(
                started_at=now, evidence=evidence[:2000], detected_by=_worker_name()[:255]
            )
    except IntegrityError:  # another worker opened it first
        return selectors.link_checker_outage_open()
    logger.warning(
        "link checker outage: %s; failures to reach hosts are not counted until a check "
        "gets an HTTP answer",
        evidence,
    )
    return outage


def link_checker_outage_judge(
    *,
    pending: Iterable[tuple[str, CheckResult]] = (),
    batch: Iterable[tuple[str, CheckResult]] = (),
    now: datetime | None = None,
    policy: link_policy.OutagePolicy | None = None,
    config: FetchConfig | None = None,
) -> LinkCheckerOutage | None:
    """The checker's outage going on, opened now when the evidence shows one (see the module
    doc); ``None`` when the failures are to be counted.

    ``pending``: ``(host, result)`` pairs the caller has not recorded yet (added to what every
    worker recorded in the window); ``batch``: every result of the caller's batch so far,
    recorded or not (its own evidence). ``config``: the fetch settings known-good hosts are
    checked with.
    """
    outage = selectors.link_checker_outage_open()
    if outage is not None:
        return outage
    pending = list(pending)
    if not any(link_policy.unreachable(result) for _, result in pending):
        return None
    now = now or timezone.now()
    policy = policy or link_policy.OutagePolicy.from_settings()
    shared = selectors.link_checks_evidence(since=_since(now, policy), extra=pending)
    own = link_policy.evidence_of(batch)
    seen = [e for e in (shared, own) if link_policy.looks_like_outage(e, policy)]
    if not seen or _refuted():
        return None
    evidence = seen[0].describe(policy.window_seconds)
    answered, how = _known_good_answer(policy, config)
    if answered:
        _remember_refuted()
        logger.info("%s, but %s: counted as the links' own failures", evidence, how)
        return None
    return _open(now, f"{evidence}; {how}")


def _recheck_soon(outage: LinkCheckerOutage, now: datetime) -> int:
    """Make due now the links whose checks were not counted during ``outage``, and those that
    failed to reach their host in the window before it was seen (counted before anyone could
    tell; one success resets them), unless a check that counted has been made since."""
    policy = link_policy.OutagePolicy.from_settings()
    before = outage.started_at - timedelta(seconds=policy.window_seconds)
    unreachable = [str(outcome) for outcome in link_policy.UNREACHABLE]
    checks = LinkCheck.objects.filter(
        Q(checker_outage=True, checked_at__gte=outage.started_at)
        | Q(outcome__in=unreachable, checked_at__gte=before, checked_at__lt=outage.started_at)
    ).values("link_id")
    return (
        Link.objects.filter(pk__in=checks, next_check_at__gt=now)
        # last_checked_at is the last check that counted (not-counted ones leave it alone).
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=outage.started_at))
        .update(next_check_at=now)
    )


def _sweep_soon_quietly() -> None:
    from sources.services.queueing import links_sweep_soon

    try:
        links_sweep_soon()
    except Exception:  # the cache or broker is away: beat's sweep comes anyway
        logger.warning("could not ask for a sweep after the outage", exc_info=True)


def link_checker_outage_end(
    *,
    reason: str,
    now: datetime | None = None,
    outage: LinkCheckerOutage | None = None,
) -> LinkCheckerOutage | None:
    """End the open outage (``outage``, or whichever is open); returns it if this call ended
    it. Its links are made due again and a sweep is asked for once the transaction commits."""
    now = now or timezone.now()
    outage = outage or selectors.link_checker_outage_open()
    if outage is None:
        return None
    ended = LinkCheckerOutage.objects.filter(pk=outage.pk, is_open=True).update(
        is_open=False, ended_at=now, end_reason=reason[:2000]
    )
    if not ended:  # another worker ended it
        return None
    outage.is_open, outage.ended_at, outage.end_reason = False, now, reason[:2000]
    due = _recheck_soon(outage, now)
    logger.warning(
        "link checker outage over after %s (%s); %d links are due again",
        now - outage.started_at,
        reason,
        due,
    )
    transaction.on_commit(_sweep_soon_quietly, robust=True)
    return outage


def link_checker_outage_probes(
    *, outage: LinkCheckerOutage, now: datetime, lease: timedelta, in_flight: int
) -> list[int]:
    """The links the sweeper sends while ``outage`` lasts: none while links are in flight
    (a probe round ends before the next), else up to ``FACTCHECK_LINK_OUTAGE_PROBES`` of
    different hosts: those known to answer first (made due now: checking them early harms
    nothing), then due ones. With nothing at all to probe and no check unable to reach its
    host for a window, the outage is ended: nothing is left to tell it by."""
    if in_flight > 0:
        return []
    policy = link_policy.OutagePolicy.from_settings()
    known = selectors.links_answered_recently(limit=policy.probes)
    hosts = {link.host for link in known}
    ids = [link.pk for link in known]
    if len(ids) < policy.probes:
        for pk, host in selectors.links_due(
            now=now, lease=lease, per_host=1, limit=policy.probes + len(hosts)
        ):
            if host not in hosts and len(ids) < policy.probes:
                hosts.add(host)
                ids.append(pk)
    if ids:
        Link.objects.filter(pk__in=ids, next_check_at__gt=now).update(next_check_at=now)
        return ids
    quiet_since = now - timedelta(seconds=policy.window_seconds)
    if (
        outage.started_at < quiet_since
        and not LinkCheck.objects.filter(
            checked_at__gte=quiet_since,
            outcome__in=[str(outcome) for outcome in link_policy.UNREACHABLE],
        ).exists()
    ):
        link_checker_outage_end(reason="nothing left to probe", now=now, outage=outage)
    return []
