"""Reads for link health. Every selector for people starts from ``visible_to(user)``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from sources.models import Link, LinkCheck, LinkState

# ----------------------------------------------------------------------- the sweeper


def _in_flight(now: datetime, lease: timedelta) -> Q:
    return Q(queued_at__gte=now - lease) | Q(checking_since__gte=now - lease)


def links_in_flight_count(*, now: datetime, lease: timedelta) -> int:
    return Link.objects.filter(_in_flight(now, lease)).count()


def links_due(
    *, now: datetime, lease: timedelta, per_host: int, limit: int
) -> list[tuple[int, str]]:
    """``(pk, host)`` of due links to send next: never-checked and most overdue first, at
    most ``per_host`` per host, none of a host that has links in flight, round-robin over
    hosts so one big host cannot starve the others."""
    busy_hosts = Link.objects.filter(_in_flight(now, lease)).values("host")
    order = [F("next_check_at").asc(nulls_first=True), F("pk").asc()]
    ranked = (
        Link.objects.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .exclude(host__in=busy_hosts)
        .annotate(rank=Window(RowNumber(), partition_by=[F("host")], order_by=order))
        .filter(rank__lte=per_host)
        .order_by("rank", *order)
        .values_list("pk", "host")
    )
    return list(ranked[:limit])


def links_due_exist(*, now: datetime) -> bool:
    return Link.objects.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)).exists()


# ----------------------------------------------------------------------- evidence


def _published_verdicts():
    from claims.models import Verdict

    return Verdict.objects.filter(state=Verdict.State.PUBLISHED)


def used_by_published_verdict() -> Exists:
    """For annotating links: some published verdict rests on this link as evidence."""
    from claims.models import Evidence

    return Exists(
        Evidence.objects.filter(
            link=OuterRef("pk"),
            claim__verdicts__in=_published_verdicts(),
        )
    )


def risky_links() -> QuerySet[Link]:
    """Links whose evidence is at risk: dead as shown (an editor's override decides), or
    moved to another site and not confirmed by an editor."""
    return (
        Link.objects.with_effective_state()
        .filter(Q(shown_state=LinkState.DEAD) | (Q(override_state="") & ~Q(moved_to_host="")))
        .order_by()
    )


def claims_with_published_evidence_on(*, link: Link) -> list:
    """Claims with a published verdict and evidence on ``link`` (for flagging them)."""
    from claims.models import Claim

    return list(
        Claim.objects.filter(evidence__link=link, verdicts__in=_published_verdicts())
        .select_related("article")
        .distinct()
        .order_by("pk")
    )


@dataclass
class AtRisk:
    """A published verdict and the evidence links of its claim that are at risk."""

    verdict: object
    evidence: list

    @property
    def claim(self):
        return self.verdict.claim


def evidence_at_risk_verdicts(*, user) -> QuerySet:
    """Published verdicts (visible to ``user``) resting on evidence at risk; each carries
    ``claim.evidence_at_risk`` (evidence rows with their link). Four queries in all."""
    from claims.models import Evidence, Verdict

    risky = risky_links()
    return (
        Verdict.objects.visible_to(user)
        .filter(state=Verdict.State.PUBLISHED)
        .filter(Exists(Evidence.objects.filter(claim=OuterRef("claim"), link__in=risky)))
        .select_related("claim", "claim__article", "rating")
        .prefetch_related(
            Prefetch(
                "claim__evidence",
                queryset=Evidence.objects.filter(link__in=risky)
                .select_related("link")
                .order_by("pk"),
                to_attr="evidence_at_risk",
            )
        )
        .order_by("-published_at", "-pk")
    )


def evidence_at_risk(*, user) -> list[AtRisk]:
    """The published verdicts whose evidence is at risk, with the evidence concerned."""
    return [
        AtRisk(verdict=verdict, evidence=verdict.claim.evidence_at_risk)
        for verdict in evidence_at_risk_verdicts(user=user)
    ]


def claim_ids_with_evidence_at_risk(*, user) -> set[int]:
    """For flags in the reviewer queue: ids of claims whose published verdict is at risk."""
    return set(evidence_at_risk_verdicts(user=user).values_list("claim_id", flat=True))


# ----------------------------------------------------------------------- pages


def link_list(*, user) -> QuerySet[Link]:
    """Links for the health list: ``shown_state`` and ``used_by_published`` annotated."""
    return (
        Link.objects.visible_to(user)
        .with_effective_state()
        .annotate(used_by_published=used_by_published_verdict())
        .select_related("override_by")
        .order_by("host", "url")
    )


def link_get(*, user, pk: int) -> Link:
    """Raises ``Link.DoesNotExist``."""
    return (
        Link.objects.visible_to(user)
        .annotate(used_by_published=used_by_published_verdict())
        .select_related("override_by", "source")
        .get(pk=pk)
    )


def link_checks(*, user, link: Link) -> QuerySet[LinkCheck]:
    return LinkCheck.objects.visible_to(user).filter(link=link).order_by("-checked_at", "-pk")


def link_citations(*, user, link: Link, limit: int = 20) -> dict:
    """Where the link is used: articles citing it and evidence resting on it."""
    from claims.models import CitedLink, Evidence

    cited = (
        CitedLink.objects.visible_to(user)
        .filter(link=link)
        .select_related("article", "claim")
        .order_by("-article__created_at", "pk")[:limit]
    )
    evidence = (
        Evidence.objects.visible_to(user)
        .filter(link=link)
        .select_related("claim", "claim__article")
        .annotate(published=Exists(_published_verdicts().filter(claim=OuterRef("claim"))))
        .order_by("-created_at", "pk")[:limit]
    )
    return {"cited": list(cited), "evidence": list(evidence)}


def host_summary(*, user) -> QuerySet:
    """One row per host: how many links, and how many in each state (as shown)."""
    counts = {state: Count("pk", filter=Q(shown_state=state)) for state in LinkState.values}
    return (
        Link.objects.visible_to(user)
        .with_effective_state()
        .values("host")
        .annotate(total=Count("pk"), **counts)
        .annotate(trouble=F("failing") + F("dead"))
        .order_by("-trouble", "-total", "host")
    )
