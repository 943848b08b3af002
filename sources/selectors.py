"""Reads for link health and the sources registry. Every selector for people starts from
``visible_to(user)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from audit.selectors import TimelineEntry, history_of
from sources.models import Link, LinkCheck, LinkState, Source, SourceRating

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


# ----------------------------------------------------------------------- sources registry


def source_list(*, user) -> QuerySet[Source]:
    """Sources for the sources page (filters apply to this queryset; statistics of a page's
    rows come from :func:`source_stats`)."""
    return Source.objects.visible_to(user).order_by("name", "pk")


def source_get(*, user, pk: int) -> Source:
    """Raises ``Source.DoesNotExist``."""
    return Source.objects.visible_to(user).prefetch_related("domains").get(pk=pk)


@dataclass
class SourceStats:
    """What the desk's work rests on, per source: its links and their health, how often
    articles cite them, evidence from it and the published verdicts relying on that."""

    links: int = 0
    checked: int = 0
    dead: int = 0
    failing: int = 0
    citations: int = 0
    evidence: int = 0
    verdicts: int = 0

    @property
    def share_dead(self) -> float | None:
        """Dead links among the checked ones (as shown: an editor's override decides)."""
        return self.dead / self.checked if self.checked else None


def source_stats(*, user, source_ids: Iterable[int]) -> dict[int, SourceStats]:
    """Statistics of these sources (every id gets an entry), in four queries whatever their
    number: links by state, citations, evidence, published verdicts relying on evidence."""
    from claims.models import CitedLink, Evidence, Verdict

    ids = list(source_ids)
    stats = {pk: SourceStats() for pk in ids}
    if not ids:
        return stats
    links = (
        Link.objects.visible_to(user)
        .filter(source_id__in=ids)
        .with_effective_state()
        .values("source_id")
        .annotate(
            total=Count("pk"),
            checked=Count("pk", filter=~Q(shown_state=LinkState.UNCHECKED)),
            dead=Count("pk", filter=Q(shown_state=LinkState.DEAD)),
            failing=Count("pk", filter=Q(shown_state=LinkState.FAILING)),
        )
        .order_by()
    )
    for row in links:
        entry = stats[row["source_id"]]
        entry.links, entry.checked = row["total"], row["checked"]
        entry.dead, entry.failing = row["dead"], row["failing"]
    counts = {
        "citations": (CitedLink.objects.visible_to(user), "link__source_id", False),
        "evidence": (Evidence.objects.visible_to(user), "source_id", False),
        "verdicts": (
            Verdict.objects.visible_to(user).filter(state=Verdict.State.PUBLISHED),
            "claim__evidence__source_id",
            True,  # a verdict resting on two pieces of evidence from one source counts once
        ),
    }
    for attribute, (queryset, source_field, distinct) in counts.items():
        rows = (
            queryset.filter(**{f"{source_field}__in": ids})
            .values(source_field)
            .annotate(total=Count("pk", distinct=distinct))
            .order_by()
        )
        for row in rows:
            setattr(stats[row[source_field]], attribute, row["total"])
    return stats


def source_ratings(*, source: Source) -> QuerySet[SourceRating]:
    """A source's rating history, newest first."""
    return source.ratings.select_related("rated_by").order_by("-created_at", "-pk")


def source_history(*, user, source: Source, limit: int = 50) -> list[TimelineEntry]:
    """The audit events about a source, newest first."""
    return history_of(user=user, target=source, limit=limit)


def source_evidence(*, user, source: Source, limit: int = 20) -> list:
    """The latest evidence from a source, with the rating it was added under and whether its
    claim's verdict is published."""
    from claims.models import Evidence

    return list(
        Evidence.objects.visible_to(user)
        .filter(source=source)
        .select_related("claim", "link", "source_rating")
        .annotate(published=Exists(_published_verdicts().filter(claim=OuterRef("claim"))))
        .order_by("-created_at", "-pk")[:limit]
    )


def source_countries(*, user) -> list[str]:
    """Country codes in use by sources (for the country filter)."""
    return list(
        Source.objects.visible_to(user)
        .exclude(country="")
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


def sources_for_export(*, queryset: QuerySet[Source]) -> QuerySet[Source]:
    """The rows of a CSV export (from a queryset already limited to what the user sees)."""
    return queryset.prefetch_related("domains").order_by("name", "pk")


@dataclass
class UnregisteredDomain:
    """A domain (registrable) that links point to but that no source owns."""

    domain: str
    hosts: list[str]
    links: int = 0
    citations: int = 0
    evidence: int = 0

    @property
    def display(self) -> str:
        from sources.registry import display_domain

        return display_domain(self.domain)


def unregistered_domains(*, user, search: str = "") -> list[UnregisteredDomain]:
    """Domains of links no source owns, with how many links, citations and evidence rest on
    each, most used first. Three grouped queries (per host), folded into registrable domains
    here (the public suffix list is not in the database)."""
    from claims.models import CitedLink, Evidence
    from sources.registry import unregistered_key

    found: dict[str, UnregisteredDomain] = {}

    def entry(host: str) -> UnregisteredDomain:
        key = unregistered_key(host)
        item = found.setdefault(key, UnregisteredDomain(domain=key, hosts=[]))
        if host not in item.hosts:
            item.hosts.append(host)
        return item

    unowned = Link.objects.visible_to(user).filter(source__isnull=True).exclude(host="")
    for row in unowned.values("host").annotate(total=Count("pk")).order_by():
        entry(row["host"]).links += row["total"]
    for model, attribute in ((CitedLink, "citations"), (Evidence, "evidence")):
        rows = (
            model.objects.visible_to(user)
            .filter(link__source__isnull=True)
            .exclude(link__host="")
            .values("link__host")
            .annotate(total=Count("pk"))
            .order_by()
        )
        for row in rows:
            item = entry(row["link__host"])
            setattr(item, attribute, getattr(item, attribute) + row["total"])
    items = list(found.values())
    needle = search.strip().lower()
    if needle:
        items = [item for item in items if any(needle in host for host in item.hosts)]
    for item in items:
        item.hosts.sort()
    items.sort(key=lambda item: (-(item.evidence + item.citations), -item.links, item.domain))
    return items
