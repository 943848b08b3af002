"""A scriptable local HTTP(S) server for tests of ``sources.fetching``.

It listens on 127.0.0.1 (or ::1) with an OS-chosen port and never talks to anything
else.  Routes are plain functions registered per test::

    with LocalHTTPServer() as server:
        server.route("/ok", respond(200, "<title>Hi</title>"))
        server.route("/moved", redirect("/ok", status=301))
        config = FetchConfig(allow_hosts=server.allow_hosts)

Every request is recorded (method, path, headers, Host, start/end times) so tests can
assert on what the fetcher sent and on per-host politeness.  Handlers that block
(``hang``, ``endless``, slow bodies) stop as soon as the server is stopped.
"""

from __future__ import annotations

import dataclasses
import datetime
import gzip
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "LocalHTTPServer",
    "RecordedRequest",
    "Request",
    "closed_port",
    "endless",
    "hang",
    "make_self_signed_cert",
    "redirect",
    "respond",
    "slow_body",
]


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    host: str
    start: float
    end: float | None = None


class Request:
    """What a route handler gets: the request and ways to answer it."""

    def __init__(self, handler: BaseHTTPRequestHandler, server: LocalHTTPServer) -> None:
        self._handler = handler
        self.server = server
        self.method = handler.command
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = parts.query
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.stopped = server.stopped

    def send(
        self,
        status: int,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_head(status, {"Content-Length": str(len(data)), **(headers or {})})
        if self.method != "HEAD" and data:
            self.write(data)

    def send_head(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._handler.send_response(status)
        for name, value in (headers or {}).items():
            self._handler.send_header(name, value)
        self._handler.end_headers()
        self._handler.wfile.flush()

    def write(self, data: bytes) -> None:
        self._handler.wfile.write(data)
        self._handler.wfile.flush()


Handler = Callable[[Request], None]


class _Handler(BaseHTTPRequestHandler):
    server_version = "LocalTestServer/1.0"
    local: LocalHTTPServer  # set on the per-server subclass

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet

    def _dispatch(self) -> None:
        record = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            host=(self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]"),
            start=time.monotonic(),
        )
        self.local._record(record)
        request = Request(self, self.local)
        handler = self.local._routes.get(request.path)
        try:
            if handler is None:
                request.send(404, "<title>Not Found</title>", {"Content-Type": "text/html"})
            else:
                handler(request)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass  # the client went away, which is often the point of the test
        finally:
            record.end = time.monotonic()
            self.close_connection = True

    do_GET = _dispatch
    do_HEAD = _dispatch
    do_POST = _dispatch


class LocalHTTPServer:
    """A threaded HTTP server on a loopback address with scriptable routes."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the test server only listens on loopback addresses")
        self.host = host
        self.scheme = "https" if tls_context else "http"
        self._tls_context = tls_context
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.stopped = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> LocalHTTPServer:
        handler_cls = type("BoundHandler", (_Handler,), {"local": self})
        server_cls = ThreadingHTTPServer
        if ":" in self.host:
            server_cls = type(
                "V6Server", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6}
            )
        httpd = server_cls((self.host, 0), handler_cls)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        if self._tls_context is not None:
            httpd.socket = self._tls_context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addressing
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        host = host or self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{self.scheme}://{host}:{self.port}{path}"

    @property
    def allow_hosts(self) -> frozenset[tuple[str, int]]:
        """Allow-list pairs for this server under its literal address and 'localhost'."""
        return frozenset({(self.host, self.port), ("localhost", self.port)})

    # -- scripting
    def route(self, path: str, handler: Handler) -> None:
        self._routes[path] = handler

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(record)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]


# ------------------------------------------------------------------ route factories


def respond(
    status: int = 200,
    body: bytes | str = b"",
    *,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    head_status: int | None = None,
    delay: float = 0.0,
    encoding: str | None = None,
) -> Handler:
    """Answer with ``status`` and ``body``; ``head_status`` answers HEAD differently;
    ``delay`` waits before answering; ``encoding`` ('gzip'/'deflate') compresses."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    extra = dict(headers or {})
    if content_type:
        extra.setdefault("Content-Type", content_type)
    if encoding == "gzip":
        data = gzip.compress(data)
        extra["Content-Encoding"] = "gzip"
    elif encoding == "deflate":
        data = zlib.compress(data)
        extra["Content-Encoding"] = "deflate"

    def handler(request: Request) -> None:
        if delay and request.stopped.wait(delay):
            return
        if request.method == "HEAD" and head_status is not None:
            request.send(head_status, b"", {"Content-Type": "text/html"})
            return
        request.send(status, data, extra)

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    def handler(request: Request) -> None:
        request.send(status, b"", {"Location": location})

    return handler


def hang(limit: float = 30.0) -> Handler:
    """Accept the request and never answer (until the server stops or ``limit``)."""

    def handler(request: Request) -> None:
        request.stopped.wait(limit)

    return handler


def slow_body(
    chunk: bytes = b"x", interval: float = 0.2, count: int = 1000, content_type: str = "text/plain"
) -> Handler:
    """Send headers at once, then drip ``chunk`` every ``interval`` seconds."""

    def handler(request: Request) -> None:
        request.send_head(200, {"Content-Type": content_type})
        if request.method == "HEAD":
            return
        for _ in range(count):
            if request.stopped.wait(interval):
                return
            request.write(chunk)

    return handler


def endless(
    chunk_size: int = 16384, content_type: str = "text/html; charset=utf-8", limit: float = 30.0
) -> Handler:
    """Stream a body that never ends (until the client hangs up, or ``limit``)."""
    block = (b"<p>" + b"lorem ipsum " * (chunk_size // 12) + b"</p>\n")[:chunk_size]

    def handler(request: Request) -> None:
        request.send_head(200, {"Content-Type": content_type})
        if request.method == "HEAD":
            return
        request.write(b"<html><head><title>Endless</title></head><body>")
        deadline = time.monotonic() + limit
        while not request.stopped.is_set() and time.monotonic() < deadline:
            request.write(block)

    return handler


def closed_port(host: str = "127.0.0.1") -> int:
    """A loopback port with nothing listening on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def make_self_signed_cert(
    directory: Path, names: Iterable[str] = ("localhost",), ips: Iterable[str] = ("127.0.0.1",)
) -> tuple[Path, Path]:
    """Write a throw-away self-signed certificate and key; return their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "factcheck test server")])
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
