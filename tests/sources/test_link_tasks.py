"""Link-check jobs: claiming, sweeping, recording, archive look-ups, pruning, the command.

Every server is a local one on a loopback address started by the test.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from sources import selectors, services
from sources.fetching import CheckResult, Outcome
from sources.models import Link, LinkCheck, LinkState
from sources.tasks import link_check_batch, link_checks_prune
from tests.factories import LinkCheckFactory, LinkFactory
from tests.sources.httpserver import LocalHTTPServer, redirect, respond

pytestmark = pytest.mark.django_db

TEXT = "text/plain"


@pytest.fixture
def server(allow_servers, fast_link_settings):
    with LocalHTTPServer() as local:
        allow_servers(local)
        yield local


def _link(server, path: str, **fields) -> Link:
    url = server.url(path)
    return LinkFactory(url=url, host=server.host, **fields)


def test_running_a_batch_twice_checks_each_link_once(server):
    server.route("/a", respond(200, "a", content_type=TEXT))
    server.route("/b", respond(200, "b", content_type=TEXT))
    links = [_link(server, "/a"), _link(server, "/b")]
    ids = [link.pk for link in links]

    link_check_batch(ids)
    link_check_batch(ids)

    assert len(server.requests_to("/a")) == 1 and len(server.requests_to("/b")) == 1
    assert LinkCheck.objects.count() == 2
    for link in Link.objects.filter(pk__in=ids):
        assert link.state == LinkState.ALIVE
        assert link.checking_since is None and link.queued_at is None
        assert link.next_check_at > timezone.now() + timedelta(days=6)


def test_a_link_claimed_by_a_live_worker_is_not_checked_again(server):
    server.route("/a", respond(200, "a", content_type=TEXT))
    link = _link(server, "/a", checking_since=timezone.now())
    link_check_batch([link.pk])
    assert server.requests == []
    assert LinkCheck.objects.count() == 0


def test_a_claim_left_by_a_dead_worker_expires_after_the_lease(server, patch_setting):
    patch_setting("FACTCHECK_LINK_LEASE_SECONDS", 60)
    server.route("/a", respond(200, "a", content_type=TEXT))
    link = _link(server, "/a", checking_since=timezone.now() - timedelta(seconds=61))
    link_check_batch([link.pk])
    assert len(server.requests_to("/a")) == 1
    link.refresh_from_db()
    assert link.state == LinkState.ALIVE and link.checking_since is None


def test_the_claim_is_one_conditional_update(server):
    links = [_link(server, f"/{n}") for n in range(3)]
    now = timezone.now()
    first = services.links_claim(link_ids=[link.pk for link in links], now=now)
    second = services.links_claim(link_ids=[link.pk for link in links], now=now)
    assert len(first) == 3 and second == []


def test_a_404_twice_three_days_apart_kills_a_link_and_writes_audit_events(server):
    server.route("/gone", respond(404, "<title>Not Found</title>"))
    link = _link(server, "/gone")
    start = timezone.now()
    result = CheckResult(url=link.url, outcome=Outcome.NOT_FOUND, status=404)
    services.link_check_record(link=link, result=result, now=start)
    services.link_check_record(link=link, result=result, now=start + timedelta(days=1))
    link.refresh_from_db()
    assert link.state == LinkState.FAILING and link.failure_points == 2
    services.link_check_record(link=link, result=result, now=start + timedelta(days=3))
    link.refresh_from_db()
    assert link.state == LinkState.DEAD
    assert link.consecutive_failures == 3 and link.first_failure_at == start
    assert list(link.checks.values_list("counted", flat=True)) == [True, False, True]
    events = AuditEvent.objects.filter(action="sources.link.state_changed", target_id=link.pk)
    assert sorted(tuple(e.changes["state"]) for e in events) == [
        ("failing", "dead"),
        ("unchecked", "failing"),
    ]


def test_a_real_check_records_outcome_status_redirects_and_timing(server):
    server.route("/old", lambda r: r.send(301, b"", {"Location": "/new"}))
    server.route("/new", respond(200, "new", content_type=TEXT))
    link = _link(server, "/old")
    link_check_batch([link.pk])
    check = LinkCheck.objects.get(link=link)
    assert check.outcome == "ok" and check.status == 200
    assert check.redirects == [[301, server.url("/new")]]
    assert check.final_url == server.url("/new")
    assert check.elapsed_ms >= 0 and check.state_after == LinkState.REDIRECTED
    link.refresh_from_db()
    assert link.final_url == server.url("/new") and link.last_outcome == "ok"


def test_a_429_schedules_the_next_check_after_retry_after(server):
    server.route("/busy", respond(429, "slow down", headers={"Retry-After": "3600"}))
    link = _link(server, "/busy")
    before = timezone.now()
    link_check_batch([link.pk])
    link.refresh_from_db()
    assert link.last_outcome == "rate_limited" and link.state == LinkState.UNCHECKED
    assert link.next_check_at >= before + timedelta(seconds=3600)
    assert link.failure_points == 0


# ----------------------------------------------------------------------- the sweeper


class Recorder:
    def __init__(self, fail: bool = False):
        self.batches: list[list[int]] = []
        self.fail = fail

    def __call__(self, batch):
        if self.fail:
            raise ConnectionRefusedError("broker down")
        self.batches.append(list(batch))


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(services.queueing, "_publish", rec)
    return rec


def test_the_sweeper_sends_due_links_once_grouped_by_host(recorder, patch_setting):
    patch_setting("FACTCHECK_LINK_BATCH_SIZE", 4)
    now = timezone.now()
    a = [LinkFactory(url=f"https://a.example.org/{n}", host="a.example.org") for n in range(3)]
    b = [LinkFactory(url=f"https://b.example.org/{n}", host="b.example.org") for n in range(3)]
    LinkFactory(
        url="https://c.example.org/later",
        host="c.example.org",
        next_check_at=now + timedelta(hours=1),
    )

    assert services.links_sweep(now=now) == 6
    assert services.links_sweep(now=now) == 0  # all queued: nothing sent twice
    by_batch = [{Link.objects.get(pk=pk).host for pk in batch} for batch in recorder.batches]
    assert all(len(hosts) == 1 for hosts in by_batch)  # 3 + 3 do not fit in 4: never split
    assert sorted(pk for batch in recorder.batches for pk in batch) == sorted(
        link.pk for link in a + b
    )


def test_the_sweeper_skips_hosts_that_have_links_in_flight(recorder):
    now = timezone.now()
    LinkFactory(url="https://a.example.org/busy", host="a.example.org", checking_since=now)
    LinkFactory(url="https://a.example.org/due", host="a.example.org")
    free = LinkFactory(url="https://b.example.org/due", host="b.example.org")
    assert services.links_sweep(now=now) == 1
    assert recorder.batches == [[free.pk]]


def test_the_sweeper_takes_a_bounded_number_per_host_and_in_flight(recorder, patch_setting):
    patch_setting("FACTCHECK_LINK_BATCH_PER_HOST", 2)
    patch_setting("FACTCHECK_LINK_MAX_IN_FLIGHT", 3)
    for host in ("a", "b", "c"):
        for n in range(5):
            LinkFactory(url=f"https://{host}.example.org/{n}", host=f"{host}.example.org")
    assert services.links_sweep() == 3
    assert services.links_sweep() == 0  # three in flight: no room


def test_a_host_batch_is_capped_so_hanging_checks_fit_the_time_limit(patch_setting):
    patch_setting("FACTCHECK_LINK_BATCH_PER_HOST", 50)
    patch_setting("FACTCHECK_FETCH_TOTAL_TIMEOUT", 30.0)
    patch_setting("FACTCHECK_LINK_PER_HOST_CONCURRENCY", 2)
    patch_setting("FACTCHECK_LINK_PER_HOST_INTERVAL", 1.0)
    cfg = services.JobSettings.from_settings()
    cap = cfg.per_host_cap
    assert 1 <= cap < 50
    worst = -(-cap // 2) * 30 + 2 * cap * 1.0
    assert worst <= cfg.budget < cfg.soft_time_limit


def test_a_broker_error_leaves_the_links_due_and_is_logged(monkeypatch, caplog):
    monkeypatch.setattr(services.queueing, "_publish", Recorder(fail=True))
    link = LinkFactory()
    with caplog.at_level(logging.WARNING, logger="sources.services"):
        assert services.links_sweep() == 0
    link.refresh_from_db()
    assert link.queued_at is None
    assert "stay due" in caplog.text
    assert [
        pk
        for pk, _ in selectors.links_due(
            now=timezone.now(), lease=timedelta(minutes=10), per_host=10, limit=10
        )
    ] == [link.pk]


def test_new_cited_links_are_enqueued_when_the_article_commits(
    recorder, digit_scorer, django_capture_on_commit_callbacks, patch_setting
):
    from claims.services import article_ingest

    patch_setting("FACTCHECK_LINK_CHECK_NEW_LINKS", True)

    html = (
        "<html><body><article><p>The city spent 4 million dollars, says "
        '<a href="https://stats.example.org/roads">the report</a>.</p></article></body></html>'
    )
    with django_capture_on_commit_callbacks(execute=True):
        article_ingest(title="Roads", html=html)
    link = Link.objects.get(url="https://stats.example.org/roads")
    assert recorder.batches == [[link.pk]]
    link.refresh_from_db()
    assert link.queued_at is not None


# ----------------------------------------------------------------------- archive


def test_a_failing_link_gets_its_archived_copy_from_the_archive_api(
    server, patch_setting, django_capture_on_commit_callbacks
):
    snapshot = "https://web.archive.example/web/20200101000000/https://gone.example/x"
    api = json.dumps(
        {
            "archived_snapshots": {
                "closest": {
                    "available": True,
                    "url": snapshot,
                    "timestamp": "20200101000000",
                    "status": "200",
                }
            }
        }
    )
    server.route("/wayback/available", respond(200, api, content_type="application/json"))
    server.route("/x", respond(500, "broken"))
    patch_setting("FACTCHECK_ARCHIVE_API_URL", server.url("/wayback/available"))
    from factcheck.celery_app import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the look-up task runs inline when enqueued
    try:
        link = _link(server, "/x")
        with django_capture_on_commit_callbacks(execute=True):
            link_check_batch([link.pk])
    finally:
        app.conf.task_always_eager = was_eager
    link.refresh_from_db()
    assert link.state == LinkState.FAILING
    assert link.archive_url == snapshot and link.archive_checked_at is not None
    [request] = server.requests_to("/wayback/available")
    assert parse_qs(urlsplit(request.path).query) == {"url": [link.url]}


def test_an_archive_without_a_snapshot_leaves_the_link_without_one(server, patch_setting):
    server.route(
        "/wayback/available",
        respond(200, '{"archived_snapshots": {}}', content_type="application/json"),
    )
    patch_setting("FACTCHECK_ARCHIVE_API_URL", server.url("/wayback/available"))
    link = _link(server, "/nothing")
    assert services.link_archive_lookup(link_id=link.pk) == ""
    link.refresh_from_db()
    assert link.archive_url == "" and link.archive_checked_at is not None


def test_no_archive_is_asked_when_none_is_configured(server, patch_setting):
    patch_setting("FACTCHECK_ARCHIVE_API_URL", "")
    link = _link(server, "/x")
    assert services.link_archive_lookup(link_id=link.pk) == ""
    assert server.requests == []


def test_a_page_cited_as_evidence_is_saved_by_the_archive_once(
    server, patch_setting, django_capture_on_commit_callbacks
):
    """ "Save page now": the archive is asked once per link when the page is cited, through
    the guarded fetcher; the copy it redirects to becomes the link's archived copy."""
    from claims import services as claim_services
    from tests.factories import ClaimFactory, UserFactory

    page = server.url("/story")
    server.route("/story", respond(200, "<p>The story.</p>"))
    server.route(f"/save/{page}", redirect(server.url(f"/web/20261207120000/{page}")))
    server.route(f"/web/20261207120000/{page}", respond(200, "<p>Archived.</p>"))
    patch_setting("FACTCHECK_ARCHIVE_SAVE_URL", server.url("/save/"))
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    from factcheck.celery_app import app
    from factcheck.lib.roles import REVIEWER, role_assign, roles_sync

    roles_sync()
    reviewer = UserFactory()
    role_assign(reviewer, REVIEWER)
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        for claim in (ClaimFactory(), ClaimFactory()):  # cited twice: asked once
            with django_capture_on_commit_callbacks(execute=True):
                claim_services.evidence_add(claim=claim, user=reviewer, url=page, stance="refutes")
    finally:
        app.conf.task_always_eager = was_eager
    link = Link.objects.get(url=page)
    assert link.archive_url == server.url(f"/web/20261207120000/{page}")
    assert link.archive_saved_at is not None
    assert len(server.requests_to(f"/save/{page}")) == 1


def test_an_archive_that_cannot_save_is_asked_once_and_the_link_keeps_no_copy(
    server, patch_setting
):
    patch_setting("FACTCHECK_ARCHIVE_SAVE_URL", server.url("/save/"))
    link = _link(server, "/gone")
    server.route(f"/save/{link.url}", respond(503, "busy"))
    assert services.link_archive_save(link_id=link.pk) == ""
    link.refresh_from_db()
    assert link.archive_url == "" and link.archive_saved_at is not None
    assert services.link_archive_save(link_id=link.pk) == ""  # asked once
    assert len(server.requests_to(f"/save/{link.url}")) == 1


def test_no_archive_save_when_none_is_configured(server, patch_setting):
    patch_setting("FACTCHECK_ARCHIVE_SAVE_URL", "")
    link = _link(server, "/x")
    assert services.link_archive_save(link_id=link.pk) == ""
    assert server.requests == [] and Link.objects.get(pk=link.pk).archive_saved_at is None


# ----------------------------------------------------------------------- housekeeping


def test_the_beat_prune_deletes_history_older_than_the_setting(patch_setting):
    patch_setting("FACTCHECK_LINK_HISTORY_DAYS", 180)
    now = timezone.now()
    old = LinkCheckFactory(checked_at=now - timedelta(days=181))
    recent = LinkCheckFactory(checked_at=now - timedelta(days=179))
    link_checks_prune()
    assert list(LinkCheck.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LinkCheck.objects.filter(pk=old.pk).exists()


def test_the_beat_schedule_runs_the_sweeper_prune_and_digest(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "sources.links_sweep",
        "sources.link_checks_prune",
        "claims.evidence_at_risk_digest",
    } <= tasks
    sweep = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "sources.links_sweep"
    )
    assert sweep["schedule"] == timedelta(seconds=60)


def test_the_tasks_declare_time_limits_and_late_acks():
    from sources import tasks

    for task in (
        tasks.link_check_batch,
        tasks.links_sweep,
        tasks.link_archive_lookup,
        tasks.link_checks_prune,
    ):
        assert task.acks_late is True
        assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit
        assert Outcome not in (task.autoretry_for or ())


# ----------------------------------------------------------------------- the command


def test_check_links_sync_checks_the_due_links_and_prints_a_summary(server):
    server.route("/ok", respond(200, "ok", content_type=TEXT))
    server.route("/missing", respond(404, "no"))
    _link(server, "/ok")
    _link(server, "/missing")
    out = io.StringIO()
    call_command("check_links", "--due", "--sync", stdout=out)
    assert "Checked 2 links" in out.getvalue()
    assert "not_found 1" in out.getvalue() and "ok 1" in out.getvalue()
    assert LinkCheck.objects.count() == 2


def test_check_links_url_sync_checks_one_link_even_if_not_due(server):
    server.route("/ok", respond(200, "ok", content_type=TEXT))
    link = _link(server, "/ok", next_check_at=timezone.now() + timedelta(days=3))
    _link(server, "/other")
    out = io.StringIO()
    call_command("check_links", "--url", link.url, "--sync", stdout=out)
    assert LinkCheck.objects.filter(link=link).count() == 1
    assert LinkCheck.objects.count() == 1


def test_check_links_all_enqueues_every_link(recorder):
    for n in range(3):
        LinkFactory(next_check_at=timezone.now() + timedelta(days=n + 1))
    out = io.StringIO()
    call_command("check_links", "--all", stdout=out)
    assert "Enqueued 3 links" in out.getvalue()


def test_a_batch_keeps_a_host_busy_with_its_next_due_links_politely(server, patch_setting):
    patch_setting("FACTCHECK_LINK_BATCH_PER_HOST", 2)
    patch_setting("FACTCHECK_LINK_PER_HOST_INTERVAL", 0.1)
    links = []
    for n in range(5):
        server.route(f"/p{n}", respond(200, "p", content_type=TEXT))
        links.append(_link(server, f"/p{n}"))
    report = services.link_check_run(link_ids=[links[0].pk, links[1].pk])
    assert report.recorded == 5  # two sent, three more taken from the same host
    assert not Link.objects.filter(last_checked_at__isnull=True).exists()
    starts = sorted(request.start for request in server.requests)
    assert len(starts) == 5
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.09


def test_checking_only_one_url_takes_nothing_else_from_its_host(server):
    for path in ("/one", "/two"):
        server.route(path, respond(200, "x", content_type=TEXT))
    one, _two = _link(server, "/one"), _link(server, "/two")
    report = services.link_check_run(link_ids=[one.pk], refill=False)
    assert report.recorded == 1 and [r.path for r in server.requests] == ["/one"]


def test_new_links_are_left_to_the_sweeper_when_the_setting_is_off(
    recorder, digit_scorer, django_capture_on_commit_callbacks, patch_setting
):
    from claims.services import article_ingest

    patch_setting("FACTCHECK_LINK_CHECK_NEW_LINKS", False)
    html = (
        "<html><body><article><p>The city spent 4 million dollars, says "
        '<a href="https://stats.example.org/x">the report</a>.</p></article></body></html>'
    )
    with django_capture_on_commit_callbacks(execute=True):
        article_ingest(title="Costs", html=html)
    assert recorder.batches == []
    assert Link.objects.get(url="https://stats.example.org/x").next_check_at is None  # due
