"""The SSRF guard refuses every spelling of a forbidden address, at every hop.

No test here can reach anything but the local server: every client is built with a
trip-wire backend *inside* the guard that only lets connections to the test server's
127.0.0.1 port through and records every other attempt.
"""

from __future__ import annotations

import asyncio

import httpcore
import pytest

from sources.fetching import (
    FetchConfig,
    GuardedNetworkBackend,
    Outcome,
    UnsafeAddressError,
    acheck_url,
    build_async_client,
    forbidden_address_reason,
    is_allowed_host,
    parse_allow_hosts,
    parse_host_address,
    transport,
    url_guard_reason,
)
from tests.sources.httpserver import LocalHTTPServer, redirect, respond


class Tripwire(httpcore.AsyncNetworkBackend):
    """Connects only to ``allowed`` (host, port) pairs; records every attempt."""

    def __init__(self, allowed: frozenset[tuple[str, int]] = frozenset()) -> None:
        self.allowed = allowed
        self.calls: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.calls.append((host, port))
        if (host, port) in self.allowed:
            return await self._real.connect_tcp(host, port, timeout=timeout)
        raise httpcore.ConnectError(f"tripwire: test tried to connect to {host}:{port}")

    async def sleep(self, seconds):
        await asyncio.sleep(seconds)


def run_check(url: str, config: FetchConfig, tripwire: Tripwire):
    async def go():
        async with build_async_client(config, network_backend=tripwire) as client:
            return await acheck_url(url, client=client, config=config)

    return asyncio.run(go())


# (url, expected outcome of a check).  Every one must be refused before any connection.
REFUSED = [
    ("http://127.0.0.1/", Outcome.UNSAFE),
    ("http://127.0.0.1:8000/admin", Outcome.UNSAFE),
    ("http://127.1/", Outcome.UNSAFE),
    ("http://2130706433/", Outcome.UNSAFE),
    ("http://017700000001/", Outcome.UNSAFE),
    ("http://0177.0.0.1/", Outcome.UNSAFE),
    ("http://0x7f.1/", Outcome.UNSAFE),
    ("http://0x7f000001/", Outcome.UNSAFE),
    ("http://0x7f.0x0.0x0.0x1/", Outcome.UNSAFE),
    ("http://127.0.0.1./", Outcome.UNSAFE),
    ("http://%31%32%37.0.0.1/", Outcome.UNSAFE),
    ("http://0/", Outcome.UNSAFE),
    ("http://0.0.0.0/", Outcome.UNSAFE),
    ("http://10.0.0.1/", Outcome.UNSAFE),
    ("http://172.16.5.4/", Outcome.UNSAFE),
    ("http://172.31.255.255/", Outcome.UNSAFE),
    ("http://192.168.1.1/", Outcome.UNSAFE),
    ("http://169.254.169.254/latest/meta-data/", Outcome.UNSAFE),
    ("http://100.64.0.1/", Outcome.UNSAFE),
    ("http://100.127.255.254/", Outcome.UNSAFE),
    ("http://224.0.0.1/", Outcome.UNSAFE),
    ("http://239.255.255.250/", Outcome.UNSAFE),
    ("http://255.255.255.255/", Outcome.UNSAFE),
    ("http://240.0.0.1/", Outcome.UNSAFE),
    ("http://192.0.0.8/", Outcome.UNSAFE),
    ("http://192.0.2.10/", Outcome.UNSAFE),
    ("http://198.51.100.7/", Outcome.UNSAFE),
    ("http://203.0.113.9/", Outcome.UNSAFE),
    ("http://198.18.0.1/", Outcome.UNSAFE),
    ("http://[::1]/", Outcome.UNSAFE),
    ("http://[::]/", Outcome.UNSAFE),
    ("http://[0:0:0:0:0:0:0:1]/", Outcome.UNSAFE),
    ("http://[::ffff:127.0.0.1]/", Outcome.UNSAFE),
    ("http://[::ffff:7f00:1]/", Outcome.UNSAFE),
    ("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", Outcome.UNSAFE),
    ("http://[::ffff:10.0.0.1]/", Outcome.UNSAFE),
    ("http://[::127.0.0.1]/", Outcome.UNSAFE),
    ("http://[64:ff9b::7f00:1]/", Outcome.UNSAFE),
    ("http://[64:ff9b::a9fe:a9fe]/", Outcome.UNSAFE),
    ("http://[64:ff9b:1::1]/", Outcome.UNSAFE),
    ("http://[2002:7f00:1::1]/", Outcome.UNSAFE),
    ("http://[2002:a9fe:a9fe::1]/", Outcome.UNSAFE),
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", Outcome.UNSAFE),
    ("http://[fc00::1]/", Outcome.UNSAFE),
    ("http://[fd12:3456:789a::1]/", Outcome.UNSAFE),
    ("http://[fe80::1]/", Outcome.UNSAFE),
    ("http://[fec0::1]/", Outcome.UNSAFE),
    ("http://[ff02::1]/", Outcome.UNSAFE),
    ("http://[2001:db8::1]/", Outcome.UNSAFE),
    ("http://[3fff::1]/", Outcome.UNSAFE),
    ("http://[100::1]/", Outcome.UNSAFE),
    ("http://example.com@127.0.0.1/", Outcome.UNSAFE),
    ("https://user:secret@10.0.0.1:8443/", Outcome.UNSAFE),
    ("HTTP://127.0.0.1:80/", Outcome.UNSAFE),
    # Full-width digits: httpx cannot use the host, a browser would read 127.0.0.1.
    ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", Outcome.UNSAFE),
    # Not web URLs at all: refused as invalid before the guard even looks.
    ("file:///etc/passwd", Outcome.INVALID_URL),
    ("gopher://127.0.0.1:25/_HELO", Outcome.INVALID_URL),
]


def test_the_refusal_table_is_big_enough():
    assert len(REFUSED) >= 30


@pytest.mark.parametrize(("url", "outcome"), REFUSED, ids=[u for u, _ in REFUSED])
def test_a_forbidden_url_is_refused_by_the_pure_guard(url, outcome):
    assert url_guard_reason(url) is not None


@pytest.mark.parametrize(("url", "outcome"), REFUSED, ids=[u for u, _ in REFUSED])
def test_a_forbidden_url_is_refused_by_a_check_without_connecting(url, outcome):
    tripwire = Tripwire()
    result = run_check(url, FetchConfig(total_timeout=5), tripwire)
    assert result.outcome is outcome, result.error
    assert tripwire.calls == []


FORBIDDEN_ADDRESSES = [
    "127.0.0.1",
    "127.255.255.254",
    "10.1.2.3",
    "172.20.0.1",
    "192.168.0.10",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.251",
    "255.255.255.255",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:192.168.1.1",
    "64:ff9b::a00:1",
    "2002:c0a8:101::1",
    "fd00::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
]


@pytest.mark.parametrize("address", FORBIDDEN_ADDRESSES)
def test_the_connect_time_guard_refuses_a_forbidden_address_itself(address):
    tripwire = Tripwire()
    backend = GuardedNetworkBackend(inner=tripwire)
    with pytest.raises(UnsafeAddressError):
        asyncio.run(backend.connect_tcp(address, 80, timeout=1))
    assert tripwire.calls == []


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://93.184.216.34/", "93.184.216.34"),
        ("http://8.8.8.8/", "8.8.8.8"),
        ("https://1.1.1.1/dns-query", "1.1.1.1"),
        ("http://1572395042/", "93.184.216.34"),
        ("http://[2606:4700:4700::1111]/", "2606:4700:4700::1111"),
        ("http://[::ffff:93.184.216.34]/", "93.184.216.34"),
        ("http://[64:ff9b::5db8:d822]/", None),
    ],
)
def test_public_looking_literals_are_judged_safe_without_connecting(url, address):
    assert url_guard_reason(url) is None
    if address:
        assert forbidden_address_reason(address) is None


def test_a_hostname_passes_the_pure_guard_and_is_judged_at_connection_time():
    assert url_guard_reason("https://example.com/news") is None
    assert parse_host_address("example.com") is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("192.168.1.1.", "192.168.1.1"),
        ("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "127.0.0.1"),
        ("1.2.3.4.5", None),
        ("deadbeef", None),
        ("0x7f.example", None),
    ],
)
def test_hosts_are_parsed_the_way_a_resolver_reads_them(host, expected):
    parsed = parse_host_address(host)
    assert (str(parsed) if parsed else None) == expected


# ----------------------------------------------------------------------- DNS names


@pytest.mark.parametrize(
    "answers",
    [["127.0.0.1"], ["93.184.216.34", "10.0.0.5"], ["::ffff:127.0.0.1"], ["fd00::2"]],
)
def test_a_name_resolving_to_a_forbidden_address_is_refused(monkeypatch, answers):
    async def fake_resolve(host, port):
        assert host == "rebind.example"
        return answers

    monkeypatch.setattr(transport, "_resolve", fake_resolve)
    tripwire = Tripwire()
    result = run_check("http://rebind.example/", FetchConfig(total_timeout=5), tripwire)
    assert result.outcome is Outcome.UNSAFE
    assert tripwire.calls == []


def test_localhost_by_name_is_refused():
    tripwire = Tripwire()
    result = run_check("http://localhost/", FetchConfig(total_timeout=5), tripwire)
    assert result.outcome is Outcome.UNSAFE
    assert tripwire.calls == []


def test_the_connection_goes_to_the_vetted_address_not_the_name(monkeypatch):
    async def fake_resolve(host, port):
        return ["93.184.216.34"]

    monkeypatch.setattr(transport, "_resolve", fake_resolve)
    tripwire = Tripwire()
    result = run_check("http://public.example/", FetchConfig(total_timeout=5), tripwire)
    # The trip-wire refuses it (no real network in tests), but it was asked to connect
    # to the IP literal that was checked, leaving no DNS-rebinding window.
    assert tripwire.calls == [("93.184.216.34", 80)]
    assert result.outcome is Outcome.CONNECTION_ERROR


# ---------------------------------------------------------------------- redirects


@pytest.fixture
def server():
    with LocalHTTPServer() as srv:
        yield srv


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.0.0.1/",
        "http://[::1]:{port}/",
        "http://127.0.0.1:{other}/",
        "http://0x7f.1:{port}/",
        "http://2130706433:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://rebind.example:{port}/",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_a_forbidden_address_is_refused_at_the_hop(monkeypatch, server, target):
    async def fake_resolve(host, port):
        return ["127.0.0.1"]

    monkeypatch.setattr(transport, "_resolve", fake_resolve)
    location = target.format(port=server.port, other=server.port + 1)
    server.route("/start", redirect(location, status=302))
    allowed = frozenset({("127.0.0.1", server.port)})
    tripwire = Tripwire(allowed)
    result = run_check(
        server.url("/start"), FetchConfig(total_timeout=5, allow_hosts=allowed), tripwire
    )
    assert result.outcome is Outcome.UNSAFE, result.error
    assert result.redirects and result.redirects[-1][0] == 302
    assert set(tripwire.calls) == {("127.0.0.1", server.port)}
    assert {r.path for r in server.requests} == {"/start"}


# --------------------------------------------------------------------- allow-list


def test_the_allow_list_exempts_exactly_the_listed_host_and_port(server):
    server.route("/", respond(200, "hello", content_type="text/plain"))
    allowed = frozenset({("127.0.0.1", server.port)})
    config = FetchConfig(total_timeout=5, allow_hosts=allowed)
    tripwire = Tripwire(allowed)
    assert run_check(server.url("/"), config, tripwire).outcome is Outcome.OK
    for url in (
        f"http://localhost:{server.port}/",
        f"http://127.0.0.1:{server.port + 1}/",
        f"http://2130706433:{server.port}/",
        f"http://127.1:{server.port}/",
        f"http://[::1]:{server.port}/",
        "http://127.0.0.1/",
    ):
        assert run_check(url, config, Tripwire(allowed)).outcome is Outcome.UNSAFE, url


def test_the_default_port_is_implied_when_the_url_has_none():
    allowed = parse_allow_hosts("intranet.local:80,127.0.0.1:443")
    assert url_guard_reason("http://127.0.0.1/", allowed) is not None
    assert url_guard_reason("https://127.0.0.1/", allowed) is None
    assert url_guard_reason("https://127.0.0.1:443/x", allowed) is None
    assert url_guard_reason("http://127.0.0.1:443/", allowed) is None
    assert is_allowed_host("INTRANET.local", 80, allowed)
    assert not is_allowed_host("intranet.local", 8080, allowed)


def test_allow_list_settings_accept_strings_lists_and_ipv6():
    assert parse_allow_hosts("a.example:8000, [::1]:9000 ,") == frozenset(
        {("a.example", 8000), ("::1", 9000)}
    )
    assert parse_allow_hosts(["127.0.0.1:8000"]) == frozenset({("127.0.0.1", 8000)})
    assert parse_allow_hosts(None) == frozenset()
    for bad in ("example.com", "example.com:http", "::1:80", "host:0"):
        with pytest.raises(ValueError):
            parse_allow_hosts(bad)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "8.8.4.4"])
def test_public_addresses_have_no_refusal_reason(address):
    assert forbidden_address_reason(address) is None
