"""The link checker tells its own outage from dead links.

When most checks of a short window fail to reach their host (DNS, connection, timeout) across
many hosts and hosts known to answer do not answer either, the failures are the checker's:
recorded, not counted; ``/healthz`` says the link checker is degraded; the sweeper sends only a
few probe links; the first HTTP answer ends it and the links are checked again.

Every server is a local one on a loopback address started by the test. Names resolve through
a fake resolver (``sources.fetching.transport._resolve`` replaced) or are reserved ``.invalid``
names that never reach a resolver, so no test asks the network for anything.
"""

from __future__ import annotations

import random
import re
import socket
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from factcheck.lib.heartbeat import HEARTBEAT_KEY, heartbeat_record
from sources import policy as link_policy
from sources import selectors, services
from sources.fetching import CheckResult, Outcome
from sources.models import Link, LinkCheck, LinkCheckerOutage, LinkState
from sources.services import outage as outage_service
from sources.tasks import link_check_batch
from tests.factories import LinkCheckFactory, LinkFactory
from tests.sources.httpserver import LocalHTTPServer, closed_port, respond

pytestmark = pytest.mark.django_db

TEXT = "text/plain"
WINDOW = 300


@pytest.fixture(autouse=True)
def _clean_cache():
    keys = [outage_service.REFUTED_KEY, HEARTBEAT_KEY, services.queueing.SWEEP_SOON_KEY]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def link_settings(fast_link_settings, patch_setting):
    """The default outage thresholds, stated: the tests show them at work."""
    patch_setting("FACTCHECK_LINK_OUTAGE_WINDOW_SECONDS", WINDOW)
    patch_setting("FACTCHECK_LINK_OUTAGE_MIN_CHECKS", 20)
    patch_setting("FACTCHECK_LINK_OUTAGE_MIN_HOSTS", 5)
    patch_setting("FACTCHECK_LINK_OUTAGE_SHARE", 0.8)
    patch_setting("FACTCHECK_LINK_OUTAGE_PROBES", 3)


class FakeResolver:
    """The worker's resolver: names map to loopback addresses; ``down`` fails every look-up
    the way a resolver that cannot be reached does."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.down = False
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if self.down:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if host in self.names:
            return [self.names[host]]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture
def resolver(monkeypatch):
    fake = FakeResolver()
    monkeypatch.setattr("sources.fetching.transport._resolve", fake)
    return fake


class Recorder:
    def __init__(self):
        self.batches: list[list[int]] = []

    def __call__(self, batch):
        self.batches.append(list(batch))


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(services.queueing, "_publish", rec)
    return rec


def _alive(url: str, host: str, **fields) -> Link:
    """A link that was fine at its last check and is due again."""
    now = timezone.now()
    defaults = {
        "state": LinkState.ALIVE,
        "last_checked_at": now - timedelta(days=7),
        "last_status": 200,
        "last_outcome": "ok",
        "next_check_at": now - timedelta(minutes=1),
    }
    return LinkFactory(url=url, host=host, **{**defaults, **fields})


def _known_good(url: str, host: str) -> Link:
    """A link whose host answered the checker yesterday."""
    link = _alive(url, host, next_check_at=timezone.now() + timedelta(days=6))
    LinkCheckFactory(
        link=link,
        checked_at=timezone.now() - timedelta(days=1),
        outcome="ok",
        status=200,
        state_before=LinkState.ALIVE,
        state_after=LinkState.ALIVE,
    )
    return link


def _healthz(client) -> tuple[int, dict]:
    heartbeat_record(source="test")
    response = client.get("/healthz")
    return response.status_code, response.json()


def _state_events() -> int:
    return AuditEvent.objects.filter(action="sources.link.state_changed").count()


def _seen(evidence: str) -> tuple[int, int, int]:
    """(unreachable, checks, hosts) of an outage's evidence."""
    match = re.match(
        r"(\d+) of (\d+) checks in 300 s could not reach their host \((\d+) hosts\)", evidence
    )
    assert match, evidence
    return int(match[1]), int(match[2]), int(match[3])


def _time_passes(seconds: float) -> None:
    """Every scheduled check comes ``seconds`` sooner (as if that much time had passed)."""
    Link.objects.filter(next_check_at__isnull=False).update(
        next_check_at=F("next_check_at") - timedelta(seconds=seconds)
    )


# ----------------------------------------------------------------------- the policy


@pytest.mark.parametrize(
    ("checks", "unreachable", "hosts", "outage"),
    [
        (20, 20, 5, True),  # the thresholds exactly
        (100, 80, 12, True),  # 80 % is enough
        (19, 19, 19, False),  # too few checks to tell
        (40, 40, 4, False),  # four dead sites are the links' own trouble
        (100, 79, 30, False),  # most checks still reach their host
        (0, 0, 0, False),
    ],
)
def test_an_outage_needs_enough_checks_failing_on_enough_hosts(checks, unreachable, hosts, outage):
    evidence = link_policy.Evidence(checks=checks, unreachable=unreachable, hosts=hosts)
    assert link_policy.looks_like_outage(evidence, link_policy.OutagePolicy()) is outage


def test_dns_connection_and_timeout_failures_are_unreachable_tls_and_answers_are_not():
    def result(outcome, status=None):
        return CheckResult(url="https://a.example/", outcome=outcome, status=status)

    assert {o for o in Outcome if link_policy.unreachable(result(o))} == {
        Outcome.DNS_ERROR,
        Outcome.CONNECTION_ERROR,
        Outcome.TIMEOUT,
    }
    assert link_policy.answered(result(Outcome.SERVER_ERROR, 503))
    assert link_policy.answered(result(Outcome.NOT_FOUND, 404))
    assert not link_policy.answered(result(Outcome.TLS_ERROR))


def test_the_outage_thresholds_are_checked():
    with pytest.raises(ValueError, match="SHARE"):
        link_policy.OutagePolicy(share=1.5)
    with pytest.raises(ValueError, match="MIN_CHECKS"):
        link_policy.OutagePolicy(min_hosts=0)


def test_a_check_that_is_not_counted_leaves_the_link_as_it_was():
    now = timezone.now()
    health = link_policy.Health(
        url="https://a.example/x",
        state=LinkState.FAILING,
        consecutive_failures=2,
        failure_points=2,
        first_failure_at=now - timedelta(days=4),
        last_counted_failure_at=now - timedelta(days=4),
    )
    decision = link_policy.decide_not_counted(
        health, now=now, delay_seconds=WINDOW, rng=random.Random(1)
    )
    assert (decision.state, decision.failure_points, decision.consecutive_failures) == (
        LinkState.FAILING,
        2,
        2,
    )
    assert decision.counted is False
    assert now + timedelta(seconds=WINDOW * 0.9) <= decision.next_check_at
    assert decision.next_check_at <= now + timedelta(seconds=WINDOW * 1.1)


# ----------------------------------------------------------------------- a burst


def test_a_burst_of_refused_connections_across_many_hosts_changes_no_link(
    link_settings, allow_servers, patch_setting, recorder, client
):
    # Eight hosts, nothing listening: what the checker sees when its own network is cut off.
    now = timezone.now()
    hosts = [(f"127.0.0.{n}", closed_port(f"127.0.0.{n}")) for n in range(2, 10)]
    patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [f"{host}:{port}" for host, port in hosts])
    links = []
    for host, port in hosts:
        links += [_alive(f"http://{host}:{port}/story-{n}", host) for n in range(2)]
        # One more failure that counted would kill this one.
        links.append(
            LinkFactory(
                url=f"http://{host}:{port}/failing",
                host=host,
                state=LinkState.FAILING,
                consecutive_failures=2,
                failure_points=2,
                first_failure_at=now - timedelta(days=8),
                last_counted_failure_at=now - timedelta(days=4),
                next_check_at=now - timedelta(minutes=1),
            )
        )
    before = {link.pk: (link.state, link.failure_points) for link in links}

    link_check_batch([link.pk for link in links])

    for link in Link.objects.filter(pk__in=before):
        assert (link.state, link.failure_points) == before[link.pk]
        assert link.checking_since is None and link.queued_at is None
        assert now < link.next_check_at <= timezone.now() + timedelta(seconds=WINDOW * 1.1)
    assert _state_events() == 0
    checks = LinkCheck.objects.filter(link__in=links)
    assert checks.count() == 24
    assert set(checks.values_list("outcome", flat=True)) == {"connection_error"}
    assert not checks.filter(checker_outage=False).exists()
    assert not checks.filter(counted=True).exists()
    outage = selectors.link_checker_outage_open()
    assert outage is not None
    unreachable, seen, on_hosts = _seen(outage.evidence)
    assert unreachable == seen >= 20 and on_hosts >= 5  # told before the last host was done
    assert "no host is known to answer" in outage.evidence

    # /healthz: the link checker is degraded; the web app is not down for it.
    status, body = _healthz(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["link_checker"]["ok"] is False
    assert body["checks"]["link_checker"]["status"] == "degraded"
    assert "checker outage since" in body["checks"]["link_checker"]["detail"]

    # The sweeper holds back: a few probes of different hosts once the links are due again,
    # then nothing while they are in flight.
    later = timezone.now() + timedelta(seconds=WINDOW * 1.2)
    assert services.links_sweep(now=later) == 3
    [probe] = recorder.batches
    assert len({Link.objects.get(pk=pk).host for pk in probe}) == 3
    assert services.links_sweep(now=later) == 0
    assert services.links_sweep(now=later + timedelta(seconds=60)) == 0
    assert len(recorder.batches) == 1


def test_the_checks_page_says_a_check_was_not_counted(client_for):
    link = LinkFactory(state=LinkState.ALIVE)
    LinkCheckFactory(
        link=link,
        outcome="dns_error",
        status=None,
        state_before=LinkState.ALIVE,
        state_after=LinkState.ALIVE,
        checker_outage=True,
    )
    page = client_for("reviewer").get(reverse("sources:link_detail", kwargs={"pk": link.pk}))
    assert "not counted: checker outage" in page.content.decode()


# ----------------------------------------------------------------------- the whole outage


def test_a_resolver_outage_is_not_counted_and_ends_when_names_resolve_again(
    link_settings, allow_servers, patch_setting, resolver, recorder, client
):
    with LocalHTTPServer() as server:
        server.route("/ok", respond(200, "fine", content_type=TEXT))
        for n in range(8):
            server.route(f"/story-{n}", respond(200, "story", content_type=TEXT))
        names = ["known-good.test", *(f"site{n}.test" for n in range(8))]
        resolver.names = dict.fromkeys(names, server.host)
        patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [f"{n}:{server.port}" for n in names])
        known = _known_good(f"http://known-good.test:{server.port}/ok", "known-good.test")
        links = [
            _alive(f"http://site{n}.test:{server.port}/story-{n}?copy={c}", f"site{n}.test")
            for n in range(8)
            for c in range(3)
        ]

        # The worker's resolver goes away.
        resolver.down = True
        link_check_batch([link.pk for link in links])

        outage = selectors.link_checker_outage_open()
        assert outage is not None
        assert "known-good hosts did not answer either (known-good.test)" in outage.evidence
        assert "known-good.test" in resolver.asked  # it was asked before the outage was called
        assert _state_events() == 0
        assert set(
            Link.objects.filter(pk__in=[link.pk for link in links]).values_list("state", flat=True)
        ) == {LinkState.ALIVE}
        assert set(
            LinkCheck.objects.filter(link__in=links).values_list(
                "outcome", "checker_outage", "counted"
            )
        ) == {("dns_error", True, False)}
        assert server.requests == []
        assert _healthz(client)[1]["checks"]["link_checker"]["status"] == "degraded"

        # The sweeper probes with the host known to answer (early: harmless), nothing else.
        assert services.links_sweep() == 1
        assert recorder.batches == [[known.pk]]
        link_check_batch(recorder.batches[0])  # still down: still an outage
        assert selectors.link_checker_outage_open() is not None
        assert known.checks.filter(checker_outage=True).count() == 1

        # The resolver is back: the next probe gets an answer and that ends the outage.
        resolver.down = False
        _time_passes(WINDOW * 1.2)
        assert services.links_sweep() == 3  # the known-good host and two due links
        probes = recorder.batches[1]
        assert known.pk in probes
        services.link_check_run(link_ids=probes, refill=False)  # the probes alone
        assert selectors.link_checker_outage_open() is None
        outage.refresh_from_db()
        assert outage.ended_at is not None
        assert outage.end_reason.startswith("HTTP 200 from ")
        status, body = _healthz(client)
        assert status == 200 and body["status"] == "ok"
        assert body["checks"]["link_checker"] == {
            "ok": True,
            "status": "ok",
            "detail": "checking links",
        }

        # Every other link whose check was not counted is due at once; the sweeper resumes.
        now = timezone.now()
        rest = [link.pk for link in links if link.pk not in probes]
        assert len(rest) == len(links) - 2
        assert not Link.objects.filter(pk__in=rest, next_check_at__gt=now).exists()
        recorder.batches.clear()
        assert services.links_sweep() == len(rest)
        sent = [pk for batch in recorder.batches for pk in batch]
        assert sorted(sent) == sorted(rest)
        link_check_batch(sent)
        for link in Link.objects.filter(pk__in=[link.pk for link in links]):
            assert link.state == LinkState.ALIVE and link.last_checked_at > now - timedelta(
                seconds=30
            )
            assert link.checks.filter(outcome="ok", counted=False, checker_outage=False).exists()
        assert _state_events() == 0


# ----------------------------------------------------------------------- counted as today


def test_a_few_failures_on_one_or_two_hosts_are_counted_as_today(
    link_settings, allow_servers, client
):
    with LocalHTTPServer() as server:
        allow_servers(server)
        server.route("/ok", respond(200, "fine", content_type=TEXT))
        fine = [_alive(server.url(f"/ok?n={n}"), server.host) for n in range(4)]
        gone = [
            _alive(f"http://{name}.invalid/page-{n}", f"{name}.invalid")
            for name in ("gone-a", "gone-b")
            for n in range(3)
        ]
        link_check_batch([link.pk for link in fine + gone])

    assert not LinkCheckerOutage.objects.exists()
    for link in Link.objects.filter(pk__in=[link.pk for link in gone]):
        assert link.state == LinkState.FAILING and link.failure_points == 1
        assert link.last_outcome == "dns_error"
    assert set(
        LinkCheck.objects.filter(link__in=gone).values_list("counted", "checker_outage")
    ) == {(True, False)}
    assert _state_events() == len(gone)
    assert _healthz(client)[1]["status"] == "ok"


def test_many_dead_sites_are_counted_while_a_known_good_site_answers(
    link_settings, allow_servers, patch_setting
):
    """An old article citing two dozen links on eight defunct domains looks like an outage
    by the numbers; the host known to answer still does, so they are the links' failures."""
    with LocalHTTPServer() as server:
        allow_servers(server)
        server.route("/ok", respond(200, "fine", content_type=TEXT))
        _known_good(server.url("/ok"), server.host)
        defunct = [
            LinkFactory(url=f"http://defunct{n}.invalid/page-{c}", host=f"defunct{n}.invalid")
            for n in range(8)
            for c in range(3)
        ]
        link_check_batch([link.pk for link in defunct])
        asked = len(server.requests_to("/ok"))

        more = [
            LinkFactory(url=f"http://defunct{n}.invalid/more", host=f"defunct{n}.invalid")
            for n in range(8)
        ]
        link_check_batch([link.pk for link in more])

    assert asked >= 1  # the known-good host was asked, and answered
    assert len(server.requests_to("/ok")) == asked  # ... and not again within the minute
    assert not LinkCheckerOutage.objects.exists()
    assert set(
        Link.objects.filter(pk__in=[link.pk for link in defunct + more]).values_list(
            "state", flat=True
        )
    ) == {LinkState.FAILING}
    assert not LinkCheck.objects.filter(checker_outage=True).exists()


# ----------------------------------------------------------------------- several workers


def test_evidence_from_several_workers_adds_up_through_the_database(link_settings, allow_servers):
    """Two workers' batches, each too small to tell on its own: the second one sees the
    first one's checks in the shared window. At the end of the outage the first one's links
    (counted before anyone could tell) are checked again too."""
    first = [
        _alive(f"http://w1-{n}.invalid/p{c}", f"w1-{n}.invalid") for n in range(3) for c in range(4)
    ]
    second = [
        _alive(f"http://w2-{n}.invalid/p{c}", f"w2-{n}.invalid") for n in range(3) for c in range(4)
    ]
    services.link_check_run(link_ids=[link.pk for link in first])
    assert not LinkCheckerOutage.objects.exists()
    assert set(
        Link.objects.filter(pk__in=[link.pk for link in first]).values_list("state", flat=True)
    ) == {LinkState.FAILING}

    services.link_check_run(link_ids=[link.pk for link in second])
    outage = selectors.link_checker_outage_open()
    assert outage is not None
    assert _seen(outage.evidence) == (20, 20, 5)  # 12 from the first worker, 8 of its own
    assert set(
        Link.objects.filter(pk__in=[link.pk for link in second]).values_list("state", flat=True)
    ) == {LinkState.ALIVE}

    # Any HTTP answer ends it, a 404 too: the network works.
    with LocalHTTPServer() as server:
        allow_servers(server)
        server.route("/missing", respond(404, "no such page"))
        answering = LinkFactory(url=server.url("/missing"), host=server.host)
        services.link_check_run(link_ids=[answering.pk])
    assert selectors.link_checker_outage_open() is None
    outage.refresh_from_db()
    assert outage.end_reason == f"HTTP 404 from {server.host}"
    now = timezone.now()
    assert not Link.objects.filter(
        pk__in=[link.pk for link in first + second], next_check_at__gt=now
    )


def test_two_workers_that_see_the_outage_at_once_open_it_once():
    now = timezone.now()
    one = outage_service._open(now, "seen by one")
    two = outage_service._open(now, "seen by two")
    assert one.pk == two.pk
    assert LinkCheckerOutage.objects.filter(is_open=True).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkCheckerOutage.objects.create(started_at=now, evidence="a second open one")


def test_only_one_worker_ends_the_outage():
    outage = outage_service._open(timezone.now(), "down")
    assert services.link_checker_outage_end(reason="HTTP 200 from a", outage=outage) is not None
    assert services.link_checker_outage_end(reason="HTTP 200 from b", outage=outage) is None
    outage.refresh_from_db()
    assert outage.end_reason == "HTTP 200 from a"


def test_a_check_recorded_on_its_own_is_judged_too(link_settings):
    """``link_check_record`` without a batch's judgement judges the outage itself."""
    outage_service._open(timezone.now(), "down")
    link = _alive("https://a.example/x", "a.example")
    result = CheckResult(url=link.url, outcome=Outcome.TIMEOUT, error="ConnectTimeout")
    check = services.link_check_record(link=link, result=result)
    assert check.checker_outage and not check.counted
    link.refresh_from_db()
    assert link.state == LinkState.ALIVE and link.last_outcome == "ok"


# ----------------------------------------------------------------------- the sweeper


def test_the_sweeper_ends_an_outage_with_nothing_left_to_probe(link_settings, recorder):
    long_ago = timezone.now() - timedelta(seconds=WINDOW * 2)
    outage = outage_service._open(long_ago, "down")
    assert services.links_sweep() == 0
    outage.refresh_from_db()
    assert outage.is_open is False and outage.end_reason == "nothing left to probe"


def test_the_sweeper_resumes_by_itself_once_the_outage_is_over(link_settings, recorder):
    outage = outage_service._open(timezone.now(), "down")
    for n in range(6):
        LinkFactory(url=f"https://site{n}.example.org/x", host=f"site{n}.example.org")
    assert services.links_sweep() == 3  # probes only
    recorder.batches.clear()
    Link.objects.update(queued_at=None)  # the probe round is over
    services.link_checker_outage_end(reason="HTTP 200 from site0.example.org", outage=outage)
    assert services.links_sweep() == 6


def test_the_daily_prune_drops_outages_that_ended_before_the_history_kept(patch_setting):
    patch_setting("FACTCHECK_LINK_HISTORY_DAYS", 180)
    now = timezone.now()
    LinkCheckerOutage.objects.create(
        started_at=now - timedelta(days=200), ended_at=now - timedelta(days=199), is_open=False
    )
    recent = LinkCheckerOutage.objects.create(
        started_at=now - timedelta(days=10), ended_at=now - timedelta(days=9), is_open=False
    )
    going_on = outage_service._open(now - timedelta(days=1), "down")
    services.link_checks_prune()
    assert set(LinkCheckerOutage.objects.values_list("pk", flat=True)) == {recent.pk, going_on.pk}
