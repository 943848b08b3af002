"""Proposals of "another appearance of claim #N?", made after ingestion, decided by reviewers.

- **Finding** (:func:`appearance_proposals_find`, the ``claims.appearance_proposals_find``
  job enqueued when an article's ingestion commits): the first
  ``FACTCHECK_APPEARANCE_PROPOSAL_MAX`` new automatic claims of the article, by
  check-worthiness, are matched (``claims.matching``, own claims only: published, then in
  progress; never dismissed or merged ones) against the desk's claims in *other* articles.
  The best candidate whose similarity is at least ``FACTCHECK_APPEARANCE_PROPOSAL_MIN_SCORE``,
  that states the same figures, and whose wording is not much shorter or longer (the
  matcher's similarity scores a wording contained in a longer one 100), is stored as an
  ``AppearanceProposal``. Nothing is merged: a reviewer decides. Running it again adds
  nothing (one row per pair, whatever its state; one open proposal per claim).
- **Confirming** (:func:`appearance_proposal_confirm`): in one transaction, the candidate
  gets an article appearance at the new claim's span, the new claim is merged into it
  (``claim_merge``: its evidence and notes move, it is dismissed as a duplicate), the
  proposal is marked confirmed and audited, and the reader pages of the candidate and of both
  articles are refreshed: the new article's public page shows the candidate's verdict at
  once. On a candidate with a published verdict only editors may confirm (the same rule as
  ``appearance_add``).
- **Keeping separate** (:func:`appearance_proposal_keep_separate`): the pair is marked and
  never proposed again.

Both decisions name the proposal's version (400 without, 409 when stale).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from claims.models import Appearance, AppearanceProposal, Article, Claim
from claims.services.claimants import _described, _is_published
from claims.services.common import PUBLISH_PERMISSION, REVIEW_PERMISSION, require, who
from claims.services.errors import ConflictError
from claims.signals import published_pages_changed
from factcheck.lib.versions import NO_VERSION_CHECK, Version, version_check

__all__ = [
    "appearance_proposal_confirm",
    "appearance_proposal_keep_separate",
    "appearance_proposals_enqueue_on_commit",
    "appearance_proposals_find",
    "appearance_proposals_open",
]

DEFAULT_MIN_SCORE = 80
DEFAULT_MAX_CLAIMS = 200
# Candidates asked of the matcher per claim (the best one that qualifies is proposed).
CANDIDATES_PER_CLAIM = 5
# The shorter wording must have at least this share of the longer one's words.
MIN_LENGTH_RATIO = 0.6

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"\w+")


def min_score() -> int:
    return int(getattr(settings, "FACTCHECK_APPEARANCE_PROPOSAL_MIN_SCORE", DEFAULT_MIN_SCORE))


def max_claims() -> int:
    return int(getattr(settings, "FACTCHECK_APPEARANCE_PROPOSAL_MAX", DEFAULT_MAX_CLAIMS))


def _figures(text: str) -> set[str]:
    return {number.replace(",", "") for number in _NUMBER.findall(text)}


def same_claim_likely(text: str, other: str) -> bool:
    """The guards on top of the matcher's similarity: the same figures, and lengths within
    :data:`MIN_LENGTH_RATIO` of each other."""
    if _figures(text) != _figures(other):
        return False
    a, b = len(_WORD.findall(text)), len(_WORD.findall(other))
    return min(a, b) >= MIN_LENGTH_RATIO * max(a, b)


# ------------------------------------------------------------------------------- finding


def appearance_proposals_enqueue_on_commit(*, article_id: int) -> None:
    """Look for earlier appearances of the article's new claims once the current
    transaction commits (a broker outage costs the proposals, never the article)."""
    import logging

    from claims.tasks import appearance_proposals_find as task
    from factcheck.lib.jobs import send_quietly_on_commit

    send_quietly_on_commit(
        task,
        [article_id],
        logger=logging.getLogger(__name__),
        what=f"the appearance proposals of article {article_id}",
        max_retries=1,
    )


def appearance_proposals_find(*, article_id: int) -> int:
    """Propose, for each of the article's first new automatic claims (by check-worthiness),
    the best of the desk's claims in other articles it is likely another appearance of.
    Returns how many proposals were created (0 when run again)."""
    from claims.matching import matches_for_text, matching_index, matching_index_changed

    claims = list(
        Claim.objects.filter(
            article_id=article_id,
            origin=Claim.Origin.AUTO,
            status=Claim.Status.NEW,
            duplicate_of__isnull=True,
            article__ingest_state=Article.IngestState.READY,
        )
        .order_by("-checkworthiness", "start", "id")
        .only("pk", "text", "article_id")[: max_claims()]
    )
    if not claims:
        return 0
    decided = {}
    for claim_id, candidate_id, state in AppearanceProposal.objects.filter(
        claim_id__in=[c.pk for c in claims]
    ).values_list("claim_id", "candidate_id", "state"):
        decided.setdefault(claim_id, {})[candidate_id] = state
    threshold = min_score()
    matching_index_changed()  # claims published a moment ago must be found
    index = matching_index()
    created = 0
    for claim in claims:
        seen = decided.get(claim.pk, {})
        if AppearanceProposal.State.PROPOSED in seen.values():
            continue  # one open proposal per claim
        found = [
            c
            for c in matches_for_text(
                claim.text,
                limit=CANDIDATES_PER_CLAIM,
                exclude_claim=claim.pk,
                kinds=("own",),
                index=index,
            )
            if c.similarity >= threshold
            and c.obj.article_id != article_id
            and c.obj.duplicate_of_id is None
            and c.pk not in seen
            and same_claim_likely(claim.text, c.text)
        ]
        if not found:
            continue
        # Published checks first, then those in progress; the closest wording within each.
        best = min(
            found, key=lambda c: (c.obj.status != Claim.Status.PUBLISHED, -c.similarity, c.pk)
        )
        try:
            with transaction.atomic():
                AppearanceProposal.objects.create(
                    claim_id=claim.pk, candidate_id=best.pk, score=best.similarity
                )
        except IntegrityError:
            continue  # proposed meanwhile by another run, or a row is gone
        created += 1
    return created


# ------------------------------------------------------------------------------- reading


def appearance_proposals_open(claim_ids) -> dict[int, AppearanceProposal]:
    """The open proposal of each of these claims that can still be decided (neither claim
    dismissed nor merged), with its candidate and the candidate's rating: one query where
    none is open (most claims), two otherwise."""
    proposed = AppearanceProposal.objects.filter(
        claim_id__in=list(claim_ids), state=AppearanceProposal.State.PROPOSED
    )
    # The plain look-up is cheap to build; the joins below cost more than running it.
    if not proposed.exists():
        return {}
    rows = (
        proposed.exclude(claim__status=Claim.Status.DISMISSED)
        .exclude(candidate__status=Claim.Status.DISMISSED)
        .select_related("candidate", "candidate__rating", "candidate__article")
        .defer("candidate__article__text", "candidate__article__raw_html")
        .order_by("claim_id", "-score", "id")
    )
    out: dict[int, AppearanceProposal] = {}
    for row in rows:
        out.setdefault(row.claim_id, row)
    return out


# ------------------------------------------------------------------------------ deciding


def _locked_proposal(user, proposal: AppearanceProposal, version: Version) -> AppearanceProposal:
    require(user, REVIEW_PERMISSION, _("You may not decide whether claims are the same."))
    try:
        locked = (
            AppearanceProposal.objects.select_for_update(of=("self",))
            .select_related("claim", "candidate")
            .get(pk=proposal.pk)
        )
    except AppearanceProposal.DoesNotExist:
        raise ValidationError(_("That proposal no longer exists.")) from None
    version_check(
        version,
        stored=locked.version,
        conflict=lambda: _proposal_conflict(locked),
        what=f"the proposal for claim #{locked.claim_id}",
    )
    if locked.state != AppearanceProposal.State.PROPOSED:
        raise ValidationError(
            _("This proposal was already decided: %(state)s.")
            % {"state": locked.get_state_display().lower()}
        )
    return locked


def _proposal_conflict(locked: AppearanceProposal) -> ConflictError:
    """What a stale page is told: who decided the proposal meanwhile, and when."""
    if locked.decided_at is not None:
        when = timezone.localtime(locked.decided_at)
        message = _(
            "The proposal for claim #%(number)s: %(who)s decided it (%(state)s) at %(time)s "
            "after you opened the page, so nothing was saved. Check the page and try again."
        ) % {
            "number": locked.claim_id,
            "who": who(locked.decided_by),
            "state": locked.get_state_display().lower(),
            "time": f"{when:%H:%M:%S}",
        }
    else:
        message = _(
            "The proposal for claim #%(number)s: it changed after you opened the page, so "
            "nothing was saved. Check the page and try again."
        ) % {"number": locked.claim_id}
    return ConflictError(
        message=message,
        current=locked.claim,
        by=who(locked.decided_by) if locked.decided_by_id else "",
        at=locked.decided_at,
    )


def _decided(proposal: AppearanceProposal, *, user, state: str) -> None:
    proposal.state = state
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.version += 1
    proposal.full_clean()
    proposal.save()


@transaction.atomic
def appearance_proposal_confirm(
    *, proposal: AppearanceProposal, user, version: Version
) -> AppearanceProposal:
    """The proposal's claim is another appearance of its candidate (#N): #N gets an article
    appearance at the claim's span, the claim is merged into #N, the proposal is confirmed
    and audited, and readers see #N's verdict on the claim's article at once."""
    proposal = _locked_proposal(user, proposal, version)
    claim, candidate = proposal.claim, proposal.candidate
    if _is_published(candidate) and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(
            _(
                "Claim #%(number)s's fact-check is published: only an editor may confirm "
                "another appearance of it (readers would see it at once)."
            )
            % {"number": candidate.pk}
        )
    if claim.status == Claim.Status.DISMISSED:
        raise ValidationError(
            _("Claim #%(number)s was dismissed or merged meanwhile: keep them separate instead.")
            % {"number": claim.pk}
        )
    if candidate.status == Claim.Status.DISMISSED:
        raise ValidationError(
            _("Claim #%(number)s was dismissed or merged meanwhile.") % {"number": candidate.pk}
        )
    if claim.status == Claim.Status.PUBLISHED:
        raise ValidationError(
            _("Claim #%(number)s is published: it cannot be merged away.") % {"number": claim.pk}
        )
    from claims.services.review import claim_merge

    appearance = Appearance(
        claim=candidate,
        kind=Appearance.Kind.ARTICLE,
        article_id=claim.article_id,
        start=claim.start,
        end=claim.end,
        added_by=user,
    )
    exists = Appearance.objects.filter(
        claim=candidate, article_id=claim.article_id, start=claim.start, end=claim.end
    ).exists()
    if not exists:
        appearance.full_clean()
        appearance.save()
        audit_record(
            actor=user,
            action="claims.appearance.added",
            claim=candidate,
            target=candidate,
            changes={
                "appearance": {**_described(appearance), "article": claim.article_id},
                "from_claim": claim.pk,
            },
        )
    # Permission and version are checked above (the proposal's); the merge locks both rows.
    claim_merge(
        duplicate=claim,
        keep=candidate,
        user=user,
        reason=f"Another appearance of claim #{candidate.pk}",
        version=NO_VERSION_CHECK,
    )
    _decided(proposal, user=user, state=AppearanceProposal.State.CONFIRMED)
    audit_record(
        actor=user,
        action="claims.appearance_proposal.confirmed",
        claim=candidate,
        article=claim.article,
        target=proposal,
        changes={"claim": claim.pk, "candidate": candidate.pk, "score": proposal.score},
    )
    # The candidate's page lists the new appearance; the new article's page shows its
    # verdict (and becomes public with it); its own article's page is rendered again.
    published_pages_changed(
        claim_ids=[candidate.pk],
        article_ids=[pk for pk in (candidate.article_id, claim.article_id) if pk is not None],
    )
    return proposal


@transaction.atomic
def appearance_proposal_keep_separate(
    *, proposal: AppearanceProposal, user, version: Version
) -> AppearanceProposal:
    """The two claims are not the same: the proposal is closed and the pair never proposed
    again."""
    proposal = _locked_proposal(user, proposal, version)
    _decided(proposal, user=user, state=AppearanceProposal.State.KEPT_SEPARATE)
    audit_record(
        actor=user,
        action="claims.appearance_proposal.kept_separate",
        claim=proposal.claim,
        article=proposal.claim.article,
        target=proposal,
        changes={
            "claim": proposal.claim_id,
            "candidate": proposal.candidate_id,
            "score": proposal.score,
        },
    )
    return proposal
