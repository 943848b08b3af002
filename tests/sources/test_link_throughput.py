"""What makes a batch of link checks fast without being less polite or less careful: checks
that share a pool remember what a host's HEAD answers are worth (``sources.fetching.
checking``), a host's links stream through its slots (a slow link does not hold up the next
ones), and a group of results is recorded in one transaction.

Every server is a local one on a loopback address started by the test.
"""

from __future__ import annotations

import asyncio

import pytest

from sources import services
from sources.fetching import CheckPool, FetchConfig, Outcome, build_async_client
from sources.models import Link, LinkCheck
from sources.services import recording
from tests.factories import LinkFactory
from tests.sources.httpserver import LocalHTTPServer, hang, respond

ARTICLE = (
    "<!doctype html><html><head><title>Council approves new budget | Daily Post</title>"
    "</head><body><h1>Council approves new budget</h1><p>The council voted 7-2.</p></body></html>"
)
NOT_FOUND_PAGE = (
    "<!doctype html><html><head><title>Page not found | Daily Post</title></head>"
    "<body><h1>Sorry, we can't find that page</h1></body></html>"
)


@pytest.fixture
def server():
    with LocalHTTPServer() as srv:
        yield srv


def pool_checks(server: LocalHTTPServer, paths: list[str]) -> list:
    """Check ``paths`` one after the other through one pool (one slot per host)."""
    config = FetchConfig(
        total_timeout=5, connect_timeout=2, read_timeout=2, allow_hosts=server.allow_hosts
    )

    async def run():
        async with build_async_client(config) as client:
            pool = CheckPool(client, per_host_concurrency=1, per_host_interval=0.0)
            return [await pool.check(server.url(path)) for path in paths]

    return asyncio.run(run())


def methods(server: LocalHTTPServer, path: str) -> list[str]:
    return [r.method for r in server.requests_to(path)]


def test_a_hosts_head_404s_are_final_once_its_gets_have_confirmed_two():
    with LocalHTTPServer() as server:
        for n in range(5):
            server.route(f"/gone{n}", respond(404, "<title>Not found</title>"))
        results = pool_checks(server, [f"/gone{n}" for n in range(5)])
    assert [r.outcome for r in results] == [Outcome.NOT_FOUND] * 5
    assert [methods(server, f"/gone{n}") for n in range(5)] == [
        ["HEAD", "GET"],
        ["HEAD", "GET"],
        ["HEAD"],
        ["HEAD"],
        ["HEAD"],
    ]
    assert results[4].error == "HTTP 404"


def test_a_head_status_the_get_contradicted_is_never_final_on_that_host(server):
    server.route("/a", respond(200, b"%PDF-1.7", content_type="application/pdf", head_status=404))
    for n in range(4):
        server.route(f"/m{n}", respond(404, "<title>Not found</title>"))
    results = pool_checks(server, ["/a", *[f"/m{n}" for n in range(4)]])
    assert results[0].outcome is Outcome.OK  # the GET is authoritative
    assert [r.outcome for r in results[1:]] == [Outcome.NOT_FOUND] * 4
    assert all(methods(server, f"/m{n}") == ["HEAD", "GET"] for n in range(4))


def test_a_503_on_head_is_never_final_a_challenge_page_is_known_by_its_body(server):
    challenge = "<html><head><title>Just a moment...</title></head><body></body></html>"
    for n in range(4):
        server.route(f"/busy{n}", respond(503, challenge))
    results = pool_checks(server, [f"/busy{n}" for n in range(4)])
    assert [r.outcome for r in results] == [Outcome.BLOCKED] * 4
    assert all(methods(server, f"/busy{n}")[-1] == "GET" for n in range(4))


def test_a_host_whose_heads_are_pointless_is_checked_with_get_alone(server):
    for n in range(5):
        server.route(f"/story{n}", respond(200, ARTICLE))
    server.route("/lost", respond(200, NOT_FOUND_PAGE))
    results = pool_checks(server, [*[f"/story{n}" for n in range(5)], "/lost"])
    # Three HTML pages whose HEAD needed a GET anyway; then GET alone, body still read.
    assert [methods(server, f"/story{n}") for n in range(5)] == [
        ["HEAD", "GET"],
        ["HEAD", "GET"],
        ["HEAD", "GET"],
        ["GET"],
        ["GET"],
    ]
    assert [r.outcome for r in results[:5]] == [Outcome.OK] * 5
    assert results[4].error == ""
    assert methods(server, "/lost") == ["GET"]
    assert results[5].outcome is Outcome.SOFT_404


def test_hosts_are_remembered_apart(server):
    """What 127.0.0.1 showed says nothing about localhost (another host, same server)."""
    for n in range(3):
        server.route(f"/p{n}", respond(200, ARTICLE))
    server.route("/other", respond(200, ARTICLE))
    config = FetchConfig(total_timeout=5, allow_hosts=server.allow_hosts)

    async def run():
        async with build_async_client(config) as client:
            pool = CheckPool(client, per_host_concurrency=1, per_host_interval=0.0)
            for n in range(3):
                await pool.check(server.url(f"/p{n}"))
            return await pool.check(server.url("/other", host="localhost"))

    assert asyncio.run(run()).outcome is Outcome.OK
    assert methods(server, "/other") == ["HEAD", "GET"]


# ------------------------------------------------------------------ the batch


@pytest.mark.django_db
def test_a_slow_link_does_not_hold_up_the_rest_of_its_host(
    allow_servers, fast_link_settings, patch_setting
):
    """Groups of two per host: the old batch waited for a group's slowest link before the
    host's next group; now the other slot goes on with the next links at once."""
    patch_setting("FACTCHECK_LINK_BATCH_PER_HOST", 2)
    patch_setting("FACTCHECK_FETCH_TOTAL_TIMEOUT", 2.0)
    patch_setting("FACTCHECK_FETCH_READ_TIMEOUT", 2.0)
    with LocalHTTPServer() as server:
        allow_servers(server)
        server.route("/slow", hang(limit=5))
        quick = []
        for n in range(6):
            server.route(f"/q{n}", respond(200, "q", content_type="text/plain", delay=0.05))
            quick.append(LinkFactory(url=server.url(f"/q{n}"), host=server.host))
        slow = LinkFactory(url=server.url("/slow"), host=server.host)
        report = services.link_check_run(link_ids=[slow.pk, quick[0].pk])
        slow_start = server.requests_to("/slow")[0].start
        quick_ends = [server.requests_to(f"/q{n}")[0].end for n in range(6)]

    assert report.recorded == 7
    assert Link.objects.get(pk=slow.pk).last_outcome == "timeout"
    # Every quick link was answered while the slow one still held its slot.
    assert max(quick_ends) - slow_start < 1.5, [round(e - slow_start, 2) for e in quick_ends]


@pytest.mark.django_db
def test_a_group_of_results_is_recorded_in_one_transaction(monkeypatch):
    from sources.fetching import CheckResult

    links = [LinkFactory() for _ in range(3)]
    results = [CheckResult(url=link.url, outcome=Outcome.OK, status=200) for link in links]
    real = recording._record_counted
    calls = []

    def failing_third(link, *args, **kwargs):
        calls.append(link.pk)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(link, *args, **kwargs)

    monkeypatch.setattr(recording, "_record_counted", failing_third)
    with pytest.raises(RuntimeError):
        services.link_checks_record(items=list(zip(links, results, strict=True)), outage=None)
    assert LinkCheck.objects.count() == 0  # all or nothing: the claims are released instead

    monkeypatch.setattr(recording, "_record_counted", real)
    services.link_checks_record(items=list(zip(links, results, strict=True)), outage=None)
    assert LinkCheck.objects.count() == 3
    assert set(Link.objects.values_list("state", flat=True)) == {"alive"}
    # One audit event per state change, as when each is recorded on its own.
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="sources.link.state_changed").count() == 3


@pytest.mark.django_db
def test_links_claimed_by_a_refill_are_released_when_the_batch_fails(
    allow_servers, fast_link_settings, patch_setting, monkeypatch
):
    from sources.services import checking

    patch_setting("FACTCHECK_LINK_BATCH_PER_HOST", 2)
    real = checking.link_checks_record
    groups = []

    def second_group_fails(**kwargs):
        groups.append(kwargs["items"])
        if len(groups) == 2:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(checking, "link_checks_record", second_group_fails)
    with LocalHTTPServer() as server:
        allow_servers(server)
        links = []
        for n in range(6):
            server.route(f"/p{n}", respond(200, "p", content_type="text/plain"))
            links.append(LinkFactory(url=server.url(f"/p{n}"), host=server.host))
        with pytest.raises(RuntimeError):
            services.link_check_run(link_ids=[links[0].pk, links[1].pk])

    recorded = {link.pk for link, _ in groups[0]}
    assert len(recorded) == 2
    # The second group came from a refill (claimed later than the batch's own links): its
    # claims are given back too, so the links are due again at once, not after the lease.
    assert {link.pk for link, _ in groups[1]}.isdisjoint({links[0].pk, links[1].pk})
    assert not Link.objects.filter(checking_since__isnull=False).exists()
    assert Link.objects.filter(last_checked_at__isnull=True).count() == 4
