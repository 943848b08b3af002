"""Bodies read as a stream, decoded from gzip/deflate and cut at a cap (raw and
decoded), so an endless body or a gzip bomb cannot slow a check down."""

from __future__ import annotations

import zlib

import httpx


class _BodyDecodeError(Exception):
    pass


class _BodyDecoder:
    """Incremental gzip/deflate decoder that never produces more than asked for."""

    def __init__(self, content_encoding: str | None) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        self._raw_deflate_fallback = False
        self._started = False
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate_fallback = True
        else:
            raise _BodyDecodeError(f"unsupported content-encoding {encoding!r}")

    def feed(self, data: bytes, limit: int) -> bytes:
        if self._zlib is None:
            return data[:limit]
        limit = max(limit, 1)  # zlib treats max_length=0 as "unlimited"
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error as exc:
            if self._raw_deflate_fallback and not self._started:
                self._raw_deflate_fallback = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, limit)
            raise _BodyDecodeError(f"cannot decode body: {exc}") from None
        self._started = True
        return out


async def _read_capped(
    response: httpx.Response, max_decoded: int, max_raw: int
) -> tuple[bytes, bool]:
    """Read at most ``max_decoded`` decoded bytes while receiving at most about
    ``max_raw`` raw bytes.  Returns ``(body, truncated)``."""
    decoder = _BodyDecoder(response.headers.get("content-encoding"))
    body = bytearray()
    raw_seen = 0
    truncated = False
    async for chunk in response.aiter_raw():
        raw_seen += len(chunk)
        body += decoder.feed(chunk, max_decoded + 1 - len(body))
        if len(body) > max_decoded or raw_seen > max_raw:
            truncated = True
            break
    return bytes(body[:max_decoded]), truncated or len(body) > max_decoded
