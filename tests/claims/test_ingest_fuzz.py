"""Issue 14: the ingest form fuzzed through the test client.

Random modes, sizes (up to twice the limits, which are lowered here so examples stay
small), bytes, encodings, formats, file names and web addresses, sent as raw multipart
bodies. Whatever comes in, the answer is a redirect to the new (or existing) article or
ingest job, or the form with an error (200, or 400/413 for a body Django will not read):
never a 500, never a hang (each example is cut off by an alarm, and timed).
"""

from __future__ import annotations

import ipaddress
import signal
import time
from contextlib import contextmanager

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.claims.test_ingest_limits import ODD_URLS, PRIVATE_URLS

pytestmark = pytest.mark.django_db

INGEST = reverse("claims:article_ingest")
MAX_BYTES = 4096  # FACTCHECK_INGEST_MAX_BYTES during the fuzz
REQUEST_MAX = MAX_BYTES + 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE: some bodies go over it
SECONDS_PER_EXAMPLE = 10
BOUNDARY = "fuzz-7b1c0e9d4f2a4c5e8a3b6d0f1e2c3a4b"
ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-32",
    "cp1252",
    "latin-1",
    "iso8859-15",
    "cp1251",
    "koi8-r",
    "shift_jis",
    "gb18030",
    "big5",
]
WORDS = (
    "The city spent 4.2 million on roads in 2023. Le maire a déclaré 12 % de plus. "
    "Die Stadt gab 3 Mio. € aus. Город потратил 5 миллионов. 市は2023年に4億円を使った。"
)


def _mostly(good, bad):
    """``good`` eight times in ten, else ``bad``."""
    return st.integers(0, 9).flatmap(lambda k: good if k < 8 else bad)


_text = _mostly(
    st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=2 * MAX_BYTES),
    # Control characters (NUL...), but no lone surrogates: those cannot be encoded.
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=2 * MAX_BYTES),
)
_article_text = st.one_of(
    _text,
    st.builds(lambda n, extra: (WORDS * n)[: 2 * MAX_BYTES] + extra, st.integers(1, 20), _text),
    st.builds(
        lambda body: (
            f"<!doctype html><html><head><title>T</title></head><body>"
            f"<article><p>{body}</p><a href='javascript:x'>a</a></article></body></html>"
        ),
        _text,
    ),
    st.builds(lambda body: f"# Title\n\n[link](http://0x7f.1/) {body}", _text),
)


@st.composite
def _encoded(draw) -> bytes:
    """Article text in some encoding, sometimes cut mid-character or with bytes spliced in."""
    encoding = draw(_mostly(st.just("utf-8"), st.sampled_from(ENCODINGS)))
    data = draw(_article_text).encode(encoding, errors="replace")
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


_payload = _mostly(_encoded(), st.binary(max_size=2 * MAX_BYTES))

_ipv4_spellings = st.integers(0, 2**32 - 1).flatmap(
    lambda n: st.sampled_from(
        [
            str(n),
            hex(n),
            ".".join(str(b) for b in ipaddress.IPv4Address(n).packed),
            ".".join(oct(b).replace("0o", "0") for b in ipaddress.IPv4Address(n).packed),
            ".".join(hex(b) for b in ipaddress.IPv4Address(n).packed),
            f"{n >> 24}.{n & 0xFFFFFF}",
        ]
    )
)
_host = st.one_of(
    _ipv4_spellings,
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z0-9-]{1,12}){0,3}", fullmatch=True),
    st.sampled_from(
        ["localhost", "example.org", "\uff45\uff58\uff41.org", "xn--e1afmkfd.xn--p1ai"]
    ),
    st.text(max_size=30),
)
_built_url = st.builds(
    lambda scheme, userinfo, host, port, path: f"{scheme}://{userinfo}{host}{port}{path}",
    st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", "file", ""]),
    st.sampled_from(["", "user@", "user:pw@", "example.org@", "a%40b@"]),
    _host,
    st.one_of(st.just(""), st.integers(0, 99999).map(lambda p: f":{p}")),
    st.one_of(st.just("/"), st.text(max_size=40), st.just("/" + "a" * 2100)),
)
_good_url = st.builds(
    lambda host, path: f"https://{host}/{path}",
    st.sampled_from(["example.org", "news.example.com", "93.184.216.34", "[2606:4700::1111]"]),
    st.from_regex(r"[a-z0-9/_-]{0,30}", fullmatch=True),
)
_odd_url = st.one_of(st.sampled_from(ODD_URLS + PRIVATE_URLS), _built_url, st.text(max_size=300))
# Mostly usable (or no) addresses, so that articles and jobs get made too.
_url = st.integers(0, 9).flatmap(
    lambda k: st.just("") if k < 4 else _good_url if k < 7 else _odd_url
)


@st.composite
def _submission(draw) -> dict:
    mode = draw(_mostly(st.sampled_from(["paste", "upload", "fetch"]), st.just("bogus")))
    fields = {
        "mode": mode.encode(),
        "text_format": draw(
            _mostly(st.sampled_from(["text", "markdown", "html", ""]), st.text(max_size=5))
        ).encode(),
        "title": draw(_mostly(st.text(max_size=80), st.text(max_size=600))).encode(),
        "author": draw(st.text(max_size=50)).encode(),
        "url": draw(_mostly(_good_url, _url) if mode == "fetch" else _url).encode(),
    }
    file = None
    if mode == "paste" or draw(st.booleans()):
        fields["text"] = draw(_payload)
    if mode == "upload" or draw(st.booleans()):
        name = draw(
            _mostly(st.sampled_from(["a.txt", "a.md", "a.html", "a.htm", "A.TXT"]), st.text())
        )
        file = (name, draw(_payload))
    return {"fields": fields, "file": file}


def _multipart(fields: dict[str, bytes], file: tuple[str, bytes] | None) -> bytes:
    lines = []
    for name, value in fields.items():
        lines += [
            f"--{BOUNDARY}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
        ]
        lines += [b"", value]
    if file is not None:
        lines += [
            f"--{BOUNDARY}".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{file[0]}"'.encode(),
            b"Content-Type: application/octet-stream",
            b"",
            file[1],
        ]
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(lines)


@contextmanager
def _time_limit(seconds: int):
    def stop(signum, frame):
        raise TimeoutError(f"an ingest request took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fuzz_client(client_for, settings, monkeypatch, keyword_scorer):
    settings.FACTCHECK_INGEST_MAX_BYTES = MAX_BYTES
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX
    # Jobs are created, never run: nothing is fetched.
    monkeypatch.setattr("claims.tasks.article_fetch_and_ingest.apply_async", lambda **kw: None)
    # A fetch-mode preview fetches during the request: the fuzzed addresses are public hosts
    # (example.org, ...), never contacted from tests. The HTTP boundary answers as it does
    # with no network, after its own guard has refused what it refuses.
    monkeypatch.setattr("sources.fetching.fetch_document", _offline_fetch)
    return client_for("reviewer")


def _offline_fetch(url: str, **kwargs):
    from sources.fetching import FetchError
    from sources.fetching.guard import url_guard_reason

    reason = url_guard_reason(url)  # the real fetcher's first step
    if reason:
        raise FetchError("unsafe", f"refused: {reason}", url=url)
    raise FetchError("connection_error", "The network is unreachable.", url=url)


@settings(
    max_examples=200,
    deadline=None,  # timed below, and cut off by the alarm
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
@given(submission=_submission())
def test_any_submission_gets_a_redirect_or_the_form_with_an_error(fuzz_client, submission):
    body = _multipart(submission["fields"], submission["file"])
    started = time.monotonic()
    with _time_limit(SECONDS_PER_EXAMPLE * 2):
        # The test client re-raises a view's exception: a 500 fails here.
        response = fuzz_client.post(
            INGEST, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
        )
    assert time.monotonic() - started < SECONDS_PER_EXAMPLE
    status = response.status_code
    event(f"mode {submission['fields']['mode'].decode()}: {status}")
    assert status in {200, 302, 400, 413}, status
    if status == 302:
        assert response["Location"].startswith(("/review/articles/", "/review/ingest-jobs/"))
        return
    if response.templates and response.templates[0].name == "claims/article_ingest_preview.html":
        # A pasted text is previewed before it is stored.
        assert status == 200 and response.context["preview"].sentences
        return
    assert response.templates and response.templates[0].name == "claims/article_ingest.html"
    context = response.context
    if status == 200:
        assert context["form"].errors, "the form came back without saying why"
        event(f"refused on {', '.join(sorted(context['form'].errors))}")
    else:
        assert context["request_error"]
        if status == 413:
            assert len(body) > REQUEST_MAX
