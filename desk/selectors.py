"""Reads of the desk: the dashboard's numbers and the team list.

Every dashboard selector runs a fixed number of queries whatever the amount of data: counts
are grouped in SQL by day (``TruncDate`` in the desk's time zone) and the few rows that come
back are arranged in Python. Two charts show how a population changed over the period
(claims by status, links by state). Neither table keeps daily snapshots, so the selector
starts from today's counts and walks back through the recorded changes: the audit events'
``changes.status`` for claims, the ``LinkCheck`` rows' ``state_before``/``state_after`` for
links, and the rows created each day in the state they started in (the "before" of their
first recorded change, or their state now if they never changed).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from audit.models import AuditEvent
from audit.selectors import TimelineEntry, history_of, timeline
from audit.templatetags.audit import person
from claims.models import Claim, Evidence, RatingLevel, RatingScale, Verdict
from factcheck.lib.roles import ROLES
from sources.models import Link, LinkCheck, LinkState

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# The median time to publish is computed from at most this many publications (the most
# recent ones); a desk publishing more than this in a period sees it said on the page.
MEDIAN_SAMPLE_CAP = 20_000
# How many published verdicts with evidence at risk the dashboard lists.
AT_RISK_LISTED = 5

STATUS_ORDER = (
    Claim.Status.NEW,
    Claim.Status.IN_REVIEW,
    Claim.Status.AWAITING_APPROVAL,
    Claim.Status.PUBLISHED,
    Claim.Status.DISMISSED,
)
# Link states as the dashboard groups them: redirected links work (they moved); unchecked,
# blocked and unsafe links say nothing about the link's health yet.
LINK_GROUPS = {
    "alive": (pgettext_lazy("link health group", "Alive"), (LinkState.ALIVE, LinkState.REDIRECTED)),
    "failing": (pgettext_lazy("link health group", "Failing"), (LinkState.FAILING,)),
    "dead": (pgettext_lazy("link health group", "Dead"), (LinkState.DEAD,)),
    "other": (
        pgettext_lazy("link health group", "Unchecked, blocked or unsafe"),
        (LinkState.UNCHECKED, LinkState.BLOCKED, LinkState.UNSAFE),
    ),
}
_LINK_GROUP_OF = {state: key for key, (_, states) in LINK_GROUPS.items() for state in states}
PUBLISHED_STATES = (Verdict.State.PUBLISHED, Verdict.State.SUPERSEDED)


@dataclass(frozen=True)
class Period:
    """The last ``days`` days, today included, in the desk's time zone."""

    days: int
    today: date

    @property
    def first(self) -> date:
        return self.today - timedelta(days=self.days - 1)

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def period_for(days, *, now: datetime | None = None) -> Period:
    """The period of ``days`` if it is one of :data:`PERIODS`, else the default one."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    return Period(days=days, today=timezone.localdate(now or timezone.now()))


def _day(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=timezone.get_current_timezone())


@dataclass
class History:
    """How many rows were in each state at the end of each day of the period."""

    days: list[date]
    series: dict[str, list[int]]
    labels: dict[str, str]

    def rows(self) -> list[tuple[date, list[int]]]:
        """``(day, [count per state in the order of labels])`` for the data table."""
        keys = list(self.labels)
        return [(day, [self.series[k][i] for k in keys]) for i, day in enumerate(self.days)]

    @property
    def now(self) -> dict[str, int]:
        return {key: values[-1] for key, values in self.series.items()}


def _walk_back(
    days: list[date],
    current: dict[str, int],
    changes: list[tuple[date, str, str, int]],
    created: list[tuple[date, str, int]],
    keys: list[str],
) -> dict[str, list[int]]:
    """End-of-day counts per key: today's counts, undoing each day's changes (``before ->
    after``, ``n`` times) and creations (in their first state) on the way back."""
    index = {day: i for i, day in enumerate(days)}
    delta = {key: [0] * len(days) for key in keys}
    for day, before, after, n in changes:
        i = index.get(day)
        if i is None:
            continue
        if after in delta:
            delta[after][i] += n
        if before in delta:
            delta[before][i] -= n
    for day, first, n in created:
        i = index.get(day)
        if i is not None and first in delta:
            delta[first][i] += n
    running = {key: current.get(key, 0) for key in keys}
    series = {key: [0] * len(days) for key in keys}
    for i in reversed(range(len(days))):
        for key in keys:
            series[key][i] = max(0, running[key])
            running[key] -= delta[key][i]
    return series


# --------------------------------------------------------------------- claims by status


def claims_by_status(*, user, period: Period) -> History:
    """Claims in each status at the end of each day. Three queries."""
    claims = Claim.objects.visible_to(user)
    current = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    status_events = AuditEvent.objects.visible_to(user).filter(
        claim_id__isnull=False, action__startswith="claims.claim.", changes__has_key="status"
    )
    changes = list(
        status_events.filter(created_at__gte=period.since)
        .annotate(day=_day("created_at"))
        .annotate(before=KT("changes__status__0"), after=KT("changes__status__1"))
        .order_by()
        .values_list("day", "before", "after")
        .annotate(n=Count("pk"))
    )
    first_status = (
        status_events.filter(claim_id=OuterRef("pk"))
        .order_by("created_at", "pk")
        .values(first=KT("changes__status__0"))[:1]
    )
    created = list(
        claims.filter(created_at__gte=period.since)
        .annotate(
            day=_day("created_at"),
            first=Coalesce(Subquery(first_status), F("status"), output_field=CharField()),
        )
        .order_by()
        .values_list("day", "first")
        .annotate(n=Count("pk"))
    )
    keys = [str(s) for s in STATUS_ORDER]
    return History(
        days=period.dates(),
        series=_walk_back(period.dates(), current, changes, created, keys),
        labels={str(s): s.label for s in STATUS_ORDER},
    )


# --------------------------------------------------------------------- link health


def link_health(*, user, period: Period) -> History:
    """Links alive, failing, dead (and the rest) at the end of each day, as the checker
    saw them (editors' overrides aside). Three queries."""
    links = Link.objects.visible_to(user)
    current: dict[str, int] = {}
    for state, n in links.order_by().values_list("state").annotate(n=Count("pk")):
        key = _LINK_GROUP_OF.get(state, "other")
        current[key] = current.get(key, 0) + n
    checks = LinkCheck.objects.visible_to(user)
    changes = [
        (day, _LINK_GROUP_OF.get(before, "other"), _LINK_GROUP_OF.get(after, "other"), n)
        for day, before, after, n in (
            checks.filter(checked_at__gte=period.since)
            .exclude(state_before=F("state_after"))
            .annotate(day=_day("checked_at"))
            .order_by()
            .values_list("day", "state_before", "state_after")
            .annotate(n=Count("pk"))
        )
    ]
    first_state = (
        LinkCheck.objects.filter(link=OuterRef("pk"))
        .order_by("checked_at", "pk")
        .values("state_before")[:1]
    )
    created = [
        (day, _LINK_GROUP_OF.get(first, "other"), n)
        for day, first, n in (
            links.filter(created_at__gte=period.since)
            .annotate(
                day=_day("created_at"),
                first=Coalesce(Subquery(first_state), F("state"), output_field=CharField()),
            )
            .order_by()
            .values_list("day", "first")
            .annotate(n=Count("pk"))
        )
    ]
    keys = list(LINK_GROUPS)
    return History(
        days=period.dates(),
        series=_walk_back(period.dates(), current, changes, created, keys),
        labels={key: label for key, (label, _) in LINK_GROUPS.items()},
    )


# --------------------------------------------------------------------- verdicts by rating


def verdicts_by_rating(*, user, period: Period) -> list[RatingLevel]:
    """Rating levels with ``published`` = verdicts published in the period with that
    rating (corrections included): every level of the active scale, and any other level
    used in the period. One query."""
    published = Q(
        verdicts__in=Verdict.objects.visible_to(user).filter(
            state__in=PUBLISHED_STATES, published_at__gte=period.since
        )
    )
    return list(
        RatingLevel.objects.visible_to(user)
        .annotate(published=Count("verdicts", filter=published))
        .filter(Q(scale__is_active=True) | Q(published__gt=0))
        .select_related("scale")
        .order_by("-scale__is_active", "scale__name", "position", "pk")
    )


# --------------------------------------------------------------------- throughput


@dataclass
class Throughput:
    """One person's work in the period."""

    user_id: int
    username: str
    name: str
    is_active: bool
    written: int = 0  # verdicts they wrote that were published in the period
    approved: int = 0  # verdicts they approved (published) in the period
    evidence: int = 0  # pieces of evidence they added in the period

    @property
    def total(self) -> int:
        return self.written + self.approved + self.evidence

    @property
    def display(self) -> str:
        shown = self.name or self.username
        return shown if self.is_active else gettext("%(name)s (deactivated)") % {"name": shown}


def throughput_per_reviewer(*, user, period: Period) -> list[Throughput]:
    """Verdicts written and approved (published in the period) and evidence added, per
    person, busiest first. Three queries."""
    verdicts = Verdict.objects.visible_to(user).filter(
        state__in=PUBLISHED_STATES, published_at__gte=period.since
    )
    people: dict[int, Throughput] = {}

    def add(rows, attr: str) -> None:
        for pk, username, first, last, active, n in rows:
            if pk is None:
                continue
            person = people.setdefault(
                pk,
                Throughput(
                    user_id=pk,
                    username=username,
                    name=f"{first} {last}".strip(),
                    is_active=active,
                ),
            )
            setattr(person, attr, n)

    def grouped(queryset, who: str):
        return (
            queryset.order_by()
            .values_list(
                who,
                f"{who}__username",
                f"{who}__first_name",
                f"{who}__last_name",
                f"{who}__is_active",
            )
            .annotate(n=Count("pk"))
        )

    add(grouped(verdicts, "author"), "written")
    add(grouped(verdicts, "approver"), "approved")
    evidence = Evidence.objects.visible_to(user).filter(created_at__gte=period.since)
    add(grouped(evidence, "added_by"), "evidence")
    return sorted(people.values(), key=lambda p: (-p.total, p.username))


# --------------------------------------------------------------------- time to publish


@dataclass
class TimeToPublish:
    median: timedelta | None
    count: int
    capped: bool
    weeks: list[tuple[date, timedelta | None, int]] = field(default_factory=list)


def time_to_publish(*, user, period: Period) -> TimeToPublish:
    """Median time from an article's ingestion to the first publication of a verdict on
    one of its claims, over the claims first published in the period, and per week (weeks
    start on the period's first day). One query; the median is taken in Python (the same
    on SQLite and PostgreSQL) over at most :data:`MEDIAN_SAMPLE_CAP` publications."""
    rows = list(
        Verdict.objects.visible_to(user)
        .filter(
            state__in=PUBLISHED_STATES,
            supersedes__isnull=True,
            published_at__gte=period.since,
        )
        .order_by("-published_at", "-pk")
        .values_list("published_at", "claim__article__created_at")[: MEDIAN_SAMPLE_CAP + 1]
    )
    capped = len(rows) > MEDIAN_SAMPLE_CAP
    rows = rows[:MEDIAN_SAMPLE_CAP]
    durations = [max(timedelta(0), published - ingested) for published, ingested in rows]
    weeks: dict[int, list[timedelta]] = {}
    for (published, _), spent in zip(rows, durations, strict=True):
        offset = (timezone.localdate(published) - period.first).days
        weeks.setdefault(offset // 7, []).append(spent)
    starts = range(0, period.days, 7)
    return TimeToPublish(
        median=_median(durations),
        count=len(durations),
        capped=capped,
        weeks=[
            (
                period.first + timedelta(days=s),
                _median(weeks.get(s // 7, [])),
                len(weeks.get(s // 7, [])),
            )
            for s in starts
        ],
    )


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


# --------------------------------------------------------------------- evidence at risk


@dataclass
class AtRiskSummary:
    verdicts: int
    links: int
    latest: list  # sources.selectors.AtRisk


def evidence_at_risk_summary(*, user) -> AtRiskSummary:
    """Published verdicts resting on evidence at risk now (live, as on the at-risk page),
    the links concerned, and the latest few. Four queries."""
    from claims.links import AtRisk, evidence_at_risk_verdicts
    from sources.selectors import risky_links

    verdicts = evidence_at_risk_verdicts(user=user)
    used = Evidence.objects.visible_to(user).filter(claim__verdicts__state=Verdict.State.PUBLISHED)
    return AtRiskSummary(
        verdicts=verdicts.count(),
        links=risky_links().filter(pk__in=used.values("link")).count(),
        latest=[
            AtRisk(verdict=v, evidence=v.claim.evidence_at_risk) for v in verdicts[:AT_RISK_LISTED]
        ],
    )


# --------------------------------------------------------------------- the team


def team_list(*, user):
    """Every account with its role (prefetched: two queries), active ones first."""
    return (
        get_user_model()
        .objects.prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=ROLES), to_attr="roles")
        )
        .order_by("-is_active", "username")
    )


def user_activity(*, user, person) -> dict:
    """What a person's work amounts to (it stays attributed when they are deactivated)."""
    return {
        "open_claims": Claim.objects.visible_to(user)
        .filter(assignee=person)
        .exclude(status__in=[Claim.Status.PUBLISHED, Claim.Status.DISMISSED])
        .count(),
        "written": Verdict.objects.visible_to(user)
        .filter(author=person, state__in=PUBLISHED_STATES)
        .count(),
        "approved": Verdict.objects.visible_to(user)
        .filter(approver=person, state__in=PUBLISHED_STATES)
        .count(),
        "evidence": Evidence.objects.visible_to(user).filter(added_by=person).count(),
    }


def user_history(*, user, person, limit: int = 50) -> list[TimelineEntry]:
    """Audit events about an account (invitation, role changes, ...), newest first."""
    return history_of(user=user, target=person, limit=limit)


def team_history(*, user, limit: int = 20) -> list[TimelineEntry]:
    """The latest changes to accounts (served by the audit table's target index), each
    linking to the account concerned. Two queries."""
    User = get_user_model()
    events = list(
        AuditEvent.objects.visible_to(user)
        .filter(target_type=ContentType.objects.get_for_model(User))
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
    targets = User.objects.in_bulk({event.target_id for event in events})
    entries = timeline(events)
    for entry in entries:
        target = targets.get(entry.event.target_id)
        if target is not None:
            entry.link = (reverse("desk:user_detail", args=[target.pk]), person(target))
    return entries


# --------------------------------------------------------------------- rating scales


def scales_overview(*, user) -> list[RatingScale]:
    """Every scale, the active one first, with its levels in order; each level carries
    ``published`` (published or superseded verdicts rated with it), ``drafts`` (open
    verdicts) and ``deletable``. Two queries."""
    levels = (
        RatingLevel.objects.visible_to(user)
        .annotate(
            published=Count("verdicts", filter=Q(verdicts__state__in=PUBLISHED_STATES)),
            drafts=Count("verdicts", filter=Q(verdicts__state__in=Verdict.OPEN_STATES)),
        )
        .order_by("position", "pk")
    )
    scales = list(
        RatingScale.objects.visible_to(user)
        .prefetch_related(Prefetch("levels", queryset=levels))
        .order_by("-is_active", "name")
    )
    for scale in scales:
        for level in scale.levels.all():
            # Whether to offer a Delete button; the service has the last word (it also
            # refuses the last active level of the active scale, with the reason).
            level.deletable = not (
                level.published
                or level.drafts
                or (scale.is_active and (level.is_best or level.is_worst))
            )
    return scales
