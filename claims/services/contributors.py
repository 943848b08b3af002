"""Who wrote a verdict version, and the four-eyes rule that rests on it.

**The rule.** The editor who approves (publishes) a verdict must differ from every person who
changed its content since the claim's verdict was last published: the version's rating,
summary, rationale or correction note (``claims.verdict.drafted`` / ``.edited``), or the
claim's evidence set (``claims.evidence.added`` / ``.edited`` / ``.removed`` / ``.moved``).
Merging a duplicate that moves evidence onto the claim counts for the merging user and for
whoever wrote the moved evidence (added or edited it on the duplicate): that evidence was
never approved with this claim. Notes, assignment, submitting and returning are not content.
With ``FACTCHECK_FOUR_EYES`` off (a one-person desk) nobody is refused.

**The design.** The audit log is the record. Every service that changes that content writes
its event in the same transaction and under the claim's row lock (``locked_claim``), so the
claim's events after its last ``claims.verdict.published`` event are exactly the changes the
next approval covers, evidence changed before any draft existed (or after the previous
publication) included. Contributors are *derived* from those events
(:func:`verdict_contributions`) and *stored* on the open version (``Verdict.contributors``
through ``VerdictContribution``, with what each changed and when first) by
:func:`verdict_contributors_refresh`, which each content-changing service calls after writing
its event; the claim page shows them from there. ``claim_publish`` derives them once more under
the lock (a path that forgot to refresh opens no gap), refuses an approver among them
(:func:`four_eyes_refusal`) and stores the final set: a published version's rows say who
wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from claims.models import Claim, Evidence, Verdict, VerdictContribution
from claims.services.common import four_eyes_required

__all__ = [
    "CONTENT",
    "four_eyes_refusal",
    "verdict_contributions",
    "verdict_contributors_refresh",
    "verdict_contributors_store",
]

# What a contribution may have changed, in the order they are named.
CONTENT = ("rating", "summary", "rationale", "correction_note", "evidence")
_VERDICT_FIELDS = CONTENT[:4]
_NAMES = {
    "rating": gettext_lazy("rating"),
    "summary": gettext_lazy("summary"),
    "rationale": gettext_lazy("rationale"),
    "correction_note": gettext_lazy("correction note"),
    "evidence": gettext_lazy("evidence"),
}

PUBLISHED = "claims.verdict.published"
VERDICT_ACTIONS = ("claims.verdict.drafted", "claims.verdict.edited")
EVIDENCE_ACTIONS = (
    "claims.evidence.added",
    "claims.evidence.edited",
    "claims.evidence.removed",
    "claims.evidence.moved",
)
# The events that wrote a piece of evidence, wherever it was then (moved evidence).
_EVIDENCE_WRITES = ("claims.evidence.added", "claims.evidence.edited")


@dataclass
class Contribution:
    changed: set[str] = field(default_factory=set)
    first_at: datetime | None = None

    def add(self, what: Iterable[str], at: datetime) -> None:
        self.changed.update(what)
        if self.first_at is None or at < self.first_at:
            self.first_at = at


def _ordered(changed: Iterable[str]) -> list[str]:
    return [name for name in CONTENT if name in set(changed)]


def _last_publication(claim: Claim) -> int:
    """The id of the claim's last publication event (0: never published). Events of one
    claim are written under its row lock, so their ids follow the order of the changes."""
    return (
        AuditEvent.objects.filter(claim_id=claim.pk, action=PUBLISHED)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    ) or 0


def _moved_evidence_writers(moved: Mapping[int, datetime]) -> list[tuple[int, datetime]]:
    """Who wrote the evidence moved onto the claim (``{evidence id: when it moved}``): its
    ``added_by`` and the actors of the events that added or edited it."""
    evidence_type = ContentType.objects.get_for_model(Evidence)
    writers = AuditEvent.objects.filter(
        target_type=evidence_type,
        target_id__in=list(moved),
        action__in=_EVIDENCE_WRITES,
        actor__isnull=False,
    ).values_list("actor_id", "target_id")
    added_by = Evidence.objects.filter(pk__in=list(moved), added_by__isnull=False).values_list(
        "added_by_id", "pk"
    )
    return [(user_id, moved[pk]) for user_id, pk in [*writers, *added_by]]


def verdict_contributions(*, claim: Claim, verdict: Verdict) -> dict[int, Contribution]:
    """``{user id: Contribution}`` for ``verdict`` (the claim's open version), read from the
    claim's audit events since its last publication, plus the version's author."""
    events = (
        AuditEvent.objects.filter(
            claim_id=claim.pk,
            id__gt=_last_publication(claim),
            action__in=[*VERDICT_ACTIONS, *EVIDENCE_ACTIONS],
        )
        .order_by("id")
        .only("actor_id", "action", "target_id", "changes", "created_at")
    )
    result: dict[int, Contribution] = {}
    moved: dict[int, datetime] = {}

    def add(user_id, what, at):
        if user_id is not None:
            result.setdefault(user_id, Contribution()).add(what, at)

    for event in events:
        if event.action in VERDICT_ACTIONS:
            if event.target_id == verdict.pk:
                changes = event.changes if isinstance(event.changes, dict) else {}
                add(event.actor_id, [f for f in _VERDICT_FIELDS if f in changes], event.created_at)
            continue
        add(event.actor_id, ["evidence"], event.created_at)
        if event.action == "claims.evidence.moved" and isinstance(event.changes, dict):
            for pk in event.changes.get("evidence") or []:
                moved.setdefault(int(pk), event.created_at)
    if moved:
        for user_id, at in _moved_evidence_writers(moved):
            add(user_id, ["evidence"], at)
    if verdict.author_id is not None and verdict.author_id not in result:
        # A version made without its drafted event (imported data): its author wrote it.
        written = [
            f
            for f in _VERDICT_FIELDS
            if (verdict.rating_id if f == "rating" else getattr(verdict, f))
        ]
        add(verdict.author_id, written, verdict.created_at)
    return result


def verdict_contributors_store(
    verdict: Verdict, contributions: Mapping[int, Contribution]
) -> dict[int, list[str]]:
    """Add ``contributions`` to the version's stored contributors (rows are only added to
    or widened, never removed) and return every stored one: ``{user id: changed}``."""
    stored = {row.user_id: row for row in VerdictContribution.objects.filter(verdict=verdict)}
    new, widened = [], []
    for user_id, contribution in contributions.items():
        row = stored.get(user_id)
        if row is None:
            row = VerdictContribution(
                verdict=verdict,
                user_id=user_id,
                changed=_ordered(contribution.changed),
                added_at=contribution.first_at,
            )
            new.append(row)
            stored[user_id] = row
            continue
        changed = _ordered({*row.changed, *contribution.changed})
        first = min(row.added_at, contribution.first_at)
        if changed != row.changed or first != row.added_at:
            row.changed, row.added_at = changed, first
            widened.append(row)
    if new:
        VerdictContribution.objects.bulk_create(new)
    if widened:
        VerdictContribution.objects.bulk_update(widened, ["changed", "added_at"])
    return {user_id: row.changed for user_id, row in stored.items()}


def verdict_contributors_refresh(*, claim: Claim, verdict: Verdict | None = None) -> Verdict | None:
    """Bring the stored contributors of the claim's open version up to date with its audit
    events. Called (with the claim row locked) by every service that changes a verdict's
    content or the claim's evidence, after it wrote its event; nothing to do without an open
    version (the events wait in the log for the next draft)."""
    if verdict is None:
        verdict = claim.verdicts.filter(state__in=Verdict.OPEN_STATES).first()
    if verdict is None or not verdict.is_open:
        return None
    verdict_contributors_store(verdict, verdict_contributions(claim=claim, verdict=verdict))
    return verdict


def _named(changed: Iterable[str]) -> str:
    names = [str(_NAMES.get(name, name)) for name in _ordered(changed)]
    if len(names) <= 1:
        return "".join(names) or _("content")
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


RULE = gettext_lazy(
    "Nobody who changed the rating, summary, rationale, correction note or evidence since the "
    "claim was last published may approve the verdict."
)


def four_eyes_refusal(
    *, verdict: Verdict, user, contributors: Mapping[int, Iterable[str]]
) -> str | None:
    """Why ``user`` may not approve ``verdict`` (``contributors``: ``{user id: changed}``),
    or ``None`` when they may (or four-eyes is off)."""
    if not four_eyes_required() or user is None or user.pk is None:
        return None
    if verdict.author_id == user.pk:
        return _(
            "You drafted this verdict: another editor must approve it (four-eyes rule). %(rule)s"
        ) % {"rule": RULE}
    if user.pk in contributors:
        changed = contributors[user.pk]
        if set(changed) == {"evidence"}:
            return _(
                "You changed the claim's evidence: another editor must approve it (four-eyes "
                "rule). %(rule)s"
            ) % {"rule": RULE}
        return _(
            "You changed this verdict's %(fields)s: another editor must approve it (four-eyes "
            "rule). %(rule)s"
        ) % {"fields": _named(changed), "rule": RULE}
    return None
