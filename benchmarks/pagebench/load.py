"""The pages benchmark's load generator: one asyncio process sending raw HTTP/1.1 requests at
a fixed arrival rate (open loop: request *i* leaves at ``t0 + i / rate`` whether or not the
earlier ones have answered, and its latency counts from then), and its latency statistics."""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import math
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import LOGIN_USER

REQUEST_TIMEOUT = 10.0


def login(port: int, password: str) -> str:
    """Log in through the login form; the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": LOGIN_USER, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(f"{base}/accounts/login/", data=data, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("logging in did not give a session cookie")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def http_get(port: int, path: str, cookie: str | None) -> tuple[int, int, str]:
    """One GET on a fresh connection (gunicorn's sync workers close it after each response,
    as they would behind a proxy); returns (status, bytes, the reader cache's verdict: "hit",
    "miss" or "" from its ``X-Reader-Cache`` header). ``cookie``: the session's ``Cookie``
    header, or ``Bearer <token>`` (sent as ``Authorization``) for the API."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        accept = "application/json" if path.startswith("/api/") else "text/html"
        head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n"
        if cookie and cookie.startswith("Bearer "):
            head += f"Authorization: {cookie}\r\n"
        elif cookie:
            head += f"Cookie: {cookie}\r\n"
        writer.write((head + "Connection: close\r\n\r\n").encode("ascii"))
        data = await reader.read(-1)
    finally:
        writer.close()
    if not data.startswith(b"HTTP/1."):
        return 0, len(data), ""
    head_end = data.find(b"\r\n\r\n")
    at = data.find(b"\r\nX-Reader-Cache: ", 0, head_end)
    cached = data[at + 18 : data.find(b"\r\n", at + 2)].decode() if at != -1 else ""
    return int(data[9:12]), len(data), cached


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, from the scheduled start
    errors: dict[str, int] = field(default_factory=dict)
    first_start: float = 0.0
    last_end: float = 0.0
    bytes: int = 0
    reader_cache: dict[str, int] = field(default_factory=dict)  # "hit"/"miss" -> responses


async def drive(
    port: int, paths: Callable[[int], str], cookie: str | None, rate: float, seconds: float
) -> Result:
    """Send ``rate * seconds`` requests at a fixed rate (open loop)."""
    loop = asyncio.get_running_loop()
    result = Result()
    total = max(1, round(rate * seconds))
    t0 = loop.time() + 0.05
    result.first_start = t0

    async def one(i: int, scheduled: float) -> None:
        try:
            status, size, cached = await asyncio.wait_for(
                http_get(port, paths(i), cookie), timeout=REQUEST_TIMEOUT
            )
            key = None if status == 200 else f"HTTP {status}"
            if cached:
                result.reader_cache[cached] = result.reader_cache.get(cached, 0) + 1
        except TimeoutError:
            key = "timeout"
        except OSError as exc:
            key = type(exc).__name__
        else:
            result.bytes += size
        end = loop.time()
        result.latencies.append(end - scheduled)
        result.last_end = max(result.last_end, end)
        if key:
            result.errors[key] = result.errors.get(key, 0) + 1

    tasks = []
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    return result


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def drain(port: int, limit: float = 60.0) -> None:
    """Wait until the server is idle again (two quick answers in a row), so that requests
    left queued by an overloaded scenario do not slow the next one down."""
    quick, deadline = 0, time.monotonic() + limit
    while quick < 2 and time.monotonic() < deadline:
        start = time.perf_counter()
        with contextlib.suppress(OSError, TimeoutError):
            asyncio.run(asyncio.wait_for(http_get(port, "/accounts/login/", None), 10))
        quick = quick + 1 if time.perf_counter() - start < 0.1 else 0
        time.sleep(0.2)
