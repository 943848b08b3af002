"""Has this claim been checked before? Stored per claim for the queue's filter.

``Claim.earlier_check_score`` is the best similarity (0..100, the "Checked before" panel's)
of an earlier check of the claim: another organisation's fact-check (``ExternalFactCheck``)
or another of the desk's claims with a published verdict; 0 when there is none. It is
computed in the background (:func:`earlier_checks_refresh`, beat's job every minute, in
batches of ``FACTCHECK_EARLIER_CHECK_BATCH``), most recently changed claims first, for every
claim not compared yet or stale: changed since it was compared (``updated_at``), or, for a
claim still being worked on, compared before the newest external fact-check or publication
(the matching stamp). Each comparison costs a matching search (3.5-6.6 ms a claim on
100,000 claims, docs/benchmarks.md), so a new publication costs a pass over the open claims,
``FACTCHECK_EARLIER_CHECK_BATCH`` a minute; meanwhile their earlier scores stand. The queue's
"Has an earlier check" filter reads the column (``claims.filters``), so it covers the whole
view, whatever its size; the page says how many claims of the view wait to be compared.

Writing the score is not an edit of the claim: neither its version nor ``updated_at``
moves (a ``bulk_update``), so the queue's order and open forms are untouched.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db.models import F, Max, Q
from django.utils import timezone

from claims.models import Claim, ExternalFactCheck, Verdict

__all__ = [
    "EARLIER_CHECK_MIN_SIMILARITY",
    "earlier_check_scores",
    "earlier_checks_refresh",
    "earlier_checks_stamp",
]

# The wording of the earlier check (rapidfuzz token_set_ratio, 0..100: the "similarity" the
# claim page's "Checked before" panel shows) must be at least this close for the filter.
EARLIER_CHECK_MIN_SIMILARITY = 70
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def earlier_checks_stamp() -> datetime:
    """When the set of earlier checks last changed: the newest external fact-check written or
    verdict published (two indexed aggregates)."""
    external = ExternalFactCheck.objects.aggregate(at=Max("updated_at"))["at"]
    published = Verdict.objects.filter(state=Verdict.State.PUBLISHED).aggregate(
        at=Max("published_at")
    )["at"]
    return max((at for at in (external, published) if at is not None), default=_EPOCH)


def earlier_check_scores(rows, index) -> dict[int, int]:
    """The best similarity of an earlier check for each of ``rows`` (``(pk, text)``), 0 for
    none: external fact-checks and published claims of the desk (not the claim itself, not
    checks in progress), among the matcher's top 5; only those still there count (two
    queries)."""
    found: dict[int, list] = {}
    for pk, text in rows:
        found[pk] = [
            (key, similarity)
            for key, _, similarity in index.search(text, 5, exclude=frozenset({("own", pk)}))
            if key[0] == "external" or key not in index.in_progress
        ]
    own = {key[1] for hits in found.values() for key, _ in hits if key[0] == "own"}
    external = {key[1] for hits in found.values() for key, _ in hits if key[0] == "external"}
    there = {
        ("own", pk)
        for pk in Claim.objects.filter(pk__in=own, status=Claim.Status.PUBLISHED).values_list(
            "pk", flat=True
        )
    } | {
        ("external", pk)
        for pk in ExternalFactCheck.objects.filter(pk__in=external).values_list("pk", flat=True)
    }
    return {
        pk: max((round(s) for key, s in hits if key in there), default=0)
        for pk, hits in found.items()
    }


# Claims still being worked on: compared again whenever the earlier checks change. A
# published or dismissed claim is compared when it changes, not at every new check.
OPEN_STATUSES = (Claim.Status.NEW, Claim.Status.IN_REVIEW, Claim.Status.AWAITING_APPROVAL)


def stale_claims(stamp: datetime):
    """Claims to compare: never compared, changed since, or (open ones) compared before
    ``stamp``."""
    return Claim.objects.filter(
        Q(earlier_check_at__isnull=True)
        | Q(earlier_check_at__lt=F("updated_at"))
        | Q(earlier_check_at__lt=stamp, status__in=OPEN_STATUSES)
    )


def earlier_checks_refresh(*, batch: int | None = None) -> int:
    """Compare up to ``batch`` stale claims (most recently changed first) with the earlier
    checks and store their scores. Returns how many were compared (0: all up to date)."""
    from claims.matching import matching_index, matching_index_changed

    batch = batch or settings.FACTCHECK_EARLIER_CHECK_BATCH
    started = timezone.now()
    stamp = earlier_checks_stamp()
    rows = list(
        stale_claims(stamp).order_by("-updated_at", "-id").values_list("pk", "text")[:batch]
    )
    if not rows:
        return 0
    matching_index_changed()  # what was published or imported a moment ago counts
    scores = earlier_check_scores(rows, matching_index())
    Claim.objects.bulk_update(
        [
            Claim(pk=pk, earlier_check_score=score, earlier_check_at=started)
            for pk, score in scores.items()
        ],
        ["earlier_check_score", "earlier_check_at"],
        batch_size=500,
    )
    return len(rows)
