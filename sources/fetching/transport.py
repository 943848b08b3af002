"""The guarded client: an ``httpcore`` network backend that resolves the host itself,
refuses forbidden addresses at connection time and connects to the vetted IP literal, and
:func:`build_async_client`, the only way to get an ``httpx`` client in this package."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import anyio
import certifi
import httpcore
import httpx

from sources.fetching.config import _ACCEPT, _ACCEPT_ENCODING, FetchConfig
from sources.fetching.guard import forbidden_address_reason, is_allowed_host, parse_host_address


class UnsafeAddressError(httpcore.ConnectError):
    """Raised by the guarded backend when a connection target is forbidden."""


class _DNSError(httpcore.ConnectError):
    """Raised by the guarded backend when the host does not resolve."""


async def _resolve(host: str, port: int) -> list[str]:
    """Resolve ``host`` to IP address strings (tests may monkeypatch this)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    return addresses


def _is_reserved_invalid_name(host: str) -> bool:
    # RFC 6761 6.4: "invalid" names never resolve; answer without asking the network.
    name = host.lower().rstrip(".")
    return name == "invalid" or name.endswith(".invalid")


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An ``httpcore`` network backend that resolves the host itself, refuses forbidden
    addresses and connects to the vetted IP literal.

    If any resolved address is forbidden the host is refused (a name that mixes public
    and private answers is treated as hostile).  Hosts on the allow-list skip the
    address check but still go through the same resolve-then-connect path.
    """

    def __init__(
        self,
        allow_hosts: frozenset[tuple[str, int]] = frozenset(),
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_hosts = allow_hosts
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def _addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        literal = parse_host_address(host)
        if literal is not None:
            return [str(literal)]
        if _is_reserved_invalid_name(host):
            raise _DNSError(f"cannot resolve {host!r}: reserved .invalid name")
        try:
            with anyio.fail_after(timeout):
                addresses = await _resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"DNS lookup for {host!r} timed out") from None
        except (OSError, UnicodeError) as exc:
            raise _DNSError(f"cannot resolve {host!r}: {exc}") from exc
        if not addresses:
            raise _DNSError(f"cannot resolve {host!r}: no addresses")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, port, timeout)
        if not is_allowed_host(host, port, self.allow_hosts):
            for address in addresses:
                reason = forbidden_address_reason(address)
                if reason:
                    raise UnsafeAddressError(f"refused {host}:{port}: {reason}")
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsafeAddressError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits,
        network_backend: httpcore.AsyncNetworkBackend,
    ) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        # httpx 0.28 has no public knob for the network backend: swap the pool for an
        # identical one that uses ours (tests prove the guard is in the path).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=network_backend,
        )


class GuardedAsyncClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose connections go through the guard.  Only clients
    made by :func:`build_async_client` are accepted by this package's functions."""

    fetch_config: FetchConfig


def build_async_client(
    config: FetchConfig | None = None,
    *,
    max_connections: int = 100,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> GuardedAsyncClient:
    """Create a guarded client.  ``network_backend`` replaces the backend *inside* the
    guard (tests use it as a trip-wire); the guard itself cannot be removed."""
    config = config or FetchConfig.from_settings()
    ssl_context = ssl.create_default_context(cafile=config.ca_bundle or certifi.where())
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=min(20, max_connections),
    )
    transport = _GuardedTransport(
        ssl_context=ssl_context,
        limits=limits,
        network_backend=GuardedNetworkBackend(config.allow_hosts, inner=network_backend),
    )
    client = GuardedAsyncClient(
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.total_timeout,
        ),
        headers={
            "User-Agent": config.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": _ACCEPT_ENCODING,
            "Accept-Language": "en;q=0.9, *;q=0.5",
        },
        # The client itself never stores cookies; each check keeps its own jar.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )
    client.fetch_config = config
    return client
