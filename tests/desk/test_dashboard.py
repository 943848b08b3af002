"""The dashboard: each selector's numbers on a known history, their constant query counts,
and the page (charts as inline SVG with data tables, the period selector)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from claims.models import Claim, Evidence, RatingLevel, RatingScale, Verdict
from desk import selectors
from desk.dashboard import human_duration
from factcheck.lib.versions import NO_VERSION_CHECK
from sources.models import Link
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    LinkCheckFactory,
    LinkFactory,
    UserFactory,
    VerdictFactory,
    rating_level,
)

pytestmark = pytest.mark.django_db


def _at(days_ago: int, hour: int = 12) -> datetime:
    """Noon (or ``hour``) of the day ``days_ago`` days before today, in the desk's zone."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _status_event(claim, days_ago: int, before: str, after: str) -> None:
    event = AuditEvent.objects.create(
        action="claims.claim.review_started",
        claim_id=claim.pk,
        article_id=claim.article_id,
        changes={"status": [before, after]},
    )
    AuditEvent.objects.filter(pk=event.pk).update(created_at=_at(days_ago))


def _created(model, obj, days_ago: int) -> None:
    model.objects.filter(pk=obj.pk).update(created_at=_at(days_ago))


def _published(*, rating="false", days_ago=1, author=None, approver=None, ingested_hours=None):
    """A claim with a verdict published ``days_ago``; its article was ingested
    ``ingested_hours`` before the publication (default: a day)."""
    published_at = _at(days_ago)
    article = ArticleFactory()
    Article = type(article)
    ingested = published_at - timedelta(hours=ingested_hours or 24)
    Article.objects.filter(pk=article.pk).update(created_at=ingested)
    level = rating_level(rating)
    claim = ClaimFactory(article=article, status=Claim.Status.PUBLISHED, rating=level)
    return VerdictFactory(
        claim=claim,
        rating=level,
        state=Verdict.State.PUBLISHED,
        published_at=published_at,
        author=author or UserFactory(),
        approver=approver or UserFactory(),
    )


def _period(days=7):
    return selectors.period_for(days)


# --------------------------------------------------------------------- claims by status


def test_claims_by_status_replays_the_recorded_changes_day_by_day(reviewer):
    # A: created before the period; new -> in review -> awaiting -> published.
    a = ClaimFactory(status=Claim.Status.PUBLISHED)
    _created(Claim, a, 10)
    _status_event(a, 5, "new", "in_review")
    _status_event(a, 3, "in_review", "awaiting_approval")
    _status_event(a, 2, "awaiting_approval", "published")
    # B: created four days ago, in review since yesterday.
    b = ClaimFactory(status=Claim.Status.IN_REVIEW)
    _created(Claim, b, 4)
    _status_event(b, 1, "new", "in_review")
    # C: made published directly two days ago (no recorded change): published since then.
    c = ClaimFactory(status=Claim.Status.PUBLISHED)
    _created(Claim, c, 2)
    history = selectors.claims_by_status(user=reviewer, period=_period(7))
    assert history.days[-1] == timezone.localdate()
    assert history.series == {
        "new": [1, 0, 1, 1, 1, 0, 0],
        "in_review": [0, 1, 1, 0, 0, 1, 1],
        "awaiting_approval": [0, 0, 0, 1, 0, 0, 0],
        "published": [0, 0, 0, 0, 2, 2, 2],
        "dismissed": [0, 0, 0, 0, 0, 0, 0],
    }
    assert history.now == {
        "new": 0,
        "in_review": 1,
        "awaiting_approval": 0,
        "published": 2,
        "dismissed": 0,
    }


def test_claims_by_status_follows_the_real_workflow_services(reviewer, editor):
    from claims import services

    claim = ClaimFactory()
    services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="Wrong.",
        rationale="Because.",
        version=NO_VERSION_CHECK,
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    history = selectors.claims_by_status(user=reviewer, period=_period(7))
    assert history.now["awaiting_approval"] == 1
    assert sum(values[-1] for values in history.series.values()) == 1
    assert history.series["new"][-2] == 0  # it did not exist yesterday


# --------------------------------------------------------------------- link health


def test_link_health_replays_the_checks_state_changes_day_by_day(reviewer):
    l1 = LinkFactory(state="dead")
    _created(Link, l1, 20)
    for days_ago, before, after in (
        (5, "alive", "failing"),
        (3, "failing", "failing"),
        (2, "failing", "dead"),
    ):
        LinkCheckFactory(link=l1, checked_at=_at(days_ago), state_before=before, state_after=after)
    LinkCheckFactory(link=l1, checked_at=_at(30), state_before="unchecked", state_after="alive")
    l2 = LinkFactory(state="alive")
    _created(Link, l2, 3)
    LinkCheckFactory(link=l2, checked_at=_at(3, 13), state_before="unchecked", state_after="alive")
    l3 = LinkFactory()  # unchecked
    _created(Link, l3, 1)
    history = selectors.link_health(user=reviewer, period=_period(7))
    assert history.series == {
        "alive": [1, 0, 0, 1, 1, 1, 1],
        "failing": [0, 1, 1, 1, 0, 0, 0],
        "dead": [0, 0, 0, 0, 1, 1, 1],
        "other": [0, 0, 0, 0, 0, 1, 1],
    }


def test_redirected_links_count_as_alive_and_blocked_ones_as_other(reviewer):
    LinkFactory(state="redirected")
    LinkFactory(state="blocked")
    history = selectors.link_health(user=reviewer, period=_period(7))
    assert history.now == {"alive": 1, "failing": 0, "dead": 0, "other": 1}


# --------------------------------------------------------------------- verdicts by rating


def test_verdicts_by_rating_counts_publications_of_the_period_on_every_active_level(
    reviewer,
):
    _published(rating="false", days_ago=1)
    _published(rating="false", days_ago=3)
    _published(rating="true", days_ago=2)
    _published(rating="true", days_ago=40)  # before the period
    VerdictFactory(rating=rating_level("mixed"))  # a draft
    old_scale = RatingScale.objects.create(name="Old scale")
    old = RatingLevel.objects.create(
        scale=old_scale,
        label="Pants on fire",
        slug="pof",
        value=0,
        colour="#aa0000",
        definition="Very false.",
    )
    superseded = _published(rating="false", days_ago=2)
    Verdict.objects.filter(pk=superseded.pk).update(rating=old, state=Verdict.State.SUPERSEDED)
    levels = {
        lv.label: lv.published
        for lv in selectors.verdicts_by_rating(user=reviewer, period=_period(30))
    }
    assert levels["False"] == 2 and levels["True"] == 1 and levels["Mixed"] == 0
    assert levels["Pants on fire"] == 1  # a level of another scale, used in the period
    assert len(levels) == 8  # the seven levels of the active scale, and that one


# --------------------------------------------------------------------- throughput


def test_throughput_counts_each_persons_verdicts_approvals_and_evidence(reviewer):
    ann = UserFactory(username="ann")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder", is_active=False)
    _published(author=ann, approver=bob, days_ago=1)
    _published(author=ann, approver=bob, days_ago=2)
    _published(author=bob, approver=ann, days_ago=3)
    _published(author=ann, approver=bob, days_ago=60)  # before the period
    EvidenceFactory(added_by=ann)
    old = EvidenceFactory(added_by=ann)
    Evidence.objects.filter(pk=old.pk).update(created_at=_at(60))
    people = {
        p.username: p for p in selectors.throughput_per_reviewer(user=reviewer, period=_period(30))
    }
    assert (people["ann"].written, people["ann"].approved, people["ann"].evidence) == (2, 1, 1)
    assert (people["bob"].written, people["bob"].approved, people["bob"].evidence) == (1, 2, 0)
    assert people["bob"].display == "Bob Builder (deactivated)"
    assert people["ann"].display == "ann"


# --------------------------------------------------------------------- time to publish


def test_the_median_time_from_ingest_to_publish_is_over_first_publications(reviewer):
    for hours in (1, 3, 10):
        _published(days_ago=1, ingested_hours=hours)
    first = _published(days_ago=9, ingested_hours=48)
    # A correction of an earlier verdict is not a first publication.
    correction = _published(days_ago=1, ingested_hours=500)
    Verdict.objects.filter(pk=correction.pk).update(supersedes=first, correction_note="Fixed.")
    result = selectors.time_to_publish(user=reviewer, period=_period(30))
    assert result.count == 4
    assert result.median == timedelta(hours=6.5)  # median of 1, 3, 10 and 48 hours
    assert not result.capped
    by_week = {start: (median, n) for start, median, n in result.weeks}
    this_week = max(by_week)
    assert by_week[this_week] == (timedelta(hours=3), 3)
    assert len(result.weeks) == 5  # 30 days in weeks from the period's first day


def test_the_median_is_taken_from_the_latest_publications_when_there_are_too_many(
    reviewer, monkeypatch
):
    monkeypatch.setattr(selectors, "MEDIAN_SAMPLE_CAP", 2)
    _published(days_ago=1, ingested_hours=1)
    _published(days_ago=2, ingested_hours=2)
    _published(days_ago=3, ingested_hours=100)
    result = selectors.time_to_publish(user=reviewer, period=_period(7))
    assert result.capped and result.count == 2
    assert result.median == timedelta(hours=1.5)


def test_durations_read_like_a_person_would_say_them():
    assert human_duration(None) == "\u2013"
    assert human_duration(timedelta(minutes=12)) == "12 min"
    assert human_duration(timedelta(hours=5, minutes=20)) == "5 h 20 min"
    assert human_duration(timedelta(days=3, hours=4)) == "3 d 4 h"
    assert human_duration(timedelta(days=2)) == "2 d"


# --------------------------------------------------------------------- evidence at risk


def test_evidence_at_risk_counts_published_verdicts_resting_on_dead_links(reviewer):
    verdict = _published(days_ago=1)
    dead = LinkFactory(state="dead")
    EvidenceFactory(claim=verdict.claim, link=dead)
    EvidenceFactory(claim=verdict.claim, link=LinkFactory(state="alive"))
    EvidenceFactory(claim=ClaimFactory(), link=LinkFactory(state="dead"))  # not published
    summary = selectors.evidence_at_risk_summary(user=reviewer)
    assert (summary.verdicts, summary.links) == (1, 1)
    assert [item.verdict.pk for item in summary.latest] == [verdict.pk]
    assert [ev.link for ev in summary.latest[0].evidence] == [dead]


# --------------------------------------------------------------------- query counts


def _add_data(n: int) -> None:
    users = [UserFactory() for _ in range(3)]
    for i in range(n):
        verdict = _published(days_ago=i % 20, author=users[i % 3], approver=users[(i + 1) % 3])
        link = LinkFactory(state=("dead", "alive", "failing")[i % 3])
        EvidenceFactory(claim=verdict.claim, link=link, added_by=users[i % 3])
        LinkCheckFactory(link=link, checked_at=_at(i % 20), state_after=link.state)
        _status_event(verdict.claim, i % 20, "new", "in_review")
        _created(Claim, ClaimFactory(), i % 25)


@pytest.mark.parametrize(
    "selector",
    [
        "claims_by_status",
        "link_health",
        "verdicts_by_rating",
        "throughput_per_reviewer",
        "time_to_publish",
        "evidence_at_risk_summary",
    ],
)
def test_each_dashboard_selector_runs_the_same_queries_for_more_data(selector, reviewer):
    call = getattr(selectors, selector)
    kwargs = {} if selector == "evidence_at_risk_summary" else {"period": _period(30)}
    call(user=reviewer, **kwargs)  # warm caches (content types, permissions)
    counts = []
    for n in (2, 12):
        _add_data(n)
        with CaptureQueriesContext(connection) as queries:
            call(user=reviewer, **kwargs)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_dashboard_page_runs_the_same_queries_for_more_data(client_for):
    client = client_for("reviewer")
    client.get("/review/dashboard/")
    counts = []
    for n in (2, 12):
        _add_data(n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/review/dashboard/?days=90").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 25


# --------------------------------------------------------------------- the page


def test_the_dashboard_draws_every_chart_as_inline_svg_with_its_numbers(client_for):
    _add_data(4)
    response = client_for("editor").get("/review/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Claims by status",
        "Verdicts by rating",
        "Throughput per reviewer",
        "Time from ingest to publish",
        "Link health",
        "Evidence at risk",
    ):
        assert f">{heading}</h2>" in html, heading
    assert html.count('<svg class="chart"') == 5
    # Every chart has an accessible name and description, and a table of its numbers.
    for chart_id in ("status", "rating", "people", "speed", "links"):
        assert f'aria-labelledby="chart-{chart_id}-title chart-{chart_id}-desc"' in html
    assert html.count('<details class="chart-data">') == 5
    assert not re.search(r"\sstyle\s*=|<style|<script(?![^>]*\bsrc=)", html)
    assert "Last 30 days" in html and 'aria-current="page">Last 30 days' in html
    # Editors get the link to the full list of evidence at risk.
    assert 'href="/review/links/at-risk/"' in html


def test_the_period_selector_switches_between_7_30_and_90_days(client_for):
    client = client_for("reviewer")
    week = client.get("/review/dashboard/?days=7").context
    assert week["period"].days == 7 and len(week["status"].days) == 7
    quarter = client.get("/review/dashboard/?days=90").context
    assert len(quarter["links"].days) == 90
    # Anything else falls back to 30 days.
    for junk in ("365", "abc", ""):
        assert client.get(f"/review/dashboard/?days={junk}").context["period"].days == 30


def test_the_dashboard_works_with_no_data_at_all(client_for):
    response = client_for("reviewer").get("/review/dashboard/")
    assert response.status_code == 200
    assert b"Nobody published a verdict or added evidence in this period." in response.content


def test_numbers_in_the_svg_are_not_localised(client_for, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    settings.LANGUAGE_CODE = "de"
    _add_data(3)
    html = client_for("reviewer").get("/review/dashboard/").content.decode()
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        for value in re.findall(r'\s(?:x|y|width|height|x1|x2|y1|y2|cx|cy)="([^"]*)"', svg):
            float(value)  # "12,5" would raise


def test_the_dashboard_keeps_its_figures_for_a_while_and_says_when_they_were_computed(
    client_for, settings
):
    settings.FACTCHECK_DASHBOARD_CACHE_SECONDS = 120
    from django.core.cache import cache

    cache.clear()
    client = client_for("editor")
    _add_data(2)
    first = client.get("/review/dashboard/?days=30")
    assert first.status_code == 200 and "Figures as of" in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/review/dashboard/?days=30")
    assert again.status_code == 200
    # Session, user, permissions and roles only: nothing the dashboard counts.
    assert len(queries) <= 6, [q["sql"] for q in queries]
    for query in queries:
        for table in ("claims_claim", "claims_auditevent", "claims_verdict", "sources_link"):
            assert table not in query["sql"], query["sql"]
    other_period = client.get("/review/dashboard/?days=7")
    assert other_period.status_code == 200
