"""Withdrawing a mistaken ingest: the article is hidden everywhere and leaves the queues.

Editors (``claims.change_article``) withdraw an article from its version. Refused, with the
reason, while any of its claims is published (or has a published verdict), when it has a
newer revision, or when it is a revision whose claims came from an earlier one (moved into
it, or orphaned there by it): withdrawing it would lose them.

What happens to its claims (:func:`article_withdrawal_plan` says it before, on the confirm
page): automatic claims nobody has worked on are deleted; a claim with reviewer work
(made or promoted by a reviewer, assigned, moved on in the workflow, with evidence, notes, a
verdict draft, a claimant, other appearances or merged duplicates) is kept with all of it
and dismissed ("The article was withdrawn"), each through ``claim_dismiss`` and its own
audit event. The article becomes ``withdrawn`` (``Article.objects.visible_to`` shows ready
articles only), its cited links are removed (no longer counted as citations on the sources
pages), and it gives up its content hash, so the same text can be ingested again as a new
article. ``claims.article.withdrawn`` records the title, address, content hash and what was
removed and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from audit.selectors import last_change
from audit.services import audit_record
from claims.models import Appearance, Article, CitedLink, Claim, Verdict
from claims.services.common import require
from claims.services.errors import ConflictError
from claims.services.review import claim_dismiss
from factcheck.lib.versions import NO_VERSION_CHECK, Version, conflict_message, version_check

__all__ = ["WITHDRAW_PERMISSION", "WithdrawalPlan", "article_withdraw", "article_withdrawal_plan"]

WITHDRAW_PERMISSION = "claims.change_article"
WITHDRAWN_REASON = "The article was withdrawn: it was ingested by mistake."


@dataclass
class WithdrawalPlan:
    article: Article
    removed: list[Claim] = field(default_factory=list)  # deleted: no reviewer work
    kept: list[Claim] = field(default_factory=list)  # dismissed, with their work
    refusals: list[str] = field(default_factory=list)
    cited_links: int = 0

    @property
    def allowed(self) -> bool:
        return not self.refusals


def _claims_with_work(article: Article):
    """The article's claims with what tells whether a reviewer worked on them."""
    return (
        Claim.objects.filter(article=article)
        .annotate(
            evidence_count=Count("evidence", distinct=True),
            note_count=Count("notes", distinct=True),
            verdict_count=Count("verdicts", distinct=True),
            has_published_verdict=Exists(
                Verdict.objects.filter(
                    claim=OuterRef("pk"),
                    state__in=[Verdict.State.PUBLISHED, Verdict.State.SUPERSEDED],
                )
            ),
            other_appearances=Exists(
                Appearance.objects.filter(claim=OuterRef("pk"), is_primary=False)
            ),
            has_duplicates=Exists(Claim.objects.filter(duplicate_of=OuterRef("pk"))),
        )
        .order_by("start", "id")
    )


def _has_work(claim: Claim) -> bool:
    return bool(
        claim.origin != Claim.Origin.AUTO
        or claim.status != Claim.Status.NEW
        or claim.assignee_id
        or claim.claimant_id
        or claim.changed_since_checked_at
        or claim.evidence_count
        or claim.note_count
        or claim.verdict_count
        or claim.other_appearances
        or claim.has_duplicates
    )


def article_withdrawal_plan(*, article: Article) -> WithdrawalPlan:
    """What withdrawing ``article`` would do, or why it is refused (reads only)."""
    plan = WithdrawalPlan(article=article)
    if article.ingest_state != Article.IngestState.READY:
        plan.refusals.append(_("This article is not in use (already withdrawn, or being stored)."))
        return plan
    for claim in _claims_with_work(article):
        if claim.status == Claim.Status.PUBLISHED or claim.has_published_verdict:
            plan.refusals.append(
                _(
                    "Claim #%(number)s has a published verdict: an article with published "
                    "fact-checks cannot be withdrawn (publish a correction instead)."
                )
                % {"number": claim.pk}
            )
        elif claim.anchor_match != Claim.AnchorMatch.ORIGINAL:
            plan.refusals.append(
                _(
                    "Claim #%(number)s came from an earlier revision of this article: "
                    "withdrawing this revision would lose it."
                )
                % {"number": claim.pk}
            )
        (plan.kept if _has_work(claim) else plan.removed).append(claim)
    newer = Article.objects.filter(
        previous_revision=article, ingest_state=Article.IngestState.READY
    ).first()
    if newer is not None:
        plan.refusals.append(
            _("A newer revision of this article exists (“%(title)s”): its claims rest on this one.")
            % {"title": newer.title}
        )
    if (
        article.previous_revision_id
        and Claim.objects.filter(article_id=article.previous_revision_id, is_orphaned=True).exists()
    ):
        plan.refusals.append(
            _(
                "This revision left claims of the earlier revision orphaned (no longer found): "
                "withdrawing it would leave them marked so."
            )
        )
    plan.cited_links = CitedLink.objects.filter(article=article).count()
    return plan


def _article_conflict(article: Article) -> ConflictError:
    by, at = last_change(target=article)
    return ConflictError(
        message=conflict_message(what=_("this article"), by=by, at=at, kept=False),
        current=article,
        by=by,
        at=at,
    )


@transaction.atomic
def article_withdraw(*, article: Article, user, version: Version, reason: str = "") -> dict:
    """Withdraw ``article`` (see the module's docstring), from its ``version``. Raises
    ``ValidationError`` with the refusals, ``ConflictError`` on a stale version."""
    require(user, WITHDRAW_PERMISSION, _("You may not withdraw articles."))
    article = Article.objects.select_for_update().get(pk=article.pk)
    version_check(
        version,
        stored=article.version,
        conflict=lambda: _article_conflict(article),
        what="an article",
    )
    # The claim rows are locked as the reviewer services lock them, then judged.
    list(Claim.objects.select_for_update().filter(article=article).values_list("pk", flat=True))
    plan = article_withdrawal_plan(article=article)
    if not plan.allowed:
        raise ValidationError(plan.refusals)
    reason = (reason or "").strip()[:2000]
    dismissed = []
    for claim in plan.kept:
        if claim.status != Claim.Status.DISMISSED:
            claim_dismiss(
                claim=claim,
                user=user,
                reason=WITHDRAWN_REASON + (f" {reason}" if reason else ""),
                version=NO_VERSION_CHECK,
            )
            dismissed.append(claim.pk)
    removed = [{"id": c.pk, "text": c.text[:300]} for c in plan.removed]
    Claim.objects.filter(pk__in=[c.pk for c in plan.removed]).delete()
    links = CitedLink.objects.filter(article=article).delete()[0]
    digest = article.content_hash
    before_version = article.version
    # The hash is unique: the withdrawn row gives it up, so the text can come in again.
    article.content_hash = f"withdrawn:{article.pk}"
    article.ingest_state = Article.IngestState.WITHDRAWN
    article.version += 1
    article.save(update_fields=["content_hash", "ingest_state", "version", "updated_at"])
    outcome = {
        "claims_removed": removed,
        "claims_kept": [c.pk for c in plan.kept],
        "claims_dismissed": dismissed,
        "cited_links_removed": links,
    }
    audit_record(
        actor=user,
        action="claims.article.withdrawn",
        article=article,
        target=article,
        changes={
            "ingest_state": [Article.IngestState.READY, Article.IngestState.WITHDRAWN],
            "version": [before_version, article.version],
            "title": article.title,
            "url": article.url,
            "content_hash": digest,
            **outcome,
        },
        message=reason,
    )
    return outcome
