"""Recording one check of a link: the result is stored as a ``LinkCheck`` and the policy
(``sources.policy``) applied to the link in one transaction, the check claim cleared; a state
change is audited and, when the link turns failing or dead, an archived copy is looked up;
a change of the link's health as shown is told to the apps above (``sources.signals.
links_changed``, sent by ``risk._links_changed``, as the overrides and the archive look-up do):
they flag the published verdicts at risk and refresh the reader pages showing the link.

During the checker's own outage (``sources.services.outage``) a check that could not reach its
host is stored with ``checker_outage`` and nothing else changes on the link but its next check
time; a check with an HTTP answer ends the outage.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sources import policy as link_policy
from sources.fetching import CheckResult, normalize_url
from sources.models import Link, LinkCheck, LinkCheckerOutage, LinkState
from sources.services._common import _audit, _enqueue_on_commit, _storable_url
from sources.services.outage import link_checker_outage_end, link_checker_outage_judge
from sources.services.risk import _at_risk, _links_changed
from sources.signals import links_changed

__all__ = ["link_check_record", "link_checks_record"]

ARCHIVE_LOOKUP_STATES = {LinkState.FAILING, LinkState.DEAD}
# ``outage`` not given: this call finds out itself.
JUDGE = object()


def _same_url(a: str, b: str) -> bool:
    try:
        return normalize_url(a) == normalize_url(b)
    except Exception:
        return a == b


def _check_row(
    link: Link,
    result: CheckResult,
    now: datetime,
    decision: link_policy.Decision,
    deferred: list[LinkCheck] | None = None,
    **fields,
) -> LinkCheck:
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
        state_before=link.state,
        state_after=decision.state,
        counted=decision.counted,
        **fields,
    )
    # Fields are validated here; the database itself enforces the check constraints.
    check.full_clean(exclude=["link"], validate_constraints=False)
    if deferred is None:
        check.save()
    else:
        deferred.append(check)  # the caller inserts a group's rows in one statement
    return check


def _record_not_counted(
    link: Link,
    result: CheckResult,
    now: datetime,
    policy: link_policy.LinkPolicy,
    rng: random.Random | None,
    *,
    locked: Link | None = None,
    deferred: list[LinkCheck] | None = None,
) -> LinkCheck:
    """A check made during the checker's outage that could not reach its host: stored, the
    link left as it was (state, points, last check shown), looked at again after the outage
    window (and at once when the outage ends). ``locked``: the row, already read for update
    by the caller's transaction."""
    window = link_policy.OutagePolicy.from_settings().window_seconds
    # No savepoint: inside a batch's transaction a failure rolls the whole batch back.
    with transaction.atomic(savepoint=False):
        link = locked or Link.objects.select_for_update().get(pk=link.pk)
        decision = link_policy.decide_not_counted(
            link_policy.Health.of(link), now=now, delay_seconds=window, policy=policy, rng=rng
        )
        check = _check_row(link, result, now, decision, deferred, checker_outage=True)
        link.next_check_at = decision.next_check_at
        link.checking_since = None
        link.queued_at = None
        link.save(update_fields=["next_check_at", "checking_since", "queued_at", "updated_at"])
    return check


def link_check_record(
    *,
    link: Link,
    result: CheckResult,
    now: datetime | None = None,
    policy: link_policy.LinkPolicy | None = None,
    rng: random.Random | None = None,
    outage: LinkCheckerOutage | object | None = JUDGE,
) -> LinkCheck:
    """Store one check of ``link`` and apply the policy to the link, in one transaction.

    Clears the check claim. A state change writes an audit event; turning failing or dead
    looks up an archived copy (when an archive is configured); a change in whether the link's
    evidence is at risk flags (or clears) the published verdicts resting on it.

    ``outage`` is the checker's outage as the caller has judged it (a batch does, for all of
    its results at once): while there is one, a result that could not reach its host is not
    counted, and a result with an HTTP answer ends it. ``None``: no outage. Not given: this
    call judges (``sources.services.outage``).
    """
    now = now or timezone.now()
    policy = policy or link_policy.LinkPolicy.from_settings()
    if outage is JUDGE:
        outage = (
            link_checker_outage_judge(pending=[(link.host, result)], now=now)
            if link_policy.unreachable(result)
            else None
        )
        ends = link_policy.answered(result)
    else:
        ends = outage is not None and link_policy.answered(result)
    if outage is not None and link_policy.unreachable(result):
        return _record_not_counted(link, result, now, policy, rng)
    check = _record_counted(link, result, now, policy, rng)
    if ends:
        link_checker_outage_end(
            reason=f"HTTP {result.status} from {link.host}",
            now=now,
            outage=outage if isinstance(outage, LinkCheckerOutage) else None,
        )
    return check


def link_checks_record(
    *,
    items: list[tuple[Link, CheckResult]],
    outage: LinkCheckerOutage | None,
    now: datetime | None = None,
    policy: link_policy.LinkPolicy | None = None,
    rng: random.Random | None = None,
) -> LinkCheckerOutage | None:
    """Record many checks in one transaction, each as :func:`link_check_record` would with
    the caller's judged ``outage``: while it is open, a result that could not reach its host
    is not counted; the first result with an HTTP answer ends it, and the results after that
    one are counted. Returns the outage still open after them.

    A batch's results are recorded a few dozen at a time this way: one commit instead of one
    per link (what a worker's main thread spends its time on). A failure rolls them all back
    (the caller releases their claims: the links stay due).
    """
    now = now or timezone.now()
    policy = policy or link_policy.LinkPolicy.from_settings()
    changed: list[tuple[Link, bool]] = []
    checks: list[LinkCheck] = []
    with transaction.atomic():
        rows = Link.objects.select_for_update().in_bulk([link.pk for link, _ in items])
        for link, result in items:
            locked = rows[link.pk]
            if outage is not None and link_policy.unreachable(result):
                _record_not_counted(link, result, now, policy, rng, locked=locked, deferred=checks)
                continue
            _record_counted(
                link, result, now, policy, rng, locked=locked, changed=changed, deferred=checks
            )
            if outage is not None and link_policy.answered(result):
                link_checker_outage_end(
                    reason=f"HTTP {result.status} from {link.host}", now=now, outage=outage
                )
                outage = None
        LinkCheck.objects.bulk_create(checks)
        if changed:
            # The apps above are told once for the whole group (one query each, not one per
            # link), inside the transaction as for a single change.
            risk_changed = {
                link.pk: _at_risk(link)
                for link, was_at_risk in changed
                if _at_risk(link) != was_at_risk
            }
            links_changed.send(
                sender=Link, links=[link for link, _ in changed], risk_changed=risk_changed
            )
    return outage


def _record_counted(
    link: Link,
    result: CheckResult,
    now: datetime,
    policy: link_policy.LinkPolicy,
    rng: random.Random | None,
    *,
    locked: Link | None = None,
    changed: list[tuple[Link, bool]] | None = None,
    deferred: list[LinkCheck] | None = None,
) -> LinkCheck:
    """``locked``: the row, already read for update by the caller's transaction;
    ``changed``: where to leave ``(link, was_at_risk)`` for the caller to tell the apps above
    once for many links (else they are told here)."""
    with transaction.atomic(savepoint=False):
        link = locked or Link.objects.select_for_update().get(pk=link.pk)
        before_state, was_at_risk = link.state, _at_risk(link)
        before_moved = link.moved_to_host
        decision = link_policy.decide(
            link_policy.Health.of(link), result, now=now, policy=policy, rng=rng
        )
        final_url = result.final_url if not _same_url(result.final_url, link.url) else ""
        check = _check_row(link, result, now, decision, deferred)
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
        if _at_risk(link) != was_at_risk or (before_state, before_moved) != (
            link.state,
            link.moved_to_host,
        ):
            if changed is None:
                _links_changed(link, was_at_risk=was_at_risk)
            else:
                changed.append((link, was_at_risk))
    return check
