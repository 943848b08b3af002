"""Reads for link health and the sources registry. Every selector for people starts from
``visible_to(user)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from audit.selectors import TimelineEntry, history_of
from sources import policy as link_policy
from sources.models import (
    Link,
    LinkCheck,
    LinkCheckerOutage,
    LinkState,
    Source,
    SourceImportJob,
    SourceRating,
)
from sources.usage import usage

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


# ----------------------------------------------------------------------- the checker's outage


def link_checker_outage_open() -> LinkCheckerOutage | None:
    """The checker's outage going on now, if any (at most one is open)."""
    return LinkCheckerOutage.objects.filter(is_open=True).first()


def link_checker_outage_last_end() -> datetime | None:
    """When the latest outage ended (evidence from before it is not used again)."""
    return (
        LinkCheckerOutage.objects.filter(is_open=False)
        .order_by("-ended_at")
        .values_list("ended_at", flat=True)
        .first()
    )


def link_checks_evidence(*, since: datetime, extra: Iterable = ()) -> link_policy.Evidence:
    """Checks recorded since ``since`` by every worker, plus ``extra`` ``(host, CheckResult)``
    pairs not recorded yet: how many, how many could not reach their host, on how many hosts.
    Two queries on the ``checked_at`` index: a count, and the hosts of the unreachable ones
    (few, unless there is an outage)."""
    window = LinkCheck.objects.filter(checked_at__gte=since)
    checks = window.count()
    rows = list(
        window.filter(outcome__in=[str(outcome) for outcome in link_policy.UNREACHABLE])
        .values("link__host")
        .annotate(failed=Count("pk"))
        .order_by()
    )
    hosts = {row["link__host"] for row in rows}
    failed = sum(row["failed"] for row in rows)
    for host, result in extra:
        checks += 1
        if link_policy.unreachable(result):
            failed += 1
            hosts.add(host)
    return link_policy.Evidence(checks=checks, unreachable=failed, hosts=len(hosts))


def links_answered_recently(
    *, limit: int, exclude_hosts: Iterable[str] = (), scan: int = 200
) -> list[Link]:
    """Links whose latest checks got an HTTP answer (any status), newest first, one per host,
    at most ``limit``: hosts known to answer the checker. Reads only the newest ``scan``
    answered checks (backwards on the ``checked_at`` index)."""
    excluded = set(exclude_hosts)
    rows = (
        LinkCheck.objects.filter(status__isnull=False)
        .order_by("-checked_at", "-pk")
        .values_list("link_id", "link__host")[:scan]
    )
    chosen: dict[str, int] = {}
    for link_id, host in rows:
        if host not in excluded and host not in chosen:
            chosen[host] = link_id
            if len(chosen) >= limit:
                break
    if not chosen:
        return []
    links = Link.objects.in_bulk(list(chosen.values()))
    return [links[pk] for pk in chosen.values() if pk in links]


def link_checker_health() -> tuple[bool, str]:
    """For ``/healthz`` (registered from ``SourcesConfig.ready``): not ok while the checker's
    outage lasts. Never raises."""
    try:
        outage = link_checker_outage_open()
    except Exception as exc:
        return False, f"cannot read the link checker's state: {type(exc).__name__}: {exc}"
    if outage is None:
        return True, "checking links"
    return False, (
        f"checker outage since {outage.started_at.isoformat(timespec='seconds')}: "
        f"{outage.evidence}; failures to reach hosts are not counted against links and the "
        "sweeper sends only probe links until a check gets an HTTP answer"
    )


# ----------------------------------------------------------------------- evidence


def used_by_published_verdict():
    """For annotating links: some published verdict rests on this link as evidence (the app
    above answers, ``sources.usage``)."""
    return usage().published_use()


def risky_links() -> QuerySet[Link]:
    """Links whose evidence is at risk: dead as shown (an editor's override decides), or
    moved to another site and not confirmed by an editor."""
    return (
        Link.objects.with_effective_state()
        .filter(Q(shown_state=LinkState.DEAD) | (Q(override_state="") & ~Q(moved_to_host="")))
        .order_by()
    )


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
    number: links by state here; citations, evidence and published verdicts relying on
    evidence from the app above (``sources.usage``)."""
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
    for source_id, counts in usage().counts_by_source(user=user, source_ids=ids).items():
        for attribute, total in counts.items():
            setattr(stats[source_id], attribute, total)
    return stats


def source_ratings(*, source: Source) -> QuerySet[SourceRating]:
    """A source's rating history, newest first."""
    return source.ratings.select_related("rated_by").order_by("-created_at", "-pk")


def source_history(*, user, source: Source, limit: int = 50) -> list[TimelineEntry]:
    """The audit events about a source, newest first."""
    return history_of(user=user, target=source, limit=limit)


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
    for host, counts in usage().counts_by_unowned_host(user=user).items():
        item = entry(host)
        item.citations += counts.get("citations", 0)
        item.evidence += counts.get("evidence", 0)
    items = list(found.values())
    needle = search.strip().lower()
    if needle:
        items = [item for item in items if any(needle in host for host in item.hosts)]
    for item in items:
        item.hosts.sort()
    items.sort(key=lambda item: (-(item.evidence + item.citations), -item.links, item.domain))
    return items


def source_import_job_get(*, user, pk: int) -> SourceImportJob:
    """A CSV import job for its page, without the file (raises
    ``SourceImportJob.DoesNotExist``)."""
    return (
        SourceImportJob.objects.visible_to(user)
        .select_related("requested_by")
        .defer("data")
        .get(pk=pk)
    )
