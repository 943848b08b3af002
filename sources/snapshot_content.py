"""What a snapshot keeps of a page: the capture (one guarded GET, redirects followed, the
body read up to a cap and marked truncated past it), its kind, its main text and a WARC
file. Pure of the database; ``sources.services.snapshots`` stores the result.

The capture goes through the fetcher's public pieces (:func:`build_async_client`: every
connection's addresses vetted at connect time; :func:`url_guard_reason`: every hop's URL
vetted before it is requested; :class:`FetchConfig`: the same timeouts, deadline, redirect
limit, identity and allow-list as link checks). It is not :func:`fetch_document` because a
snapshot needs what that does not give: the response headers (``Last-Modified``, ``ETag``,
and the whole set for the WARC record) and a body kept up to the cap instead of refused.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import hashlib
import io
import re
import zlib
from datetime import datetime

import httpx

from sources.fetching import (
    FetchConfig,
    UnsafeAddressError,
    build_async_client,
    url_guard_reason,
)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/csv"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class CaptureError(Exception):
    """The page could not be captured; ``outcome`` uses the link checks' vocabulary."""

    def __init__(self, outcome: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return f"{self.outcome}: {self.message}"


@dataclasses.dataclass
class Capture:
    url: str
    final_url: str
    status: int
    http_version: str
    headers: list[tuple[str, str]]
    body: bytes  # decoded from gzip/deflate, at most the cap
    truncated: bool

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")

    @property
    def content_type(self) -> str:
        return self.header("content-type")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", self.content_type, re.I)
        return match.group(1) if match else None


class _Decoder:
    """gzip/deflate decoded incrementally, never more than asked for (no gzip bomb)."""

    def __init__(self, encoding: str) -> None:
        encoding = (encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise CaptureError("server_error", f"unsupported content-encoding {encoding!r}")

    def feed(self, data: bytes, limit: int) -> bytes:
        if self._zlib is None:
            return data[:limit]
        try:
            return self._zlib.decompress(data, max(limit, 1))
        except zlib.error as exc:
            raise CaptureError("server_error", f"cannot decode body: {exc}") from None


async def _read(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    body = bytearray()
    raw_seen = 0
    async for chunk in response.aiter_raw():
        raw_seen += len(chunk)
        body += decoder.feed(chunk, max_bytes + 1 - len(body))
        if len(body) > max_bytes or raw_seen > max_bytes + 65536:
            return bytes(body[:max_bytes]), True
    return bytes(body), False


def _unsafe(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, UnsafeAddressError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def acapture(url: str, *, max_bytes: int, config: FetchConfig | None = None) -> Capture:
    """GET ``url`` through the guarded client, following at most ``max_redirects`` hops,
    each vetted; the body of the last answer (whatever its status) is kept up to
    ``max_bytes`` decoded bytes. Raises :class:`CaptureError`."""
    config = config or FetchConfig.from_settings()
    try:
        current = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
        raise CaptureError("invalid_url", f"cannot parse URL: {exc}") from None
    try:
        async with build_async_client(config, max_connections=2) as client:
            async with asyncio.timeout(config.total_timeout):
                for _hop in range(config.max_redirects + 1):
                    reason = url_guard_reason(current, config.allow_hosts)
                    if reason:
                        raise CaptureError("unsafe", f"refused: {reason}")
                    request = client.build_request("GET", current.copy_with(fragment=None))
                    response = await client.send(request, stream=True)
                    try:
                        location = response.headers.get("location")
                        if response.status_code in _REDIRECTS and location:
                            current = current.join(location)
                            continue
                        body, truncated = await _read(response, max_bytes)
                        return Capture(
                            url=url,
                            final_url=str(current.copy_with(fragment=None)),
                            status=response.status_code,
                            http_version=response.http_version or "HTTP/1.1",
                            headers=[
                                (k.decode("latin-1"), v.decode("latin-1"))
                                for k, v in response.headers.raw
                            ],
                            body=body,
                            truncated=truncated,
                        )
                    finally:
                        await response.aclose()
                raise CaptureError(
                    "too_many_redirects", f"more than {config.max_redirects} redirects"
                )
    except TimeoutError:
        raise CaptureError(
            "timeout", f"fetch exceeded the {config.total_timeout:g}s deadline"
        ) from None
    except httpx.TimeoutException as exc:
        raise CaptureError("timeout", f"timed out: {type(exc).__name__}") from None
    except httpx.HTTPError as exc:
        if _unsafe(exc):
            raise CaptureError("unsafe", f"refused: {exc}") from None
        raise CaptureError("connection_error", f"{type(exc).__name__}: {exc}") from None


def capture(url: str, *, max_bytes: int, config: FetchConfig | None = None) -> Capture:
    """Synchronous :func:`acapture` (a job's own event loop)."""
    return asyncio.run(acapture(url, max_bytes=max_bytes, config=config))


# ----------------------------------------------------------------------------- content


def kind_of(cap: Capture) -> str:
    """``html``, ``pdf``, ``text`` or ``other`` (kept as metadata only)."""
    media = cap.media_type
    if media in _HTML_TYPES:
        return "html"
    if media == "application/pdf" or (not media and cap.body.startswith(b"%PDF-")):
        return "pdf"
    if media in _TEXT_TYPES:
        return "text"
    return "other"


def _decode(body: bytes, charset: str | None) -> str:
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    return str(best) if best is not None else body.decode("utf-8", errors="replace")


def html_main_text(html: str) -> str:
    """The readable main text of a page: trafilatura with the options ingestion uses
    (``claims.extraction.extract_html``), as plain text. Never runs the page's scripts."""
    import trafilatura

    text = trafilatura.extract(
        html,
        output_format="txt",
        include_links=False,
        include_comments=False,
        include_images=False,
        include_tables=True,
        include_formatting=False,
        deduplicate=False,
    )
    return (text or "").strip()


def pdf_text(data: bytes) -> str:
    """Text of every page of a PDF (pypdf); empty if it cannot be read (a truncated
    file, an encrypted one)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return ""


def main_text(cap: Capture, kind: str) -> str:
    if kind == "html":
        return html_main_text(_decode(cap.body, cap.charset))
    if kind == "pdf":
        return pdf_text(cap.body)
    if kind == "text":
        return _decode(cap.body, cap.charset).strip()
    return ""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def warc_bytes(cap: Capture, *, fetched_at: datetime, metadata: dict[str, str]) -> bytes:
    """A gzipped WARC file: a ``response`` record (status line, headers and the body as
    kept; the ``Content-Encoding`` and ``Content-Length`` of the original answer are dropped
    since the body is stored decoded and maybe truncated) and a ``metadata`` record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    date = fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    dropped = {"content-encoding", "content-length", "transfer-encoding"}
    headers = [(k, v) for k, v in cap.headers if k.lower() not in dropped]
    headers.append(("Content-Length", str(len(cap.body))))
    reason = httpx.codes.get_reason_phrase(cap.status) or "Unknown"
    http_headers = StatusAndHeaders(
        f"{cap.status} {reason}", headers, protocol=cap.http_version or "HTTP/1.1"
    )
    response = writer.create_warc_record(
        cap.final_url,
        "response",
        payload=io.BytesIO(cap.body),
        length=len(cap.body),
        http_headers=http_headers,
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(response)
    lines = "".join(f"{k}: {v}\n" for k, v in metadata.items()).encode("utf-8")
    record = writer.create_warc_record(
        cap.final_url,
        "metadata",
        payload=io.BytesIO(lines),
        length=len(lines),
        warc_content_type="text/plain; charset=utf-8",
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    writer.write_record(record)
    return out.getvalue()
