"""Link-health policy: what one check result does to a link's state and when to look again.

Pure functions of (the link's current health, one ``CheckResult``, the time, a random source),
so every rule is a table test away. ``sources.services.link_check_record`` applies the
decision to the database.

The rules (constants are ``FACTCHECK_LINK_*`` settings, read by :meth:`LinkPolicy.from_settings`):

* **Success** (``ok``) resets the failing streak. The link is ``redirected`` when a permanent
  redirect (301/308) took it to another URL, ``alive`` otherwise. When the final URL is on
  another registrable domain than the link (``sources.registry.registrable_domain``), the new
  host is recorded (``moved_to_host``): evidence that moved to another site matters.
  Rechecked after ``RECHECK_ALIVE_HOURS`` (a week).
* **Hard failures** -- ``not_found``, ``gone``, ``soft_404``, ``server_error``,
  ``client_error``, ``timeout``, ``connection_error``, ``dns_error``, ``tls_error``,
  ``too_many_redirects``, ``too_large`` -- make the link ``failing``. A failure *counts*
  toward death only when it comes at least ``FAILURE_SPACING_HOURS`` (3 days) after the
  previous counted failure (the first one always counts). A counted ``not_found``/``gone``
  is worth ``NOT_FOUND_POINTS`` (2) points, any other counted failure 1 point; the link is
  ``dead`` at ``DEAD_POINTS`` (3). So with the defaults: three timeouts/5xx/connection
  errors at least 3 days apart (six days at the least), or two 404/410 answers at least 3
  days apart, or a 404 and any other failure 3 days apart. One bad check never kills a
  link, however bad. Failing links are rechecked sooner than live ones:
  ``RECHECK_FAILING_HOURS`` (1 day) after the first failure, doubling with each further
  failure up to ``RECHECK_FAILING_MAX_HOURS``, but never later than the moment the next
  failure could count. Dead links are still rechecked, every ``RECHECK_DEAD_HOURS``; one
  success brings them back.
* ``blocked`` (401/403/451, bot walls) and ``rate_limited`` (429) are no evidence of death:
  they never add points and never reset them. ``blocked`` shows as ``blocked`` and is
  rechecked after ``RECHECK_BLOCKED_HOURS``; ``rate_limited`` leaves the state as it was and
  schedules the next check after the server's ``Retry-After`` (capped at
  ``RETRY_AFTER_MAX_HOURS``) or ``RATE_LIMITED_DELAY_SECONDS`` without one.
* ``unsafe``/``invalid_url`` (refused by the fetcher's guard) make the link ``unsafe``,
  rechecked only every ``RECHECK_UNSAFE_HOURS``; the failing streak is left as it is.
* Every delay gets a random jitter of +/- ``JITTER`` (a fraction, 0.1 = 10 %) so rechecks
  of links added together spread out; a Retry-After delay is only ever lengthened.
* **The checker's own outage** (:class:`OutagePolicy`, ``FACTCHECK_LINK_OUTAGE_*``): a check
  that could not reach its host (``dns_error``, ``connection_error``, ``timeout``:
  :data:`UNREACHABLE`) says nothing about the link when most checks of the last
  ``WINDOW_SECONDS`` failed that way across many hosts (:func:`looks_like_outage`): the
  worker's network or resolver is down. Such a check is not counted (:func:`decide_not_counted`:
  the link keeps its state and points, and is looked at again after the window). Any HTTP
  answer (:func:`answered`, whatever its status) proves the network works and ends an outage.
  ``sources.services.outage`` keeps the outage's state and confirms it with known-good hosts.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sources.fetching import CheckResult, Outcome
from sources.models import LinkState

NOT_FOUND_OUTCOMES = frozenset({Outcome.NOT_FOUND, Outcome.GONE})
HARD_FAILURES = frozenset(
    {
        Outcome.NOT_FOUND,
        Outcome.GONE,
        Outcome.SOFT_404,
        Outcome.SERVER_ERROR,
        Outcome.CLIENT_ERROR,
        Outcome.TIMEOUT,
        Outcome.CONNECTION_ERROR,
        Outcome.DNS_ERROR,
        Outcome.TLS_ERROR,
        Outcome.TOO_MANY_REDIRECTS,
        Outcome.TOO_LARGE,
    }
)
UNSAFE_OUTCOMES = frozenset({Outcome.UNSAFE, Outcome.INVALID_URL})
# The check never got an answer from the host: no address, no connection (refused,
# unreachable, reset), or no answer in time (a DNS look-up that times out is a timeout too).
# What the checker sees of every host when its own network or resolver is down. TLS errors are
# not here: the host answered the connection.
UNREACHABLE = frozenset({Outcome.DNS_ERROR, Outcome.CONNECTION_ERROR, Outcome.TIMEOUT})
PERMANENT_REDIRECTS = frozenset({301, 308})
HOUR = 3600.0


def _from_settings(cls, prefix: str):
    """A policy whose fields are the settings ``<prefix><FIELD>`` that are set (the others
    keep the field's default)."""
    from django.conf import settings

    return cls(
        **{
            field.name: getattr(settings, f"{prefix}{field.name.upper()}")
            for field in dataclasses.fields(cls)
            if hasattr(settings, f"{prefix}{field.name.upper()}")
        }
    )


@dataclasses.dataclass(frozen=True)
class LinkPolicy:
    dead_points: int = 3
    not_found_points: int = 2
    failure_spacing_hours: float = 72
    recheck_alive_hours: float = 168
    recheck_failing_hours: float = 24
    recheck_failing_max_hours: float = 168
    recheck_dead_hours: float = 720
    recheck_blocked_hours: float = 168
    recheck_unsafe_hours: float = 720
    rate_limited_delay_seconds: float = 3600
    retry_after_max_hours: float = 168
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.dead_points < 1 or self.not_found_points < 1:
            raise ValueError("FACTCHECK_LINK_DEAD_POINTS and _NOT_FOUND_POINTS must be >= 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("FACTCHECK_LINK_JITTER must be a fraction in [0, 1)")

    @classmethod
    def from_settings(cls) -> LinkPolicy:
        return _from_settings(cls, "FACTCHECK_LINK_")


@dataclasses.dataclass(frozen=True)
class OutagePolicy:
    """When failures to reach hosts are the checker's own outage (``FACTCHECK_LINK_OUTAGE_*``)."""

    window_seconds: float = 300
    min_checks: int = 20
    min_hosts: int = 5
    share: float = 0.8
    probes: int = 3

    def __post_init__(self) -> None:
        if self.window_seconds <= 0:
            raise ValueError("FACTCHECK_LINK_OUTAGE_WINDOW_SECONDS must be positive")
        if self.min_checks < 1 or self.min_hosts < 1 or self.probes < 1:
            raise ValueError(
                "FACTCHECK_LINK_OUTAGE_MIN_CHECKS, _MIN_HOSTS and _PROBES must be >= 1"
            )
        if not 0 < self.share <= 1:
            raise ValueError("FACTCHECK_LINK_OUTAGE_SHARE must be a fraction in (0, 1]")

    @classmethod
    def from_settings(cls) -> OutagePolicy:
        return _from_settings(cls, "FACTCHECK_LINK_OUTAGE_")


@dataclasses.dataclass(frozen=True)
class Evidence:
    """Checks seen in a window: how many, how many could not reach their host, and on how
    many distinct hosts those were."""

    checks: int = 0
    unreachable: int = 0
    hosts: int = 0

    def describe(self, window_seconds: float) -> str:
        return (
            f"{self.unreachable} of {self.checks} checks in {window_seconds:g} s could not "
            f"reach their host ({self.hosts} hosts)"
        )


def unreachable(result: CheckResult) -> bool:
    """The check got no answer from the host (see :data:`UNREACHABLE`)."""
    return Outcome(result.outcome) in UNREACHABLE


def answered(result: CheckResult) -> bool:
    """A server sent an HTTP answer (any status): the checker's network works."""
    return result.status is not None


def evidence_of(results) -> Evidence:
    """:class:`Evidence` of ``(host, CheckResult)`` pairs."""
    results = list(results)
    hosts = {host for host, result in results if unreachable(result)}
    return Evidence(
        checks=len(results),
        unreachable=sum(1 for _, result in results if unreachable(result)),
        hosts=len(hosts),
    )


def looks_like_outage(evidence: Evidence, policy: OutagePolicy | None = None) -> bool:
    """Enough checks, most of them unable to reach their host, across enough hosts."""
    policy = policy or OutagePolicy()
    return (
        evidence.checks >= policy.min_checks
        and evidence.hosts >= policy.min_hosts
        and evidence.unreachable >= policy.share * evidence.checks
    )


@dataclasses.dataclass(frozen=True)
class Health:
    """The part of a ``Link`` the policy reads."""

    url: str
    state: str = LinkState.UNCHECKED
    consecutive_failures: int = 0
    failure_points: int = 0
    first_failure_at: datetime | None = None
    last_counted_failure_at: datetime | None = None
    moved_to_host: str = ""

    @classmethod
    def of(cls, link) -> Health:
        return cls(**{f.name: getattr(link, f.name) for f in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class Decision:
    """What to write on the link (and its ``LinkCheck``) after one result."""

    state: str
    consecutive_failures: int
    failure_points: int
    first_failure_at: datetime | None
    last_counted_failure_at: datetime | None
    next_check_at: datetime
    counted: bool = False
    moved_to_host: str = ""

    def changes(self) -> dict:
        return dataclasses.asdict(self)


def _jittered(seconds: float, policy: LinkPolicy, rng: random.Random) -> float:
    if policy.jitter <= 0:
        return seconds
    return seconds * rng.uniform(1 - policy.jitter, 1 + policy.jitter)


def site_of(url: str) -> str:
    """The registrable domain of ``url`` (``www.bbc.co.uk`` -> ``bbc.co.uk``)."""
    from sources.registry import registrable_domain

    try:
        return registrable_domain(url)
    except Exception:  # no host, odd host: compare what there is
        return (urlsplit(url).hostname or "").lower().rstrip(".")


def _same_url(a: str, b: str) -> bool:
    from sources.fetching import InvalidURL, normalize_url

    try:
        return normalize_url(a) == normalize_url(b)
    except InvalidURL:
        return a == b


def decide(
    health: Health,
    result: CheckResult,
    *,
    now: datetime,
    policy: LinkPolicy | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """The link's next state and next check time after ``result`` (see the module doc)."""
    policy = policy or LinkPolicy()
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    outcome = Outcome(result.outcome)
    keep = {
        "state": health.state,
        "consecutive_failures": health.consecutive_failures,
        "failure_points": health.failure_points,
        "first_failure_at": health.first_failure_at,
        "last_counted_failure_at": health.last_counted_failure_at,
        "moved_to_host": health.moved_to_host,
    }

    def after(hours: float) -> datetime:
        return now + timedelta(seconds=_jittered(hours * HOUR, policy, rng))

    if outcome is Outcome.OK:
        final = result.final_url or health.url
        moved = not _same_url(final, health.url)
        permanent = moved and any(status in PERMANENT_REDIRECTS for status, _ in result.redirects)
        original_site, final_site = site_of(health.url), site_of(final)
        moved_host = ""
        if moved and final_site != original_site:
            moved_host = (urlsplit(final).hostname or final_site).lower()
        return Decision(
            state=LinkState.REDIRECTED if permanent else LinkState.ALIVE,
            consecutive_failures=0,
            failure_points=0,
            first_failure_at=None,
            last_counted_failure_at=None,
            next_check_at=after(policy.recheck_alive_hours),
            moved_to_host=moved_host,
        )

    if outcome is Outcome.RATE_LIMITED:
        if result.retry_after is not None:
            wait = min(float(result.retry_after), policy.retry_after_max_hours * HOUR)
            # Honour the server: jitter only ever adds to what it asked for.
            wait += wait * rng.uniform(0, policy.jitter) if policy.jitter else 0
        else:
            wait = _jittered(policy.rate_limited_delay_seconds, policy, rng)
        return Decision(**keep, next_check_at=now + timedelta(seconds=wait))

    if outcome is Outcome.BLOCKED:
        return Decision(
            **{**keep, "state": LinkState.BLOCKED},
            next_check_at=after(policy.recheck_blocked_hours),
        )

    if outcome in UNSAFE_OUTCOMES:
        return Decision(
            **{**keep, "state": LinkState.UNSAFE},
            next_check_at=after(policy.recheck_unsafe_hours),
        )

    # A hard failure.
    spacing = timedelta(hours=policy.failure_spacing_hours)
    last = health.last_counted_failure_at
    counts = last is None or now - last >= spacing
    points = health.failure_points
    if counts:
        points += policy.not_found_points if outcome in NOT_FOUND_OUTCOMES else 1
        last = now
    failures = health.consecutive_failures + 1
    dead = points >= policy.dead_points
    if dead:
        next_check = after(policy.recheck_dead_hours)
    else:
        hours = min(
            policy.recheck_failing_hours * 2 ** (failures - 1), policy.recheck_failing_max_hours
        )
        next_check = after(hours)
        # Look again no later than when the next failure could count (plus a little jitter).
        could_count = last + spacing if last is not None else now
        if next_check > could_count and could_count > now:
            next_check = could_count + timedelta(seconds=abs(_jittered(HOUR, policy, rng) - HOUR))
    return Decision(
        state=LinkState.DEAD if dead else LinkState.FAILING,
        consecutive_failures=failures,
        failure_points=points,
        first_failure_at=health.first_failure_at or now,
        last_counted_failure_at=last,
        next_check_at=next_check,
        counted=counts,
        moved_to_host=health.moved_to_host,
    )


def decide_not_counted(
    health: Health,
    *,
    now: datetime,
    delay_seconds: float,
    policy: LinkPolicy | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """A check that says nothing about the link (made during the checker's own outage): the
    link keeps its state, streak and points, and is looked at again after ``delay_seconds``
    (jittered)."""
    policy = policy or LinkPolicy()
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    return Decision(
        state=health.state,
        consecutive_failures=health.consecutive_failures,
        failure_points=health.failure_points,
        first_failure_at=health.first_failure_at,
        last_counted_failure_at=health.last_counted_failure_at,
        next_check_at=now + timedelta(seconds=_jittered(delay_seconds, policy, rng)),
        counted=False,
        moved_to_host=health.moved_to_host,
    )
