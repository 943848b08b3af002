"""The dashboard page: the selectors' numbers turned into charts (``desk.charts``) and the
headline figures. The view renders what :func:`dashboard_context` returns."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import dateformat, timezone
from django.utils.translation import get_language, gettext

from desk import charts, selectors
from desk.selectors import Period
from factcheck.lib.roles import user_roles


def human_duration(value: timedelta | None) -> str:
    """``3 d 4 h``, ``5 h 20 min``, ``12 min``; an en dash for no value."""
    if value is None:
        return "\u2013"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        if hours:
            return gettext("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
        return gettext("%(days)s d") % {"days": days}
    if hours:
        if minutes:
            return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
        return gettext("%(hours)s h") % {"hours": hours}
    return gettext("%(minutes)s min") % {"minutes": minutes}


def _hours(value: float) -> str:
    """A tick of the time-to-publish chart: hours below two days, then days."""
    if value >= 48:
        days = value / 24
        return gettext("%(days)s d") % {
            "days": f"{days:.0f}" if days.is_integer() else f"{days:.1f}"
        }
    return gettext("%(hours)s h") % {"hours": f"{value:.0f}"}


def _listed(pairs) -> str:
    return ", ".join(f"{label} {value}" for label, value in pairs)


def _day(day) -> str:
    """A day as the charts name it: "7 Dec" (the month in the page's language)."""
    return dateformat.format(day, "j M")


def dashboard_context(*, user, period: Period) -> dict:
    days = period.dates()
    status = selectors.claims_by_status(user=user, period=period)
    links = selectors.link_health(user=user, period=period)
    levels = selectors.verdicts_by_rating(user=user, period=period)
    people = selectors.throughput_per_reviewer(user=user, period=period)
    speed = selectors.time_to_publish(user=user, period=period)
    at_risk = selectors.evidence_at_risk_summary(user=user)

    status_chart = charts.line_chart(
        days, [(key, status.labels[key], values) for key, values in status.series.items()]
    )
    link_chart = charts.stacked_columns(
        days, [(key, links.labels[key], values) for key, values in links.series.items()]
    )
    rating_chart = charts.bar_chart(
        [(level.label, [("rating", level.published, level.colour)]) for level in levels]
    )
    people_chart = charts.bar_chart(
        [
            (
                person.display,
                [
                    ("written", person.written, ""),
                    ("approved", person.approved, ""),
                    ("evidence", person.evidence, ""),
                ],
            )
            for person in people
        ],
        legend=[
            ("written", gettext("Verdicts written (published)")),
            ("approved", gettext("Verdicts approved")),
            ("evidence", gettext("Evidence added")),
        ],
    )
    speed_chart = charts.column_chart(
        [
            (_day(start), spent.total_seconds() / 3600 if spent else None)
            for start, spent, _ in speed.weeks
        ],
        fmt=lambda hours: human_duration(timedelta(hours=hours)),
        tick_fmt=_hours,
    )
    start, end = _day(days[0]), _day(days[-1])
    descriptions = {
        "status_desc": gettext(
            "One line per status, a point per day from %(start)s to %(end)s. At the end of "
            "today: %(values)s."
        )
        % {
            "start": start,
            "end": end,
            "values": _listed(
                (status.labels[key], values[-1]) for key, values in status.series.items()
            ),
        },
        "links_desc": gettext(
            "A column per day from %(start)s to %(end)s, its parts stacked from the bottom: "
            "%(parts)s. At the end of today: %(values)s."
        )
        % {
            "start": start,
            "end": end,
            "parts": ", ".join(str(label) for label in links.labels.values()),
            "values": _listed(
                (links.labels[key], values[-1]) for key, values in links.series.items()
            ),
        },
        "rating_desc": gettext("A bar per rating: %(values)s.")
        % {"values": _listed((level.label, level.published) for level in levels)},
        "people_desc": gettext(
            "Three bars per person: verdicts written (published), verdicts approved, evidence "
            "added. %(values)s."
        )
        % {
            "values": "; ".join(
                f"{p.display}: {p.written}, {p.approved}, {p.evidence}" for p in people[:20]
            )
        },
        "speed_desc": gettext("A column per week, the median time to publish: %(values)s.")
        % {
            "values": _listed(
                (gettext("week from %(day)s") % {"day": _day(week)}, human_duration(spent))
                for week, spent, _ in speed.weeks
            )
        },
    }
    open_statuses = ("new", "in_review", "awaiting_approval")
    return {
        **descriptions,
        "period": period,
        "periods": selectors.PERIODS,
        "status": status,
        "status_chart": status_chart,
        "links": links,
        "link_chart": link_chart,
        "levels": levels,
        "rating_chart": rating_chart,
        "published_total": sum(level.published for level in levels),
        "people": people,
        "people_chart": people_chart,
        "speed": speed,
        "speed_chart": speed_chart,
        "speed_weeks": [
            (start, human_duration(spent), count) for start, spent, count in speed.weeks
        ],
        "median": human_duration(speed.median),
        "open_claims": sum(status.now.get(key, 0) for key in open_statuses),
        "awaiting": status.now.get("awaiting_approval", 0),
        "at_risk": at_risk,
        "median_cap": selectors.MEDIAN_SAMPLE_CAP,
    }


def dashboard_context_kept(*, user, period: Period) -> dict:
    """:func:`dashboard_context`, kept ``FACTCHECK_DASHBOARD_CACHE_SECONDS`` (two minutes)
    per period and role set: its queries read every claim's status history and cost about
    0.3-0.5 s on 100,000 claims, the figures are the same for everyone with the same roles,
    and the page says when they were computed."""
    seconds = settings.FACTCHECK_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return {**dashboard_context(user=user, period=period), "computed_at": timezone.now()}
    roles = ",".join(user_roles(user))
    # Per language too: the charts' descriptions and dates are in the page's language.
    key = f"desk:dashboard:{period.days}:{period.today.isoformat()}:{roles}:{get_language()}"
    context = cache.get(key)
    if context is None:
        context = {**dashboard_context(user=user, period=period), "computed_at": timezone.now()}
        cache.set(key, context, seconds)
    return context
