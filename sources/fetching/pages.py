"""What an answer says beyond its status: soft-404 pages, bot walls / challenge pages
(from possibly truncated HTML) and ``Retry-After``."""

from __future__ import annotations

import contextlib
import email.utils
import re
import unicodedata
import urllib.parse
from datetime import UTC, datetime
from html.parser import HTMLParser

import httpx

_WS = re.compile(r"\s+")


def _norm_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    return _WS.sub(" ", text).strip()


class _PageScanner(HTMLParser):
    """Collects <title>, <h1> texts and the other visible text from (possibly
    truncated) HTML."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self.h1s: list[str] = []
        self.text_parts: list[str] = []
        self._in_title = False
        self._h1_depth = 0
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._h1_depth += 1
            self.h1s.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._h1_depth = max(0, self._h1_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._skip_depth:
            return
        if self._h1_depth and self.h1s:
            self.h1s[-1] += data
        else:
            self.text_parts.append(data)

    @property
    def title(self) -> str:
        return _norm_text("".join(self.title_parts))


def _scan_html(body: bytes, charset: str | None) -> _PageScanner:
    scanner = _PageScanner()
    with contextlib.suppress(Exception):  # malformed markup: keep what was collected
        scanner.feed(_decode_html(body, charset))
        scanner.close()
    return scanner


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


def _decode_html(body: bytes, charset: str | None) -> str:
    candidates = [charset] if charset else []
    match = _META_CHARSET.search(body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    candidates.append("utf-8")
    for candidate in candidates:
        try:
            return body.decode(candidate or "utf-8", errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")  # pragma: no cover


# A title/heading *segment* must consist of a not-found phrase, optionally decorated
# ("Oops!", "Error 404:", trailing punctuation).  Headlines that merely mention such a
# phrase do not match, which keeps false positives down.
_DECORATION = (
    r"(?:(?:oops|oups|ups|whoops|sorry|uh[- ]?oh|hmm+|ouch|ooops|aw snap|error|erreur|fehler|"
    r"errore|erro|fout|błąd|ошибка|http)\s*[!,.:;…-]*\s*)*"
    r"(?:(?:error\s*)?404\s*[!,.:;…-]*\s*(?:error\s*[!,.:;…-]*\s*)?)?"
)
_THING = r"(?:page|web ?page|article|story|content|resource|file|document|url|link|post)"
_LOOKING = (
    r"(?:\s+(?:you(?:'re| are| were)? (?:looking for|trying to (?:reach|access|find))"
    r"|you (?:have )?requested|requested))?"
)
_STRONG_PHRASES = [
    rf"(?:the |this |that )?{_THING}? ?not found",
    r"nothing (?:was )?found here",
    rf"(?:the |this |that )?{_THING}{_LOOKING}\s+"
    r"(?:could not|couldn't|cannot|can't|can not) be found",
    rf"(?:the |this |that )?{_THING}{_LOOKING}\s+"
    r"(?:does not|doesn't|no longer) exists?(?: anymore| any more)?",
    rf"(?:the |this |that )?{_THING}{_LOOKING}\s+"
    r"(?:is|was|has been) (?:not found|no longer available|removed|deleted|moved)",
    rf"we (?:can't|cannot|couldn't|could not) find (?:that|the|this|your) {_THING}{_LOOKING}",
    r"(?:we|i) (?:can't|cannot|couldn't|could not) find what you(?:'re| are) looking for",
    r"(?:that|this) (?:page|content) is no longer available",
    # German
    r"(?:die )?(?:seite|datei)(?: wurde)? nicht gefunden",
    r"(?:die )?(?:angeforderte |gesuchte )?seite (?:wurde nicht gefunden|existiert nicht"
    r"(?: mehr)?|ist nicht (?:mehr )?verfügbar)",
    r"diese seite (?:gibt es|existiert) nicht(?: mehr)?",
    # French
    r"(?:la )?page (?:non trouvée|non trouvee|introuvable|inexistante)",
    r"(?:la |cette )?page(?: demandée| que vous recherchez)? (?:est introuvable"
    r"|n'existe pas|n'existe plus|n'est plus disponible)",
    # Spanish / Portuguese / Italian
    r"(?:la )?página no (?:encontrada|existe)",
    r"pagina no encontrada",
    r"(?:a )?página não (?:encontrada|existe)",
    r"pagina nao encontrada",
    r"(?:la )?pagina (?:non trovata|non esiste|richiesta non esiste)",
    # Dutch / Polish / Russian / Swedish
    r"(?:de )?pagina (?:niet gevonden|bestaat niet)",
    r"nie znaleziono strony",
    r"strona nie (?:została znaleziona|istnieje)",
    r"страница не найдена",
    r"(?:sidan|sida) (?:kunde inte hittas|hittades inte)",
    # Japanese / Chinese
    r"(?:お探しの)?ページ(?:が|は)見つかりません(?:でした)?",
    r"页面(?:不存在|未找到|找不到)",
    r"找不到(?:该)?页面",
    r"頁面不存在",
]
_STRONG_RE = re.compile(
    rf"^{_DECORATION}(?:{'|'.join(_STRONG_PHRASES)})\s*[!.…。\uff01]*$",
)
_WEAK_RE = re.compile(r"^(?:(?:error|erreur|fehler|errore|erro|fout|http)\s*)?404\s*[!.…]*$")
_TITLE_SPLIT = re.compile("\\s*[|\u2013\u2014\u00b7\u2022~]\\s*|\\s+-\\s+|\\s+::\\s+")

# Sentences that only appear on error pages; they count only on short pages.
_BODY_CUES = re.compile(
    r"(?:the page you(?:'re| are| were)? (?:looking for|requested|tried to)"
    r"|(?:page|url|link) (?:could not|couldn't|cannot|can't) be found"
    r"|(?:page|url) (?:does not|doesn't) exist"
    r"|mistyped the (?:url|address)|check the (?:url|address|spelling)"
    r"|may have been (?:moved|removed|deleted)|(?:error|http) 404|404 error"
    r"|seite wurde nicht gefunden|page (?:est )?introuvable|página no encontrada"
    r"|pagina non trovata|pagina niet gevonden|страница не найдена)",
)
_SHORT_PAGE_WORDS = 400


def _phrase_strength(text: str, *, split: bool) -> int:
    segments = _TITLE_SPLIT.split(text) if split else [text]
    best = 0
    for segment in segments:
        segment = segment.strip(" \"'“”«»()[]")
        if not segment:
            continue
        if _STRONG_RE.match(segment):
            return 2
        if _WEAK_RE.match(segment):
            best = 1
    return best


_TRIVIAL_SEGMENT = re.compile(
    r"^(?:|index\.[a-z0-9]+|default\.[a-z0-9]+|home|start|[a-z]{2}(?:[-_][a-z]{2,4})?)$"
)
_ERROR_PAGE_SEGMENT = re.compile(
    r"^(?:404|not[-_]?found|page[-_]?not[-_]?found|error[-_]?404|404[-_]?error|"
    r"404[-_]?page|notfound)(?:\.[a-z0-9]+)?$"
)


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _segments(url: httpx.URL) -> list[str]:
    return [urllib.parse.unquote(s).lower() for s in url.path.split("/") if s]


def _redirect_soft_404(original: str, final: str) -> str | None:
    try:
        src, dst = httpx.URL(original), httpx.URL(final)
    except (httpx.InvalidURL, ValueError):
        return None
    if src == dst:
        return None
    dst_segments = _segments(dst)
    if dst_segments and _ERROR_PAGE_SEGMENT.match(dst_segments[-1]):
        return f"redirected to error page {final}"
    if _site(src.host) != _site(dst.host):
        return None
    deep = any(not _TRIVIAL_SEGMENT.match(s) for s in _segments(src))
    root = all(_TRIVIAL_SEGMENT.match(s) for s in dst_segments)
    if deep and root:
        return f"deep link redirected to the site root {final}"
    return None


def detect_soft_404(
    body: bytes,
    *,
    charset: str | None = None,
    url: str | None = None,
    final_url: str | None = None,
) -> str | None:
    """Why a 200 HTML page looks like a "not found" page, or ``None``.

    Signals and weights: a title segment that *is* a not-found phrase (2; a bare "404"
    or "Error 404" segment 1), an ``<h1>`` that is one (2; bare "404" 1), and on short
    pages (< 400 words) error-page sentences in the text (1).  A page is a soft 404 at
    3 points, or when a deep link was redirected to the site root or to an error-page
    path (``url`` -> ``final_url``).  Conservative by design: a headline that merely
    mentions "page not found" scores nothing.
    """
    if url and final_url:
        reason = _redirect_soft_404(url, final_url)
        if reason:
            return reason
    scanner = _scan_html(body, charset)
    title = scanner.title
    score = 0
    signals = []
    title_strength = _phrase_strength(title, split=True)
    if title_strength:
        score += title_strength
        signals.append(f"title {title!r}")
    h1_strength = 0
    for h1 in scanner.h1s[:3]:
        h1_strength = max(h1_strength, _phrase_strength(_norm_text(h1), split=False))
    if h1_strength:
        score += h1_strength
        signals.append("heading")
    text = _norm_text(" ".join(scanner.text_parts))
    if len(text.split()) < _SHORT_PAGE_WORDS and _BODY_CUES.search(text):
        score += 1
        signals.append("error-page wording")
    if score >= 3:
        return "looks like a 'not found' page: " + ", ".join(signals)
    return None


_BOT_WALL_TITLES = re.compile(
    r"^(?:just a moment\.*|attention required! \| cloudflare|please wait\.*"
    r"|access denied \| .* used cloudflare to restrict access|ddos-guard"
    r"|are you a robot\??|robot check|human verification|verify you are human"
    r"|please verify you are a human|checking your browser.*|security check"
    r"|pardon our interruption\.*|sucuri website firewall - access denied)$"
)
_BOT_WALL_MARKERS = (
    b"window._cf_chl_opt",
    b"cf-browser-verification",
    b"cf_chl_prog",
    b"captcha-delivery.com",
    b"incapsula incident id",
    b"px-captcha",
    b"/_guard/auto.js",  # DDoS-Guard
)


def detect_bot_wall(headers: httpx.Headers | dict[str, str], body: bytes = b"") -> str | None:
    """Why a response looks like a bot wall / challenge page, or ``None``."""
    mitigated = (headers.get("cf-mitigated") or "").lower()
    if mitigated == "challenge":
        return "Cloudflare challenge (cf-mitigated: challenge)"
    if not body:
        return None
    lowered = body[:200_000].lower()
    for marker in _BOT_WALL_MARKERS:
        if marker in lowered:
            return f"challenge page ({marker.decode()})"
    title = _scan_html(body, None).title
    if title and _BOT_WALL_TITLES.match(title):
        return f"challenge page (title {title!r})"
    return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or HTTP-date), or ``None``."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
