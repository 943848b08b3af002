"""Behaviour of ``sources.fetching`` against a scripted server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sources.fetching import (
    CheckResult,
    FetchConfig,
    FetchError,
    InvalidURL,
    Outcome,
    acheck_many,
    acheck_url,
    build_async_client,
    check_url,
    detect_soft_404,
    fetch_document,
    normalize_url,
    parse_retry_after,
)
from tests.sources.httpserver import (
    LocalHTTPServer,
    Request,
    closed_port,
    endless,
    hang,
    make_self_signed_cert,
    redirect,
    respond,
    slow_body,
)

DATA = Path(__file__).parent / "data"
ARTICLE = (
    "<!doctype html><html><head><title>Council approves new budget | Daily Post</title>"
    "</head><body><h1>Council approves new budget</h1><p>The council voted 7-2 on "
    "Tuesday to approve the budget.</p></body></html>"
)
NOT_FOUND_PAGE = (
    "<!doctype html><html><head><title>Page not found | Daily Post</title></head>"
    "<body><h1>Sorry, we can't find that page</h1><p>The page you are looking for may "
    "have been moved or deleted.</p></body></html>"
)


@pytest.fixture
def server():
    with LocalHTTPServer() as srv:
        yield srv


def config_for(server: LocalHTTPServer, **overrides) -> FetchConfig:
    values = {
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "allow_hosts": server.allow_hosts,
    }
    values.update(overrides)
    return FetchConfig(**values)


def check(server: LocalHTTPServer, path: str, **overrides) -> CheckResult:
    return check_url(server.url(path), config=config_for(server, **overrides))


def methods(server: LocalHTTPServer, path: str) -> list[str]:
    return [r.method for r in server.requests_to(path)]


# ------------------------------------------------------------------ outcomes


def test_a_healthy_article_is_ok(server):
    server.route("/news/budget", respond(200, ARTICLE))
    result = check(server, "/news/budget")
    assert result.outcome is Outcome.OK
    assert result.status == 200
    assert result.final_url == server.url("/news/budget")
    assert result.redirects == []
    assert result.error == ""
    assert methods(server, "/news/budget") == ["HEAD", "GET"]


def test_a_missing_page_is_not_found(server):
    server.route("/missing", respond(404, "<title>Not found</title>"))
    result = check(server, "/missing")
    assert (result.outcome, result.status) == (Outcome.NOT_FOUND, 404)


def test_a_removed_page_is_gone(server):
    server.route("/removed", respond(410, "gone"))
    assert check(server, "/removed").outcome is Outcome.GONE


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_failing_server_is_a_server_error(server, status):
    server.route("/broken", respond(status, "<title>Oops</title>"))
    result = check(server, "/broken")
    assert (result.outcome, result.status) == (Outcome.SERVER_ERROR, status)


@pytest.mark.parametrize("status", [401, 403, 451])
def test_refusals_are_blocked(server, status):
    server.route("/private", respond(status, "<title>No</title>"))
    result = check(server, "/private")
    assert (result.outcome, result.status) == (Outcome.BLOCKED, status)


def test_other_client_errors_are_client_errors(server):
    server.route("/bad", respond(400, "bad request", content_type="text/plain"))
    assert check(server, "/bad").outcome is Outcome.CLIENT_ERROR


def test_a_cloudflare_challenge_is_blocked(server):
    challenge = "<html><head><title>Just a moment...</title></head><body></body></html>"
    server.route("/cf", respond(503, challenge, headers={"cf-mitigated": "challenge"}))
    server.route("/cf200", respond(200, challenge))
    assert check(server, "/cf").outcome is Outcome.BLOCKED
    assert check(server, "/cf200").outcome is Outcome.BLOCKED


def test_a_captcha_wall_on_a_403_is_blocked(server):
    page = "<html><head><title>Attention Required! | Cloudflare</title></head></html>"
    server.route("/wall", respond(403, page))
    result = check(server, "/wall")
    assert result.outcome is Outcome.BLOCKED
    assert "challenge" in result.error


def test_429_is_rate_limited_with_retry_after_in_seconds(server):
    server.route("/busy", respond(429, "slow down", headers={"Retry-After": "120"}))
    result = check(server, "/busy")
    assert result.outcome is Outcome.RATE_LIMITED
    assert result.retry_after == 120.0
    assert methods(server, "/busy") == ["HEAD"], "a 429 on HEAD is not retried with GET"


def test_429_retry_after_as_an_http_date_becomes_seconds(server):
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    server.route("/busy", respond(429, "", headers={"Retry-After": when}))
    result = check(server, "/busy")
    assert result.outcome is Outcome.RATE_LIMITED
    assert 80 <= result.retry_after <= 91


def test_a_hanging_server_times_out_within_the_read_timeout(server):
    server.route("/hang", hang())
    began = time.monotonic()
    result = check(server, "/hang", read_timeout=0.3)
    assert result.outcome is Outcome.TIMEOUT
    assert time.monotonic() - began < 2


def test_the_overall_deadline_stops_a_body_that_drips_forever(server):
    server.route("/drip", slow_body(b"<p>x</p>", interval=0.1, content_type="text/html"))
    began = time.monotonic()
    result = check(server, "/drip", read_timeout=2.0, total_timeout=0.8)
    assert result.outcome is Outcome.TIMEOUT
    assert "deadline" in result.error
    assert time.monotonic() - began < 2


def test_a_closed_port_is_a_connection_error():
    port = closed_port()
    config = FetchConfig(allow_hosts=frozenset({("127.0.0.1", port)}), total_timeout=5)
    result = check_url(f"http://127.0.0.1:{port}/", config=config)
    assert result.outcome is Outcome.CONNECTION_ERROR


def test_a_name_under_the_reserved_invalid_tld_is_a_dns_error():
    result = check_url("http://no-such-host.invalid/page", config=FetchConfig(total_timeout=5))
    assert result.outcome is Outcome.DNS_ERROR


def test_an_untrusted_certificate_is_a_tls_error(tmp_path):
    import ssl

    cert, key = make_self_signed_cert(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with LocalHTTPServer(tls_context=context) as tls:
        tls.route("/", respond(200, ARTICLE))
        result = check_url(tls.url("/", host="localhost"), config=config_for(tls))
    assert result.outcome is Outcome.TLS_ERROR
    assert "CERTIFICATE_VERIFY_FAILED" in result.error


def test_tls_verifies_the_hostname_of_the_url_not_the_connected_address(tmp_path):
    import ssl

    good_cert, good_key = make_self_signed_cert(tmp_path, names=("localhost",), ips=())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(good_cert, good_key)
    with LocalHTTPServer(tls_context=context) as tls:
        tls.route("/", respond(200, "data", content_type="text/plain"))
        trusted = config_for(tls, ca_bundle=str(good_cert))
        # The guard connects to the vetted literal 127.0.0.1, yet the certificate for
        # "localhost" is checked against the URL's hostname and accepted ...
        ok = check_url(tls.url("/", host="localhost"), config=trusted)
        # ... while the same certificate does not cover the name "127.0.0.1".
        mismatch = check_url(tls.url("/", host="127.0.0.1"), config=trusted)
    assert ok.outcome is Outcome.OK, ok.error
    assert mismatch.outcome is Outcome.TLS_ERROR


def test_an_unlisted_loopback_server_is_unsafe(server):
    server.route("/", respond(200, ARTICLE))
    result = check_url(server.url("/"), config=FetchConfig(total_timeout=5))
    assert result.outcome is Outcome.UNSAFE
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    ["", "   ", "not a url", "ftp://example.com/file", "javascript:alert(1)", "http://", "//x/y"],
)
def test_malformed_or_non_web_urls_are_invalid(url):
    assert check_url(url, config=FetchConfig()).outcome is Outcome.INVALID_URL


# ------------------------------------------------------------ soft 404 and redirects


def test_a_200_page_that_says_not_found_is_a_soft_404(server):
    server.route("/2024/05/lost-story", respond(200, NOT_FOUND_PAGE))
    result = check(server, "/2024/05/lost-story")
    assert result.outcome is Outcome.SOFT_404
    assert result.status == 200
    assert "not found" in result.error


def test_a_deep_link_redirected_to_the_homepage_is_a_soft_404(server):
    server.route("/politics/2023/old-article", redirect("/", status=301))
    server.route("/", respond(200, ARTICLE))
    result = check(server, "/politics/2023/old-article")
    assert result.outcome is Outcome.SOFT_404
    assert result.redirects == [(301, server.url("/"))]
    assert result.final_url == server.url("/")


def test_a_redirect_to_another_article_is_ok(server):
    server.route("/old-slug", redirect("/news/budget", status=301))
    server.route("/news/budget", respond(200, ARTICLE))
    result = check(server, "/old-slug")
    assert result.outcome is Outcome.OK
    assert result.redirects == [(301, server.url("/news/budget"))]


def test_a_redirect_loop_is_too_many_redirects(server):
    server.route("/loop", redirect("/loop"))
    result = check(server, "/loop", max_redirects=5)
    assert result.outcome is Outcome.TOO_MANY_REDIRECTS
    assert len(result.redirects) == 6
    assert len(server.requests_to("/loop")) == 6, "stops right after the limit"


def test_exactly_max_redirects_hops_are_followed_and_one_more_is_refused(server):
    for i in range(4):
        server.route(f"/hop{i}", redirect(f"/hop{i + 1}", status=307))
    server.route("/hop4", respond(200, "end", content_type="text/plain"))
    assert check(server, "/hop0", max_redirects=4).outcome is Outcome.OK
    assert check(server, "/hop0", max_redirects=3).outcome is Outcome.TOO_MANY_REDIRECTS


def test_cookies_set_during_a_redirect_are_sent_on_the_next_hop(server):
    def cookie_gate(request: Request) -> None:
        if "seen=1" in request.headers.get("cookie", ""):
            request.send(200, "welcome", {"Content-Type": "text/plain"})
        else:
            request.send(302, b"", {"Location": "/gate", "Set-Cookie": "seen=1; Path=/"})

    server.route("/gate", cookie_gate)
    result = check(server, "/gate")
    assert result.outcome is Outcome.OK
    assert result.redirects == [(302, server.url("/gate"))]


# --------------------------------------------------------------- HEAD and GET


@pytest.mark.parametrize("head_status", [400, 403, 404, 405, 500, 501])
def test_a_refused_or_unreliable_head_falls_back_to_get(server, head_status):
    server.route(
        "/doc.pdf",
        respond(200, b"%PDF-1.7", content_type="application/pdf", head_status=head_status),
    )
    result = check(server, "/doc.pdf")
    assert (result.outcome, result.status) == (Outcome.OK, 200)
    assert methods(server, "/doc.pdf") == ["HEAD", "GET"]


def test_a_successful_head_for_a_non_html_resource_needs_no_get(server):
    server.route("/report.pdf", respond(200, b"%PDF-1.7", content_type="application/pdf"))
    assert check(server, "/report.pdf").outcome is Outcome.OK
    assert methods(server, "/report.pdf") == ["HEAD"]


def test_a_get_answer_is_authoritative_when_head_and_get_disagree(server):
    server.route("/gone-on-get", respond(404, "<title>x</title>", head_status=200))
    result = check(server, "/gone-on-get")
    assert result.outcome is Outcome.NOT_FOUND
    assert methods(server, "/gone-on-get") == ["HEAD", "GET"]


# ----------------------------------------------------------- what is sent and read


def test_the_fragment_is_never_sent(server):
    server.route("/page", respond(200, "plain", content_type="text/plain"))
    result = check(server, "/page#section-2")
    assert result.outcome is Outcome.OK
    assert [r.path for r in server.requests] == ["/page"]
    assert result.final_url == server.url("/page")


def test_the_user_agent_names_the_product_and_a_contact_url(server):
    server.route("/ua", respond(200, "plain", content_type="text/plain"))
    check(server, "/ua")
    agent = server.requests[0].headers["user-agent"]
    assert agent.startswith("FactcheckWorkbench-LinkChecker/1.0 (+http")
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_userinfo_in_a_link_is_not_sent(server):
    server.route("/secret", respond(200, "plain", content_type="text/plain"))
    url = server.url("/secret").replace("://", "://alice:hunter2@")
    assert check_url(url, config=config_for(server)).outcome is Outcome.OK
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_pages_are_decoded(server, encoding):
    server.route("/lost/story", respond(200, NOT_FOUND_PAGE, encoding=encoding))
    server.route("/article", respond(200, ARTICLE, encoding=encoding))
    assert check(server, "/lost/story").outcome is Outcome.SOFT_404
    document = fetch_document(server.url("/article"), max_bytes=10_000, config=config_for(server))
    assert document.body == ARTICLE.encode()


def test_an_endless_body_is_cut_at_max_bytes_and_returns_quickly(server):
    server.route("/endless", endless())
    began = time.monotonic()
    result = check(server, "/endless", max_bytes=65536, total_timeout=10)
    elapsed = time.monotonic() - began
    assert result.outcome is Outcome.OK
    assert elapsed < 2, f"took {elapsed:.2f}s"


def test_a_document_larger_than_max_bytes_is_refused_quickly(server):
    server.route("/endless", endless())
    began = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_document(server.url("/endless"), max_bytes=100_000, config=config_for(server))
    assert info.value.outcome is Outcome.TOO_LARGE
    assert time.monotonic() - began < 2


def test_a_gzip_bomb_is_not_decoded_past_the_cap(server):
    bomb = b"<html><title>Zeros</title>" + b"0" * 20_000_000
    server.route("/bomb", respond(200, bomb, encoding="gzip"))
    began = time.monotonic()
    result = check(server, "/bomb")
    assert result.outcome is Outcome.OK
    with pytest.raises(FetchError) as info:
        fetch_document(server.url("/bomb"), max_bytes=1_000_000, config=config_for(server))
    assert info.value.outcome is Outcome.TOO_LARGE
    assert time.monotonic() - began < 3


# ------------------------------------------------------------------ fetch_document


def test_fetch_document_returns_the_final_url_type_charset_and_body(server):
    server.route("/a", redirect("/b", status=301))
    server.route("/b", respond(200, ARTICLE, content_type="text/html; charset=ISO-8859-1"))
    document = fetch_document(server.url("/a#top"), max_bytes=10_000, config=config_for(server))
    assert document.final_url == server.url("/b")
    assert document.status == 200
    assert document.content_type == "text/html"
    assert document.charset == "ISO-8859-1"
    assert document.body == ARTICLE.encode()
    assert document.redirects == [(301, server.url("/b"))]


@pytest.mark.parametrize(
    ("route", "outcome"),
    [
        (respond(404, "x"), Outcome.NOT_FOUND),
        (respond(410, "x"), Outcome.GONE),
        (respond(503, "x"), Outcome.SERVER_ERROR),
        (respond(200, NOT_FOUND_PAGE), Outcome.SOFT_404),
        (redirect("http://169.254.169.254/latest/meta-data/"), Outcome.UNSAFE),
    ],
)
def test_fetch_document_raises_fetch_error_with_the_outcome(server, route, outcome):
    server.route("/doc", route)
    with pytest.raises(FetchError) as info:
        fetch_document(server.url("/doc"), max_bytes=10_000, config=config_for(server))
    assert info.value.outcome is outcome


def test_fetch_document_refuses_an_unlisted_private_address():
    with pytest.raises(FetchError) as info:
        fetch_document("http://10.1.2.3/", max_bytes=1000, config=FetchConfig())
    assert info.value.outcome is Outcome.UNSAFE


def test_the_sync_api_also_works_inside_a_running_event_loop(server):
    server.route("/plain", respond(200, "plain", content_type="text/plain"))

    async def inside_loop():
        return check_url(server.url("/plain"), config=config_for(server))

    assert asyncio.run(inside_loop()).outcome is Outcome.OK


# ------------------------------------------------------------------- politeness


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    best = current = 0
    for _, delta in events:
        current += delta
        best = max(best, current)
    return best


def test_acheck_many_limits_concurrency_and_spaces_starts_per_host(server):
    for i in range(5):
        server.route(f"/p{i}", respond(200, "x", content_type="text/plain", delay=0.3))
    urls = [server.url(f"/p{i}", host=h) for h in ("127.0.0.1", "localhost") for i in range(5)]
    results = asyncio.run(
        acheck_many(
            urls,
            config=config_for(server),
            per_host_concurrency=2,
            per_host_interval=0.15,
        )
    )
    assert [r.outcome for r in results] == [Outcome.OK] * 10
    assert [r.url for r in results] == urls, "results come back in input order"
    for host in ("127.0.0.1", "localhost"):
        records = sorted((r for r in server.requests if r.host == host), key=lambda r: r.start)
        assert len(records) == 5
        assert _max_overlap([(r.start, r.end) for r in records]) <= 2
        gaps = [b.start - a.start for a, b in itertools.pairwise(records)]
        assert min(gaps) >= 0.15 - 0.05, gaps
    first = {
        h: min(r.start for r in server.requests if r.host == h) for h in ("127.0.0.1", "localhost")
    }
    assert abs(first["127.0.0.1"] - first["localhost"]) < 0.25, "hosts run concurrently"


def test_acheck_many_spaces_every_request_to_a_host_including_head_and_get(server):
    for i in range(3):
        server.route(f"/a{i}", respond(200, ARTICLE))  # HTML: HEAD then GET
    urls = [server.url(f"/a{i}") for i in range(3)]
    began = time.monotonic()
    results = asyncio.run(
        acheck_many(urls, config=config_for(server), per_host_concurrency=3, per_host_interval=0.2)
    )
    assert all(r.outcome is Outcome.OK for r in results)
    starts = sorted(r.start for r in server.requests)
    assert len(starts) == 6
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.2 - 0.05
    assert time.monotonic() - began >= 1.0
    assert all(r.elapsed_ms < 1000 for r in results), "queueing is not counted as elapsed"


def test_queueing_for_politeness_does_not_eat_the_check_deadline(server):
    for i in range(4):
        server.route(f"/q{i}", respond(200, "x", content_type="text/plain"))
    urls = [server.url(f"/q{i}") for i in range(4)]
    results = asyncio.run(
        acheck_many(
            urls,
            config=config_for(server, total_timeout=0.5),
            per_host_concurrency=1,
            per_host_interval=0.3,
        )
    )
    assert [r.outcome for r in results] == [Outcome.OK] * 4


def test_acheck_url_accepts_a_shared_guarded_client_only(server):
    server.route("/x", respond(200, "x", content_type="text/plain"))

    async def run():
        async with build_async_client(config_for(server)) as client:
            shared = await acheck_url(server.url("/x"), client=client)
        import httpx

        async with httpx.AsyncClient() as plain:
            with pytest.raises(TypeError):
                await acheck_url(server.url("/x"), client=plain)
        return shared

    assert asyncio.run(run()).outcome is Outcome.OK


# ------------------------------------------------------------ results and helpers


def test_a_result_serialises_to_json(server):
    server.route("/old", redirect("/new", status=308))
    server.route("/new", respond(200, "x", content_type="text/plain"))
    data = json.loads(json.dumps(check(server, "/old").to_dict()))
    assert data["outcome"] == "ok"
    assert data["status"] == 200
    assert data["redirects"] == [[308, server.url("/new")]]
    assert data["final_url"] == server.url("/new")
    assert isinstance(data["elapsed_ms"], int)
    assert set(data) >= {"url", "outcome", "status", "final_url", "redirects", "error"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 5 ", 5.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("-3", None),
    ],
)
def test_retry_after_is_parsed_as_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_http_dates_are_relative_to_now_and_never_negative():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("HTTP://Example.COM:80/a/./b/../c?b=2&a=1#frag", "http://example.com/a/c?b=2&a=1"),
        ("https://EXAMPLE.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://Bücher.de/%7euser/%e2%82%ac", "https://xn--bcher-kva.de/~user/%E2%82%AC"),
        ("http://example.com/a b?q=é", "http://example.com/a%20b?q=%C3%A9"),
        ("http://example.com/?z=1&a=2&z=0", "http://example.com/?z=1&a=2&z=0"),
        ("  http://example.com/path  ", "http://example.com/path"),
    ],
)
def test_normalize_url_canonicalises_http_urls(raw, normal):
    assert normalize_url(raw) == normal


@pytest.mark.parametrize("raw", ["ftp://example.com/", "mailto:a@example.com", "http:///x", "x"])
def test_normalize_url_rejects_non_web_or_hostless_urls(raw):
    with pytest.raises(InvalidURL):
        normalize_url(raw)


def test_fetch_config_defaults_without_django(monkeypatch):
    monkeypatch.setenv("FACTCHECK_FETCH_ALLOW_HOSTS", "127.0.0.1:8000, [::1]:9000")
    monkeypatch.setattr("sources.fetching.config._django_settings", lambda: None)
    config = FetchConfig.from_settings()
    assert (config.connect_timeout, config.read_timeout, config.total_timeout) == (5, 10, 30)
    assert (config.max_bytes, config.max_redirects) == (65536, 10)
    assert config.allow_hosts == frozenset({("127.0.0.1", 8000), ("::1", 9000)})
    assert config.user_agent.startswith("FactcheckWorkbench-LinkChecker/1.0 (+")


def test_allow_list_entries_need_an_explicit_port():
    with pytest.raises(ValueError):
        FetchConfig(allow_hosts=frozenset(["example.com"]))


# ------------------------------------------------------------------ soft-404 corpus


def _corpus(kind: str) -> list[Path]:
    return sorted((DATA / "soft404" / kind).glob("*.html"))


def test_the_soft_404_heuristic_has_no_false_positives_and_catches_most(capsys):
    fine, not_found = _corpus("fine"), _corpus("notfound")
    assert len(fine) >= 30 and len(not_found) >= 10
    false_positives = [p.name for p in fine if detect_soft_404(p.read_bytes())]
    missed = [p.name for p in not_found if not detect_soft_404(p.read_bytes())]
    fp_rate = len(false_positives) / len(fine)
    detection = 1 - len(missed) / len(not_found)
    with capsys.disabled():
        print(
            f"\nsoft-404 corpus: {len(fine)} fine pages, false-positive rate {fp_rate:.0%}; "
            f"{len(not_found)} not-found pages, detection rate {detection:.0%} (missed: {missed})"
        )
    assert false_positives == []
    assert detection >= 0.8
